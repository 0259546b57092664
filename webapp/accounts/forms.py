from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignUpForm(UserCreationForm):
    """A username, an e-mail address (for reminders) and a password."""

    email = forms.EmailField(required=True, help_text="Reminders and digests go here.")
    # Filled in by the browser (Intl API); the server falls back to UTC.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)

    # django-stubs leaves out BaseUserCreationForm.Meta (Django has it: model, fields and
    # the username field class this form keeps).
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "email")

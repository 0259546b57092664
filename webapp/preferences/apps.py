"""The preferences app (its settings-page templates)."""

from __future__ import annotations

from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "webapp.preferences"
    label = "preferences"
    verbose_name = "Preferences"

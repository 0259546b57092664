from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from webapp.accounts import password, sign_out, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", sign_out.SignOutView.as_view(), name="logout"),
    path("password/", password.PasswordChangeView.as_view(), name="password-change"),
    path("password/changed/", password.PasswordChangedView.as_view(), name="password-changed"),
]

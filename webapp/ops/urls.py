from __future__ import annotations

from django.urls import path

from webapp.ops import views

urlpatterns = [
    path("", views.page, name="ops"),
    path("data", views.data, name="ops-data"),
]

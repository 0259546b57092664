from __future__ import annotations

from django.urls import path

from webapp.ops import audit_page, views

urlpatterns = [
    path("", views.page, name="ops"),
    path("data", views.data, name="ops-data"),
    path("audit/", audit_page.audit_page, name="ops-audit"),
]

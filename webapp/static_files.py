"""Static files for the run command's webapp, with every path outside the static folders a 404
and the pages' security headers (the handler answers before any middleware runs)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest
from django.http.response import FileResponse


def security_headers() -> dict[str, str]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to every page, from the same
    settings."""
    headers = {
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
    }
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    return headers


class StaticFilesHandler(ASGIStaticFilesHandler):
    """Django's handler (it serves with DEBUG off too), but a traversal such as
    /static/../config/settings/base.py is a 404: Django's finders raise
    SuspiciousFileOperation there, which its ASGI handler lets out as a 500."""

    def serve(self, request: HttpRequest) -> FileResponse:
        try:
            response = super().serve(request)
        except SuspiciousFileOperation:
            raise Http404("No such static file.") from None
        for name, value in security_headers().items():
            response.headers[name] = value
        return response

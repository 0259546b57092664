"""Static files for the run command's webapp, with every path outside the static folders a 404."""

from __future__ import annotations

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest
from django.http.response import FileResponse


class StaticFilesHandler(ASGIStaticFilesHandler):
    """Django's handler (it serves with DEBUG off too), but a traversal such as
    /static/../config/settings/base.py is a 404: Django's finders raise
    SuspiciousFileOperation there, which its ASGI handler lets out as a 500."""

    def serve(self, request: HttpRequest) -> FileResponse:
        try:
            return super().serve(request)
        except SuspiciousFileOperation:
            raise Http404("No such static file.") from None

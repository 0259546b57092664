"""Answers for requests Django refuses before any view runs (e.g. a body over the limit)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = "The request was malformed or too large (at most 64 KiB of form data)."
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

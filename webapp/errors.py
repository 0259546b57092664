"""The project's own answers for errors no view answers: a request Django refuses before any
view runs (e.g. a body over the limit), an unknown path, a crash. Short messages, JSON for
scripts; never a traceback, whatever DEBUG says for the rest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

BAD_REQUEST = "The request was malformed or too large (at most 64 KiB of form data)."
NOT_FOUND = "There is nothing at this address."
SERVER_ERROR = "Something went wrong on our side; it has been logged. Try again."


def _answer(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, BAD_REQUEST, 400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, NOT_FOUND, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, SERVER_ERROR, 500)

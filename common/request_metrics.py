"""Request latency by view, as a Prometheus histogram."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase

from common.metrics import REQUEST_LATENCY

UNMATCHED = "unmatched"  # one label for every 404 path, so scanners cannot add series


def view_label(request: HttpRequest) -> str:
    """The URL name of the view that served `request` (or its route)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


def observe_request(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    REQUEST_LATENCY.labels(
        view=view_label(request), method=request.method or "", status=response.status_code
    ).observe(seconds)

"""The staff-only /ops/audit/ page: the sealed trail, newest first, filtered and paged.

It reads the audit store (webapp is in its scopes) and filters in the app: the trail is
a chain of keys, not a queryable table; `manage.py audit export` serves bulk readers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import record, trail
from common.dapr.errors import DaprError
from webapp.ops.views import staff_only

PER_PAGE = 50


def _time_ms(text: str) -> int | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _matches(sealed: dict[str, Any], filters: dict[str, str]) -> bool:
    since, until = _time_ms(filters["since"]), _time_ms(filters["until"])
    return (
        (not filters["user"] or (sealed.get("actor") or {}).get("username") == filters["user"])
        and (not filters["action"] or sealed.get("action") == filters["action"])
        and (not filters["outcome"] or sealed.get("outcome") == filters["outcome"])
        and (since is None or sealed.get("time_ms", 0) >= since)
        and (until is None or sealed.get("time_ms", 0) < until)
    )


@require_GET
@staff_only
async def audit_page(request: HttpRequest) -> HttpResponse:
    filters = {
        name: request.GET.get(name, "").strip()[:100]
        for name in ("user", "action", "outcome", "since", "until")
    }
    try:
        head = await trail.read_head()
        start = trail.start_of(await trail.read_genesis())
        records = await trail.read_records(start.seq + 1, head.link.seq)
    except DaprError:
        return HttpResponse("The audit store is unavailable; try again.", status=503)
    listed = [
        sealed
        for _, sealed in sorted(records.items(), reverse=True)
        if sealed is not None and _matches(sealed, filters)
    ]
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    for sealed in page.object_list:
        sealed["time"] = datetime.fromtimestamp(sealed["time_ms"] / 1000, UTC).isoformat()
    context = {"page": page, "filters": filters, "outcomes": record.OUTCOMES}
    return render(request, "ops/audit.html", context)

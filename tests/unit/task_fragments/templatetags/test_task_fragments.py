from __future__ import annotations

from django.template import engines

LOCAL_DUE = '{% with due=d|local_time:tz %}{{ due|date:"D j M Y, H:i" }}{% endwith %}'
DUE = "{% load task_fragments %}" + LOCAL_DUE


def render(due: str | None, time_zone: str) -> str:
    return engines["django"].from_string(DUE).render({"d": due, "tz": time_zone})


def test_local_time_formats_in_the_user_s_time_zone() -> None:
    assert render("2026-12-24T14:00:00+00:00", "America/New_York") == "Thu 24 Dec 2026, 09:00"


def test_local_time_without_a_time_is_empty() -> None:
    assert render(None, "UTC") == ""

"""Log records get trace and span ids and the user id only when they are known."""

from __future__ import annotations

import logging
import sys

from django.contrib.auth.models import AnonymousUser, User
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from common import tracing
from common.json_logging import OneLineExportErrors, TraceContextFilter
from common.request_context import current_request, known_user_id


def record(message: str = "hello") -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, message, (), None)


def test_trace_ids_come_from_the_current_span() -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with tracing.span("work", traceparent=parent):
        stamped = record()
        TraceContextFilter().filter(stamped)
    assert stamped.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert len(stamped.span_id) == 16


def test_no_ids_outside_a_span() -> None:
    stamped = record()
    TraceContextFilter().filter(stamped)
    assert not hasattr(stamped, "trace_id")
    assert not hasattr(stamped, "user_id")


def test_user_id_only_once_the_request_loaded_its_user() -> None:
    request = RequestFactory().get("/")
    user = User(pk=42, username="someone", email="someone@example.com")
    request.user = SimpleLazyObject(lambda: user)
    assert known_user_id(request) is None  # never loads it
    request.user._setup()
    assert known_user_id(request) == 42
    token = current_request.set(request)
    try:
        stamped = record()
        TraceContextFilter().filter(stamped)
    finally:
        current_request.reset(token)
    assert stamped.user_id == 42
    assert "example.com" not in str(vars(stamped))


def test_anonymous_users_have_no_id() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert known_user_id(request) is None


def test_export_errors_become_one_warning_line() -> None:
    try:
        raise ConnectionError("refused")
    except ConnectionError:
        failed = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "Exception while exporting Span.", (), sys.exc_info()
        )
    OneLineExportErrors().filter(failed)
    assert failed.levelname == "WARNING"
    assert failed.exc_info is None
    assert failed.getMessage() == "Exception while exporting Span. (ConnectionError: refused)"

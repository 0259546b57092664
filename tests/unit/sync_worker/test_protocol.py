"""Client frames are parsed strictly; server messages carry the seq marker first."""

from __future__ import annotations

import json

import pytest

from sync_worker.protocol import (
    CatchUpRequest,
    JunkFrame,
    event_message,
    frame_size,
    parse_client_frame,
    refresh_message,
)


@pytest.mark.parametrize("kind", ["hello", "resync"])
def test_parse_client_frame_reads_hello_and_resync(kind: str) -> None:
    frame = json.dumps({"type": kind, "after": 7})
    assert parse_client_frame(frame) == CatchUpRequest(type=kind, after=7)


def test_parse_client_frame_ignores_extra_fields() -> None:
    assert parse_client_frame('{"type":"hello","after":0,"x":1}') == CatchUpRequest("hello", 0)


@pytest.mark.parametrize(
    "frame",
    [
        None,
        "",
        "{oops",
        "[]",
        '"hello"',
        '{"type":"bye","after":1}',
        '{"after":1}',
        '{"type":"hello"}',
        '{"type":"hello","after":"3"}',
        '{"type":"hello","after":1.5}',
        '{"type":"hello","after":true}',
        '{"type":"hello","after":-1}',
        '{"type":"hello","after":null}',
        "[" * 2000 + "]" * 2000,
        '{"a":' * 1000 + "1" + "}" * 1000,
        '{"type":"hello","after":' + "9" * 4095 + "}",
        '{"type":"hello","after":1e999}',
    ],
)
def test_parse_client_frame_rejects_junk(frame: str | None) -> None:
    with pytest.raises(JunkFrame):
        parse_client_frame(frame)


def test_frame_size_counts_utf8_bytes() -> None:
    assert (frame_size("é", None), frame_size(None, b"abc"), frame_size(None, None)) == (2, 3, 0)


def test_event_message_is_marker_then_fragment() -> None:
    assert event_message(3, '<li id="task-a"></li>') == (
        '<div id="sync-seq" data-seq="3" hidden></div><li id="task-a"></li>'
    )


def test_refresh_message_marks_refresh() -> None:
    assert refresh_message(9) == '<div id="sync-seq" data-seq="9" data-refresh="true" hidden></div>'

from __future__ import annotations

import json

import pytest

from common.cloudevents import MalformedEvent, parse_cloudevent


def envelope(**overrides: object) -> bytes:
    event = {
        "id": "e-1",
        "source": "webapp",
        "type": "task.created",
        "specversion": "1.0",
        "topic": "task-events",
        "data": {"task": {"id": "t-1"}},
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    event.update(overrides)
    return json.dumps(event).encode()


def test_parse_cloudevent_reads_attributes_and_data() -> None:
    event = parse_cloudevent(envelope())
    assert (event.id, event.type, event.topic) == ("e-1", "task.created", "task-events")
    assert event.data == {"task": {"id": "t-1"}}
    assert event.traceparent.startswith("00-0af7")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (envelope(id=""), "missing CloudEvent attributes: id"),
        (envelope(type=None, source=None), "missing CloudEvent attributes: source, type"),
    ],
)
def test_parse_cloudevent_rejects_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_cloudevent(body)

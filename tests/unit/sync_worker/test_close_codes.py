"""Daphne can send the protocol's RFC close codes once patched; others keep its checks."""

from __future__ import annotations

from typing import Any

import pytest
from daphne.ws_protocol import WebSocketProtocol

from sync_worker.close_codes import allow_protocol_close_codes


class Recorder:
    def __init__(self) -> None:
        self.frames: list[int | None] = []
        self.closes: list[int | None] = []

    def sendCloseFrame(self, code: int | None = None) -> None:
        self.frames.append(code)

    def sendClose(self, code: int | None = None, reason: Any = None) -> None:
        self.closes.append(code)


@pytest.fixture(autouse=True)
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WebSocketProtocol, "serverClose", WebSocketProtocol.serverClose)
    allow_protocol_close_codes()
    allow_protocol_close_codes()


@pytest.mark.parametrize("code", [1009, 1013])
def test_protocol_codes_go_out_as_close_frames(code: int) -> None:
    recorder = Recorder()
    WebSocketProtocol.serverClose(recorder, code=code)
    assert (recorder.frames, recorder.closes) == ([code], [])


@pytest.mark.parametrize(("code", "sent"), [(None, 1000), (4401, 4401), (1000, 1000)])
def test_other_codes_keep_daphnes_path(code: int | None, sent: int) -> None:
    recorder = Recorder()
    WebSocketProtocol.serverClose(recorder, code=code)
    assert (recorder.frames, recorder.closes) == ([], [sent])

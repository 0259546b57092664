from __future__ import annotations

import pytest

from devtools.probes import NotReady, Probe, redis_answers, wait_until
from devtools.topology import free_port


def test_wait_until_names_what_never_became_healthy() -> None:
    probe = Probe("Redis at 127.0.0.1:1", lambda: False, timeout=0.2)
    with pytest.raises(NotReady, match=r"Redis at 127.0.0.1:1 is not healthy after 0 s"):
        wait_until(probe, interval=0.05)


def test_wait_until_returns_once_the_check_passes() -> None:
    answers = [False, False, True, False]
    asked: list[bool] = []

    def check() -> bool:
        asked.append(answers[len(asked)])
        return asked[-1]

    wait_until(Probe("flaky", check, timeout=5), interval=0.01)
    assert asked == [False, False, True]


def test_redis_answers_is_false_when_nothing_listens() -> None:
    assert redis_answers(free_port(), timeout=0.5) is False

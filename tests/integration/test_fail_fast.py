"""A frozen Redis (SIGSTOP) fails fast and shows: writes answer 503 with a message within a
bound, every service's /readyz goes unready, and all of it comes back once Redis does."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import RunningSystem
from tests.integration.webapp_http import WebappUser

pytestmark = [pytest.mark.integration, pytest.mark.faults]

SERVICES = ("webapp", "sync_worker", "bindings_worker")
# A browser user waits about this long for an answer before giving up on a page; the
# write path's sidecar calls have 2 s deadlines (common/dapr/client.py), and the answer
# may take one more lock try and the outage page.
WRITE_ANSWER_BOUND_SECONDS = 3.5
READYZ_BOUND_SECONDS = 10.0


@contextmanager
def frozen_redis(system: RunningSystem) -> Iterator[None]:
    pid = system.group["redis"].process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def readyz(system: RunningSystem, package: str) -> int:
    url = f"{system.service(package).app_url}/readyz"
    return httpx.get(url, timeout=5).status_code


def await_readyz(system: RunningSystem, package: str, status: int) -> None:
    deadline = time.monotonic() + READYZ_BOUND_SECONDS
    while (seen := readyz(system, package)) != status:
        assert time.monotonic() < deadline, f"{package} /readyz stayed {seen}, not {status}"
        time.sleep(0.2)


def test_a_frozen_redis_answers_writes_503_fast_and_readyz_follows_it(
    faulted_system: RunningSystem,
) -> None:
    system = faulted_system
    webapp_user = WebappUser(system.service("webapp").app_url)
    try:
        webapp_user.create("before the freeze")
        with frozen_redis(system):
            started = time.monotonic()
            response = webapp_user.post(
                "/tasks/", {"title": "during", "idempotency_key": "freeze-1"}
            )
            took = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert "unavailable" in response.json()["error"]
            assert took < WRITE_ANSWER_BOUND_SECONDS, f"503 after {took:.1f} s"
            for package in SERVICES:
                await_readyz(system, package, 503)
        for package in SERVICES:
            await_readyz(system, package, 200)
        # The same request again (its idempotency key) is applied once, whatever the timed-out
        # attempt did after Redis came back.
        again = webapp_user.post("/tasks/", {"title": "during", "idempotency_key": "freeze-1"})
        assert again.status_code in (200, 201), again.text
        page = webapp_user.client.get("/").text
        assert page.count('<span class="title">during</span>') == 1
    finally:
        webapp_user.close()

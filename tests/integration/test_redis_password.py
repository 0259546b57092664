"""Redis requires this system's password of every client, and the password stays secret:
never on a command line (any user's `ps` shows those) and never in a log."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from redis import Redis
from redis.exceptions import AuthenticationError

from common.dapr_names import STATE_STORE
from devtools.credentials import redis_password
from tests.conftest import RunningSystem
from tests.integration.redis_access import system_redis
from tests.sidecar_tokens import sidecar_headers

pytestmark = pytest.mark.integration


def test_redis_refuses_a_client_without_the_password(system: RunningSystem) -> None:
    anonymous = Redis(host="127.0.0.1", port=system.topology.redis_port, socket_timeout=10)
    with pytest.raises(AuthenticationError):
        anonymous.get("anything")


def test_redis_refuses_a_wrong_password(system: RunningSystem) -> None:
    port = system.topology.redis_port
    guessed = Redis(host="127.0.0.1", port=port, password="guess", socket_timeout=10)
    with pytest.raises(AuthenticationError):
        guessed.ping()


def test_the_sidecars_reach_redis_with_the_password(system: RunningSystem) -> None:
    assert system_redis(system.topology).ping()
    webapp = system.service("webapp")
    url, headers = f"{webapp.sidecar_url}/v1.0/state/{STATE_STORE}", sidecar_headers(webapp)
    saved = httpx.post(url, json=[{"key": "pw-test", "value": 7}], headers=headers, timeout=10)
    assert saved.status_code == 204, saved.text
    assert httpx.get(f"{url}/pw-test", headers=headers, timeout=10).json() == 7


def test_the_password_is_on_no_command_line_and_in_no_log(system: RunningSystem) -> None:
    password = redis_password(system.topology)
    for name, process in system.group.processes.items():
        command_line = Path(f"/proc/{process.process.pid}/cmdline").read_bytes()
        assert password.encode() not in command_line, name
        assert not any(password in line for line in process.lines), name

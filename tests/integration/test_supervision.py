"""A crashed process of the running system comes back by itself; the others keep running."""

from __future__ import annotations

import os
import signal

import pytest

from devtools.probes import Probe, accepts_connections, http_ok, wait_until
from tests.conftest import RunningSystem
from tests.integration.clients import receive, send_hello
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

RESTART_TIMEOUT = 60.0
# Processes a task save goes through: none of them may be touched by another's crash.
SAVE_PATH = ("webapp", "webapp-dapr", "sync-worker", "sync-worker-dapr", "redis")


def pids(system: RunningSystem, names: tuple[str, ...]) -> dict[str, int]:
    return {name: system.group[name].process.pid for name in names}


def kill(system: RunningSystem, name: str) -> int:
    """SIGKILL to `name`'s current process; how many restarts it had before."""
    process = system.group[name]
    restarts = process.restarts
    os.kill(process.process.pid, signal.SIGKILL)
    return restarts


def test_a_killed_mail_sink_comes_back_and_saving_never_stops(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    before = pids(system, SAVE_PATH)
    mail_sink = system.group["mailsink"]
    restarts = kill(system, "mailsink")

    # Saved while the mail sink is down or restarting: nobody needs it to save a task.
    webapp_user.create("Saved while the mail sink restarts")

    mail_sink.wait_for_restart(restarts, RESTART_TIMEOUT)
    port = system.topology.mail_sink_port
    wait_until(Probe("restarted mail sink", lambda: accepts_connections(port), RESTART_TIMEOUT))
    assert pids(system, SAVE_PATH) == before
    webapp_user.create("Saved after the mail sink came back")


def test_a_killed_app_is_restarted_and_serves_again(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    webapp = system.service("webapp")
    others = ("webapp-dapr", "sync-worker", "sync-worker-dapr", "redis", "placement")
    before = pids(system, others)
    restarts = kill(system, webapp.app_id)

    system.group[webapp.app_id].wait_for_restart(restarts, RESTART_TIMEOUT)
    wait_until(
        Probe("restarted webapp", lambda: http_ok(f"{webapp.app_url}/readyz"), RESTART_TIMEOUT)
    )
    assert pids(system, others) == before
    # The session lives in the state store, so the same user is still signed in.
    webapp_user.create("Saved by the restarted webapp")


def test_a_killed_sidecar_is_restarted_and_its_app_is_ready_again(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    sync_worker = system.service("sync_worker")
    sidecar = f"{sync_worker.app_id}-dapr"
    restarts = kill(system, sidecar)

    system.group[sidecar].wait_for_restart(restarts, RESTART_TIMEOUT)
    wait_until(
        Probe(
            "restarted sync-worker sidecar",
            lambda: http_ok(f"{sync_worker.sidecar_url}/v1.0/healthz"),
            RESTART_TIMEOUT,
        )
    )
    wait_until(
        Probe(
            "sync-worker ready",
            lambda: http_ok(f"{sync_worker.app_url}/readyz"),
            RESTART_TIMEOUT,
        )
    )
    # The socket's handshake asks webapp through the restarted sidecar (name resolution),
    # and the change reaches it through the restarted sidecar's subscription.
    with webapp_user.socket(sync_worker) as socket:
        send_hello(socket)
        task = webapp_user.create("Pushed through sync-worker's restarted sidecar")
        message = receive(socket)
    assert (message.seq, message.task_id) == (1, task["id"])

"""One broker, its two sidecars and the subscriber app, started and stopped together."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from bench.brokers import processes
from bench.brokers.servers import BROKERS, Broker
from bench.brokers.sidecars import (
    DAPRD,
    PUBLISHER,
    SUBSCRIBER,
    Sidecar,
    Tokens,
    daprd,
    write_config,
    write_resources,
)
from devtools.commands import Command
from devtools.supervise import SYSTEM_RESTART, ProcessGroup, RestartPolicy, Supervised
from devtools.topology import REPO_ROOT, free_port

# The bench plays the broker's supervisor and restarts it the moment it dies.
AT_ONCE = RestartPolicy(initial_delay=0.0)
START_TIMEOUT = 90.0
POLL_SECONDS = 0.1


class NotReady(AssertionError):
    """A process did not become ready in time."""


def await_true(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Polls `condition` until true; the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise NotReady(f"{what} not ready within {timeout} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 204
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class System:
    broker: Broker
    group: ProcessGroup
    publisher: Sidecar
    subscriber: Sidecar
    tokens: Tokens

    @property
    def broker_process(self) -> Supervised:
        return self.group[self.broker.command.name]

    @property
    def app(self) -> Supervised:
        return self.group[SUBSCRIBER]

    def broker_leaders(self) -> list[int]:
        names = [*(helper.name for helper in self.broker.helpers), self.broker.command.name]
        return [self.group[name].process.pid for name in names]

    def sidecar_pids(self) -> list[int]:
        names = (self.publisher.process_name, self.subscriber.process_name)
        return [self.group[name].process.pid for name in names]

    def kill_broker(self) -> None:
        """kill -9 of the broker's whole session (the broker and its helpers' children)."""
        os.killpg(self.broker_process.process.pid, signal.SIGKILL)


def subscriber_app(port: int, tokens: Tokens) -> Command:
    return Command(
        SUBSCRIBER,
        [sys.executable, "-m", "bench.brokers.subscriber", str(port)],
        env={"APP_API_TOKEN": tokens.app},
    )


@contextmanager
def running(broker_name: str, root: Path, binary: Path = DAPRD) -> Iterator[System]:
    """`broker_name` with both sidecars (daprd `binary`) and the app, ready to publish
    and deliver."""
    broker = BROKERS[broker_name](root)
    with ProcessGroup(root / "logs", REPO_ROOT) as group:
        for helper in broker.helpers:
            group.start(helper, SYSTEM_RESTART)
        group.start(broker.command, AT_ONCE, broker.start_condition)
        await_true(broker.ready, START_TIMEOUT, broker.name)
        broker.prepare()
        resources, config, tokens = write_resources(root, broker), write_config(root), Tokens()
        publisher = Sidecar(PUBLISHER)
        subscriber = Sidecar(SUBSCRIBER, app_port=free_port())
        assert subscriber.app_port is not None
        group.start(subscriber_app(subscriber.app_port, tokens), SYSTEM_RESTART)
        for sidecar in (publisher, subscriber):
            group.start(daprd(sidecar, resources, config, tokens, binary), SYSTEM_RESTART)
        for sidecar in (publisher, subscriber):
            health = partial(_answers, f"{sidecar.url}/v1.0/healthz/outbound")
            await_true(health, START_TIMEOUT, sidecar.process_name)
        yield System(broker, group, publisher, subscriber, tokens)


def at_rest_rss_mb(system: System) -> float:
    return processes.rss_bytes(system.broker_leaders()) / 2**20

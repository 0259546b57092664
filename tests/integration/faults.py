"""Fault injection against a running system, and what each fault cost.

One scenario: a fresh user writes steadily (a task created every `interval` s, each with
its own idempotency key) while a tab listens on sync-worker; a process gets SIGKILL (the
supervisor restarts it) or SIGSTOP for a while (then SIGCONT). Once the system is ready
again the writes stop, and the scenario counts: acknowledged writes missing from the
user's list (lost), acknowledged changes that never reached the tab, reconnects included
(not delivered), failed writes by status, the longest run of failed writes (outage) and
whether everything came back without an operator.

Used by tests/integration/test_faults.py (which asserts on it) and bench/faults.py (which
prints it).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
from websockets.exceptions import ConnectionClosed

from devtools.probes import NotReady, Probe, http_ok, wait_until
from tests.conftest import RunningSystem
from tests.integration.clients import TASK_ID, receive, send_hello
from tests.integration.webapp_http import WebappUser

RECOVERY_TIMEOUT = 90.0
DELIVERY_TIMEOUT = 30.0
# Writes go on this long once the system is ready again, so the recovered path is proven.
AFTER_RECOVERY_SECONDS = 2.0
SERVICES = ("webapp", "sync_worker", "bindings_worker")


@dataclass(frozen=True)
class Fault:
    """SIGKILL of `process` (the supervisor restarts it), or SIGSTOP for `stopped_seconds`."""

    process: str
    stopped_seconds: float = 0.0

    @property
    def name(self) -> str:
        if self.stopped_seconds:
            return f"SIGSTOP {self.process} {self.stopped_seconds:.0f} s"
        return f"kill -9 {self.process}"


@dataclass
class Outcome:
    fault: str
    acknowledged: int = 0
    lost: int = 0
    not_delivered: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    outage_seconds: float = 0.0
    recovered: bool = False

    @property
    def failed_text(self) -> str:
        return ", ".join(f"{status}: {n}" for status, n in sorted(self.failed.items())) or "-"


class Writer(threading.Thread):
    """Creates a task every `interval` s; records each answer with its time."""

    def __init__(self, user: WebappUser, interval: float = 0.2) -> None:
        super().__init__(name="fault-writer", daemon=True)
        self.user = user
        self.interval = interval
        self.stop = threading.Event()
        self.acknowledged: list[str] = []
        # (when, failed status or None) of every write, in order.
        self.answers: list[tuple[float, str | None]] = []

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            key = uuid.uuid4().hex
            try:
                response = self.user.post(
                    "/tasks/", {"title": f"w-{key[:8]}", "idempotency_key": key}, timeout=10
                )
            except httpx.HTTPError as error:
                self.answers.append((time.monotonic(), type(error).__name__))
                continue
            if response.status_code == 201:
                self.acknowledged.append(response.json()["task"]["id"])
                self.answers.append((time.monotonic(), None))
            else:
                self.answers.append((time.monotonic(), str(response.status_code)))

    def longest_outage(self) -> float:
        """The longest time from a failed write to the next acknowledged one."""
        longest, first_failure = 0.0, None
        for when, failure in self.answers:
            if failure is not None and first_failure is None:
                first_failure = when
            elif failure is None and first_failure is not None:
                longest = max(longest, when - first_failure)
                first_failure = None
        if first_failure is not None and self.answers:
            longest = max(longest, self.answers[-1][0] - first_failure)
        return longest


class Tab(threading.Thread):
    """A tab on sync-worker: says hello with the last seq it applied whenever it (re)opens,
    as live.js does, and records the task of every push and catch-up."""

    def __init__(self, user: WebappUser, system: RunningSystem) -> None:
        super().__init__(name="fault-tab", daemon=True)
        self.user = user
        self.sync_worker = system.service("sync_worker")
        self.stop = threading.Event()
        self.seen: set[str] = set()
        self.seq = 0
        self.refreshed = False
        self.reconnects = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.user.socket(self.sync_worker) as socket:
                    send_hello(socket, self.seq)
                    while not self.stop.is_set():
                        try:
                            message = receive(socket, timeout=0.5)
                        except TimeoutError:
                            continue
                        self.seq = max(self.seq, message.seq)
                        self.refreshed |= message.refresh
                        if message.task_id:
                            self.seen.add(message.task_id)
            except (ConnectionClosed, OSError, httpx.HTTPError, AssertionError):
                self.reconnects += 1
                self.stop.wait(0.5)


def inject(system: RunningSystem, fault: Fault) -> None:
    """Does `fault` and, for a kill, waits until the supervisor has restarted the process."""
    process = system.group[fault.process]
    pid = process.process.pid
    if fault.stopped_seconds:
        os.kill(pid, signal.SIGSTOP)
        time.sleep(fault.stopped_seconds)  # the fault itself is the wait
        os.kill(pid, signal.SIGCONT)
        return
    restarts = process.restarts
    os.kill(pid, signal.SIGKILL)
    process.wait_for_restart(restarts, RECOVERY_TIMEOUT)


def all_ready(system: RunningSystem) -> bool:
    return all(http_ok(f"{system.service(p).app_url}/readyz") for p in SERVICES)


def listed_task_ids(user: WebappUser) -> set[str]:
    return set(TASK_ID.findall(user.client.get("/", timeout=30).text))


def run(system: RunningSystem, fault: Fault, before_seconds: float = 2.0) -> Outcome:
    """One scenario on `system`, which is healthy before and after."""
    outcome = Outcome(fault.name)
    user = WebappUser(system.service("webapp").app_url)
    writer, tab = Writer(user), Tab(user, system)
    try:
        tab.start()
        writer.start()
        time.sleep(before_seconds)  # steady writes before the fault: the load, not a sync
        inject(system, fault)
        try:
            wait_until(Probe(f"recovery from {fault.name}", lambda: all_ready(system), 90))
            outcome.recovered = True
        except NotReady:
            outcome.recovered = False
        time.sleep(AFTER_RECOVERY_SECONDS)  # writes through the recovered path
        writer.stop.set()
        writer.join()
        acknowledged = set(writer.acknowledged)
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while not acknowledged <= tab.seen and time.monotonic() < deadline:
            time.sleep(0.2)
        listed = listed_task_ids(user)
        outcome.acknowledged = len(acknowledged)
        outcome.lost = len(acknowledged - listed)
        # A tab told to refresh reloads its list: what the list holds reached it.
        reached = tab.seen | (listed if tab.refreshed else set())
        outcome.not_delivered = len(acknowledged - reached)
        outcome.failed = Counter(failure for _, failure in writer.answers if failure)
        outcome.outage_seconds = writer.longest_outage()
    finally:
        writer.stop.set()
        tab.stop.set()
        tab.join(timeout=10)
        user.close()
    return outcome

"""Starting, restarting and stopping a set of processes, with their output captured line by line.

The one supervisor of the local system: the run command (devtools/run.py), the
integration-test fixtures and the benchmarks all start their processes here, so a crash
is handled locally as a cluster would handle it: the crashed process is restarted with
backoff (`RestartPolicy`) and the others keep running. Each process gets its own session
so that stopping it also stops anything it started; output goes to a log file and to
memory, where a test can await a line instead of sleeping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from devtools.commands import Command

STOP_GRACE_SECONDS = 10.0
# How often a start condition (`before_start`) is checked while it is false.
START_CONDITION_INTERVAL = 0.2
SUPERVISOR_PREFIX = "supervise: "


class LineNotSeen(AssertionError):
    """An awaited output line did not appear in time."""


class NotRestarted(AssertionError):
    """An awaited restart did not happen in time."""


@dataclass(frozen=True)
class RestartPolicy:
    """When to start a process again after it exited by itself.

    The n-th restart in a row waits `initial_delay` doubled n-1 times, at most `max_delay`,
    as Kubernetes' CrashLoopBackOff does (10 s doubling to 5 min there; a developer's
    machine wants it sooner). A run that stayed up `reset_after` seconds was not part of a
    crash loop: the next restart waits `initial_delay` again.
    """

    initial_delay: float = 1.0
    max_delay: float = 30.0
    reset_after: float = 60.0

    def delay(self, attempt: int) -> float:
        """The wait before restart number `attempt` (0 for the first) of a crash loop."""
        return min(self.max_delay, self.initial_delay * 2.0**attempt)


# The policy of every process of a system (run command, fixtures, benchmarks).
SYSTEM_RESTART = RestartPolicy()

Echo = Callable[[str, str], None]


class Supervised:
    """One supervised process (restarted by `restart`, if given) and its captured output.

    `before_start` is a start condition checked before every start, first one included:
    the process is started once it returns true (e.g. a sidecar only once Redis has
    loaded its data). `echo(name, line)` also receives every line, as it comes.
    """

    def __init__(
        self,
        command: Command,
        log_dir: Path,
        cwd: Path,
        restart: RestartPolicy | None = None,
        before_start: Callable[[], bool] | None = None,
        echo: Echo | None = None,
    ) -> None:
        self.command = command
        self.cwd = cwd
        self.restart_policy = restart
        self.before_start = before_start
        self.echo = echo
        self.log_path = log_dir / f"{command.name}.log"
        self.restarts = 0
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._finished = False  # no process now and none to come
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._log = self.log_path.open("w", encoding="utf-8")
        if before_start is None:
            self._spawn()
        self._monitor = threading.Thread(
            target=self._supervise, name=f"supervise-{command.name}", daemon=True
        )
        self._monitor.start()

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The current process (the latest one after a restart)."""
        process = self._process
        if process is None:
            raise RuntimeError(f"{self.command.name} has not started yet (start condition)")
        return process

    @property
    def started(self) -> bool:
        return self._process is not None

    def _spawn(self) -> None:
        process = subprocess.Popen(
            self.command.argv,
            env=self.command.full_env(),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        reader = threading.Thread(
            target=self._read, args=(process,), name=f"read-{self.command.name}", daemon=True
        )
        with self._changed:
            self._process, self._reader = process, reader
            self._changed.notify_all()
        reader.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self._record(raw.decode("utf-8", errors="replace").rstrip("\n"))
        process.stdout.close()

    def _record(self, line: str) -> None:
        with self._changed:
            if not self._log.closed:
                self._log.write(line + "\n")
                self._log.flush()
            self._lines.append(line)
            self._changed.notify_all()
        if self.echo is not None:
            self.echo(self.command.name, line)

    def _say(self, message: str) -> None:
        """A line of the supervisor's own in this process's output (log, memory, echo)."""
        self._record(SUPERVISOR_PREFIX + message)

    def _supervise(self) -> None:
        """Starts (behind the start condition), awaits and restarts the process until stopped."""
        attempt = 0
        try:
            if self._process is None and not self._start_when_ready(restart=False):
                return
            while True:
                process, started = self.process, time.monotonic()
                status = process.wait()
                if self._reader is not None:
                    self._reader.join(timeout=5)
                if self._stopping.is_set() or self.restart_policy is None:
                    return
                up = time.monotonic() - started
                if up >= self.restart_policy.reset_after:
                    attempt = 0
                delay = self.restart_policy.delay(attempt)
                attempt += 1
                self._say(
                    f"{self.command.name} exited with status {status} after {up:.1f} s; "
                    f"restart {self.restarts + 1} in {delay:.1f} s"
                )
                if self._stopping.wait(delay) or not self._start_when_ready(restart=True):
                    return
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def _start_when_ready(self, restart: bool) -> bool:
        """Starts the process once its start condition holds; false when stopped first."""
        if not self._await_start_condition():
            return False
        with self._changed:
            if self._stopping.is_set():
                return False
            self._spawn()
            if restart:
                self.restarts += 1
        return True

    def _await_start_condition(self) -> bool:
        """Waits for `before_start`; false when stopped meanwhile."""
        if self.before_start is None:
            return not self._stopping.is_set()
        waiting_since = time.monotonic()
        said = False
        while not self.before_start():
            if not said and time.monotonic() - waiting_since > 2:
                self._say(f"{self.command.name} waits for its start condition")
                said = True
            if self._stopping.wait(START_CONDITION_INTERVAL):
                return False
        return not self._stopping.is_set()

    @property
    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def mark(self) -> int:
        """The number of lines so far: `wait_for_line(…, after=mark)` sees only later ones."""
        with self._changed:
            return len(self._lines)

    def wait_for_line(self, matches: Callable[[str], bool], timeout: float, after: int = 0) -> str:
        """The first output line (already seen or yet to come, from line `after` on) for
        which `matches` is true."""
        deadline = time.monotonic() + timeout
        checked = after
        with self._changed:
            while True:
                for line in self._lines[checked:]:
                    if matches(line):
                        return line
                checked = max(checked, len(self._lines))
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._finished_for_good():
                    status = self._process.poll() if self._process else None
                    raise LineNotSeen(
                        f"{self.command.name}: no matching line within {timeout} s "
                        f"(exit status {status}); log: {self.log_path}"
                    )
                self._changed.wait(remaining)

    def _finished_for_good(self) -> bool:
        return self._finished and not self._reader_alive()

    def _reader_alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def wait_for_restart(self, restarts: int, timeout: float) -> subprocess.Popen[bytes]:
        """Waits until the process has been restarted more than `restarts` times in all;
        returns the new process."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.restarts <= restarts:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._finished:
                    raise NotRestarted(
                        f"{self.command.name}: restarted {self.restarts} times, not more than "
                        f"{restarts}, within {timeout} s; log: {self.log_path}"
                    )
                self._changed.wait(remaining)
            return self.process

    def stop_restarting(self) -> None:
        """From now on the process is never started again."""
        with self._changed:
            self._stopping.set()

    def signal_stop(self) -> None:
        """Stops restarting and sends SIGTERM to the current process's session."""
        with self._changed:
            self._stopping.set()
            process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)

    def wait_stopped(self, deadline: float) -> int:
        """After `signal_stop`: waits until `deadline` (monotonic), then SIGKILL; the exit
        status (0 if it never started)."""
        self._monitor.join(max(0.0, deadline - time.monotonic()))
        process = self._process
        if process is not None:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
            # Whatever else the process started in its session goes with it.
            _signal_group(process.pid, signal.SIGKILL)
        self._monitor.join(timeout=5)
        if self._reader is not None:
            self._reader.join(timeout=5)
        with self._changed:
            self._log.close()
        return process.returncode if process is not None else 0

    def stop(self) -> int:
        """SIGTERM to the process's session, SIGKILL after a grace period; the exit status."""
        self.signal_stop()
        return self.wait_stopped(time.monotonic() + STOP_GRACE_SECONDS)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class ProcessGroup:
    """Processes started together and stopped together."""

    def __init__(self, log_dir: Path, cwd: Path, echo: Echo | None = None) -> None:
        self.log_dir = log_dir
        self.cwd = cwd
        self.echo = echo
        log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Supervised] = {}

    def start(
        self,
        command: Command,
        restart: RestartPolicy | None = None,
        before_start: Callable[[], bool] | None = None,
    ) -> Supervised:
        """Starts `command` (once `before_start` is true), restarted by `restart` if given."""
        if command.name in self.processes:
            raise ValueError(f"{command.name} is already running")
        supervised = Supervised(command, self.log_dir, self.cwd, restart, before_start, self.echo)
        self.processes[command.name] = supervised
        return supervised

    def stop(self, name: str) -> int:
        return self.processes.pop(name).stop()

    def stop_all(self) -> None:
        """Stops every process at once (SIGTERM to all, then SIGKILL to what is left after
        the grace period), so a stop takes one grace period, not one per process."""
        stopping = [self.processes.pop(name) for name in reversed(list(self.processes))]
        # First no restarts anywhere: a sidecar that exits because Redis went first stays down.
        for process in stopping:
            process.stop_restarting()
        for process in stopping:
            process.signal_stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in stopping:
            process.wait_stopped(deadline)

    def __getitem__(self, name: str) -> Supervised:
        return self.processes[name]

    def __enter__(self) -> ProcessGroup:
        # A SIGTERM (CI's timeout, `kill`) would end this process without unwinding, leaving
        # the group's processes (each in its own session) running: turn it into SystemExit.
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.getsignal(signal.SIGTERM)
            if self._previous_sigterm in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _exit_on_sigterm)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()
        previous = getattr(self, "_previous_sigterm", None)
        if (
            previous in (signal.SIG_DFL, None)
            and threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

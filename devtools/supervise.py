"""Starting and stopping a set of processes, with their output captured line by line.

Used by the integration-test fixtures and the benchmarks. Each process gets its own
session so that stopping it also stops anything it started; output goes to a log file
and to memory, where a test can await a line instead of sleeping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from devtools.commands import Command

STOP_GRACE_SECONDS = 10.0


class LineNotSeen(AssertionError):
    """An awaited output line did not appear in time."""


class Supervised:
    """One running process and its captured output."""

    def __init__(self, command: Command, log_dir: Path, cwd: Path) -> None:
        self.command = command
        self.log_path = log_dir / f"{command.name}.log"
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            command.argv,
            env=command.full_env(),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name=f"read-{command.name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            for raw in self.process.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def wait_for_line(self, matches: Callable[[str], bool], timeout: float) -> str:
        """The first output line (already seen or yet to come) for which `matches` is true."""
        deadline = time.monotonic() + timeout
        checked = 0
        with self._changed:
            while True:
                for line in self._lines[checked:]:
                    if matches(line):
                        return line
                checked = len(self._lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (
                    self.process.poll() is not None and not self._reader.is_alive()
                ):
                    raise LineNotSeen(
                        f"{self.command.name}: no matching line within {timeout} s "
                        f"(exit status {self.process.poll()}); log: {self.log_path}"
                    )
                self._changed.wait(remaining)

    def stop(self) -> int:
        """SIGTERM to the process's session, SIGKILL after a grace period; the exit status."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


class ProcessGroup:
    """Processes started together and stopped together, last started first."""

    def __init__(self, log_dir: Path, cwd: Path) -> None:
        self.log_dir = log_dir
        self.cwd = cwd
        log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Supervised] = {}

    def start(self, command: Command) -> Supervised:
        if command.name in self.processes:
            raise ValueError(f"{command.name} is already running")
        supervised = Supervised(command, self.log_dir, self.cwd)
        self.processes[command.name] = supervised
        return supervised

    def stop(self, name: str) -> int:
        return self.processes.pop(name).stop()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

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

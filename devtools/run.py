"""The README's run command: the whole local system, supervised, until Ctrl-C.

    python -m devtools.run

The same supervisor and the same processes as the integration tests (devtools/system.py):
a process that crashes is restarted with backoff while the others keep running; SIGINT or
SIGTERM stops every process. Each output line is echoed prefixed with its process's name;
logs also go to <state dir>/logs/<name>.log. A part that never becomes healthy at start is
one line naming it and exit status 1.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time

from devtools.launch import LOCAL_SETTINGS, local_secret_key
from devtools.probes import NotReady
from devtools.ready import announce, not_ready_line
from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import REPO_ROOT, local_topology

NAME_WIDTH = 22
_echo_lock = threading.Lock()


def echo(name: str, line: str) -> None:
    # A terminal that went away must not stop the reader (the process would block on a
    # full pipe): the line is in the process's log file anyway.
    with _echo_lock, contextlib.suppress(OSError, ValueError):
        stamp = time.strftime("%H:%M:%S")
        sys.stdout.write(f"{stamp} {name:<{NAME_WIDTH}} | {line}\n")
        sys.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    started = time.monotonic()
    # Also when started with SIGINT ignored (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, _interrupt)
    topology = local_topology()
    app_env = {"DJANGO_SECRET_KEY": local_secret_key()}
    with ProcessGroup(topology.state_dir / "logs", REPO_ROOT, echo=echo) as group:
        try:
            start_system(group, topology, LOCAL_SETTINGS, app_env)
            announce(topology, time.monotonic() - started)
            while True:
                signal.pause()  # until SIGINT (KeyboardInterrupt) or SIGTERM (SystemExit)
        except NotReady as error:
            print(not_ready_line(error), file=sys.stderr, flush=True)
            return 1
        except subprocess.CalledProcessError as error:
            command = " ".join(error.cmd)
            print(f"error: {command} failed (status {error.returncode})", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, SystemExit):
            print("stopping every process…", file=sys.stderr, flush=True)
        finally:
            # A second Ctrl-C must not interrupt the stop and leave processes behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return 0


if __name__ == "__main__":
    sys.exit(main())

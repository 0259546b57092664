"""Starts one process of the local system in place (`exec`), by hand, on the run command's
ports (scripts/run.sh starts them all, supervised, through devtools/run.py).

    python -m devtools.launch redis|sentry|placement|scheduler|mailsink|zipkin|prometheus
    python -m devtools.launch migrate|ready
    python -m devtools.launch app|sidecar <webapp|sync_worker|bindings_worker>

`ready` waits until every part answers and says where the system is (exit 1 naming the part
that does not).
"""

from __future__ import annotations

import os
import secrets
import sys

from devtools import commands, observability, ready
from devtools.owner_only import keep_owner_only
from devtools.topology import RUNTIME_DIR, local_topology

LOCAL_SETTINGS = "config.settings.local"
SECRET_KEY_FILE = RUNTIME_DIR / "django-secret-key"


def local_secret_key() -> str:
    """A per-checkout Django secret for local runs, made once (never committed)."""
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
        SECRET_KEY_FILE.chmod(0o600)
    return SECRET_KEY_FILE.read_text().strip()


def command_for(args: list[str]) -> commands.Command:
    topology = local_topology()
    match args:
        case ["redis"]:
            return commands.redis(topology)
        case ["sentry"]:
            return commands.sentry_command(topology)
        case ["placement"]:
            return commands.placement(topology)
        case ["scheduler"]:
            commands.clear_scheduler_identity(topology)
            return commands.scheduler(topology)
        case ["zipkin"]:
            return observability.zipkin(topology)
        case ["prometheus"]:
            return observability.prometheus(topology)
        case ["sidecar", package]:
            rate = observability.sampling_rate()
            return commands.sidecar(topology, topology.service(package), sampling_rate=rate)
        case ["mailsink"]:
            return commands.mail_sink(topology)
        case ["migrate"]:
            command = commands.migrate(topology, LOCAL_SETTINGS)
            command.env.setdefault("DJANGO_SECRET_KEY", local_secret_key())
            return command
        case ["app", package]:
            command = commands.app(topology, topology.service(package), LOCAL_SETTINGS)
            command.env.setdefault("DJANGO_SECRET_KEY", local_secret_key())
            command.env.update(observability.tracing_env(topology, observability.sampling_rate()))
            return command
    raise SystemExit(f"usage: python -m devtools.launch {__doc__}")


def main(args: list[str]) -> None:
    if args == ["ready"]:
        sys.exit(ready.main(local_topology()))
    command = command_for(args)
    keep_owner_only(local_topology().state_dir)
    os.execvpe(command.argv[0], command.argv, command.full_env())  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1:])

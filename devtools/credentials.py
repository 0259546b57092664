"""Per-system secrets (API tokens, the Redis and RabbitMQ passwords): random, made once, owner-only.

Each lives in `<state_dir>/credentials/<name>` (directory 0700, file 0600), so a restarted
process of the same system gets the same value and no other user of the machine can read
it. Nothing here is ever committed: state dirs are under .runtime/ or a test's tmp dir.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from devtools.topology import Topology

REDIS_PASSWORD = "redis-password"  # noqa: S105 (the secret's name, not its value)
RABBITMQ_PASSWORD = "rabbitmq-password"  # noqa: S105 (the secret's name, not its value)
# The one RabbitMQ user, whose password only this system's processes know.
RABBITMQ_USER = "dapr-todo"


def credentials_dir(topology: Topology) -> Path:
    path = topology.state_dir / "credentials"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def create_once(path: Path, text: str) -> None:
    """Creates `path` (0600) holding `text` unless it exists. Several processes may start at
    once: each writes a private temporary file, and the first complete one linked wins."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def kept_secret(topology: Topology, name: str) -> str:
    """This system's secret `name`, generated on first use (url-safe, 256 bits)."""
    path = credentials_dir(topology) / name
    if not path.exists():
        create_once(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def redis_password(topology: Topology) -> str:
    """The password this system's Redis requires of every client (AUTH)."""
    return kept_secret(topology, REDIS_PASSWORD)


def write_owner_only(path: Path, text: str) -> Path:
    """Writes `text` to `path` as a file only its owner can read, replacing it atomically."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    os.replace(temporary, path)  # several processes may write it at once
    return path


def redis_auth_config(topology: Topology) -> Path:
    """An owner-only Redis config file holding `requirepass`, for `redis-server --include`:
    the password then never appears on a command line, where any user's `ps` shows it."""
    path = credentials_dir(topology) / "redis-auth.conf"
    return write_owner_only(path, f"requirepass {redis_password(topology)}\n")


def rabbitmq_password(topology: Topology) -> str:
    """The password of this system's RabbitMQ user (RABBITMQ_USER)."""
    return kept_secret(topology, RABBITMQ_PASSWORD)


def rabbitmq_config(topology: Topology) -> Path:
    """An owner-only rabbitmq.conf: loopback only, this system's user and password (no
    `guest`), JSON logs on standard output (the supervisor keeps them)."""
    text = "\n".join(
        (
            f"listeners.tcp.1 = 127.0.0.1:{topology.rabbitmq_port}",
            f"default_user = {RABBITMQ_USER}",
            f"default_pass = {rabbitmq_password(topology)}",
            # The one user may connect from loopback only, like RabbitMQ's own `guest`.
            f"loopback_users.{RABBITMQ_USER} = true",
            "log.console = true",
            "log.console.level = warning",
            "log.console.formatter = json",
            "log.file = false",
            "",
        )
    )
    return write_owner_only(credentials_dir(topology) / "rabbitmq.conf", text)

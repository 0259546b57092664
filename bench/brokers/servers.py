"""The three brokers, each on 127.0.0.1 with its own data directory, persistence on and a
secret, and the `pubsub` component through which daprd reaches it.

Persistence: Redis appends every write to its AOF (fsync every second, as
devtools/commands.py redis()); RabbitMQ keeps durable queues of persistent messages and
confirms a publish once stored; JetStream keeps its stream in files. A process kill loses
none of them: each has written what it acknowledged to the kernel before acknowledging.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from devtools.commands import LOOPBACK, Command
from devtools.topology import free_port

TOPIC = "changes"
STREAM = "bench"
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
# A client's protocol header; a RabbitMQ that can serve answers with a method frame (type 1).
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
PROBE_TIMEOUT = 1.0


@dataclass(frozen=True)
class Broker:
    """A broker's processes and how daprd reaches it.

    `helpers` start first; `command` is the broker proper, the process the recovery
    measurement kills, started once `start_condition` holds.
    """

    name: str
    helpers: tuple[Command, ...]
    command: Command
    start_condition: Callable[[], bool] | None
    # The `pubsub` component's type, and its metadata (values, and names of secrets).
    component_type: str
    metadata: dict[str, str]
    secret_metadata: dict[str, str]
    secrets: dict[str, str]
    ready: Callable[[], bool]
    # Run once the broker is first ready, before any sidecar starts.
    prepare: Callable[[], None] = field(default=lambda: None)


def _owner_only(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(text)
    return path


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False


def redis_broker(root: Path) -> Broker:
    """Redis Streams: today's pubsub.redis, set as components/pubsub.yaml sets it."""
    port, password = free_port(), secrets.token_urlsafe(24)
    data = root / "redis"
    auth = _owner_only(data / "auth.conf", f"requirepass {password}\n")
    command = Command(
        "redis",
        [
            "redis-server",
            "--port", str(port), "--bind", LOOPBACK, "--include", str(auth),
            "--dir", str(data), "--appendonly", "yes", "--appendfsync", "everysec",
            "--aof-load-truncated", "yes", "--save", "", "--daemonize", "no",
            "--loglevel", "warning",
        ],
    )  # fmt: skip

    def ready() -> bool:
        client = redis.Redis(LOOPBACK, port, password=password, socket_timeout=PROBE_TIMEOUT)
        try:
            return bool(client.ping())
        except redis.RedisError:  # not listening yet, or LOADING its AOF
            return False
        finally:
            client.close()

    return Broker(
        "redis",
        (),
        command,
        None,
        "pubsub.redis",
        {
            "redisHost": f"{LOOPBACK}:{port}",
            "processingTimeout": "30000",
            "redeliverInterval": "10000",
            "concurrency": "250",
            "maxLenApprox": "100000",
        },
        {"redisPassword": "redis-password"},
        {"redis-password": password},
        ready,
    )


def epmd_command(port: int) -> Command:
    """Erlang's port mapper for the RabbitMQ node, in the foreground and on loopback."""
    return Command("epmd", ["epmd", "-address", LOOPBACK, "-port", str(port)])


def rabbitmq_broker(root: Path) -> Broker:
    """RabbitMQ with the settings common.md gives the product's component."""
    port, epmd_port, dist_port = free_port(), free_port(), free_port()
    password = secrets.token_urlsafe(24)
    base = root / "rabbitmq"
    config = _owner_only(
        base / "rabbitmq.conf",
        f"listeners.tcp.1 = {LOOPBACK}:{port}\n"
        "default_user = dapr-todo\n"
        f"default_pass = {password}\n"
        "loopback_users = none\n"
        "log.console = true\nlog.console.level = warning\nlog.file = false\n",
    )
    plugins = base / "enabled_plugins"
    plugins.write_text("[].\n")
    command = Command(
        "rabbitmq",
        [str(RABBITMQ_BIN / "rabbitmq-server")],
        env={
            # The script then execs erl: one process (beam.smp) to supervise and to kill.
            "RUNNING_UNDER_SYSTEMD": "1",
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_NODENAME": f"rabbit-{port}@localhost",
            "HOME": str(base),  # the Erlang cookie goes there
            "ERL_EPMD_ADDRESS": LOOPBACK,
            "ERL_EPMD_PORT": str(epmd_port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                "-kernel inet_dist_use_interface {127,0,0,1} "
                "+sbwt none +sbwtdcpu none +sbwtdio none"
            ),
        },
    )

    def ready() -> bool:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=PROBE_TIMEOUT) as sock:
                sock.sendall(AMQP_HEADER)
                return sock.recv(1) == b"\x01"
        except OSError:
            return False

    return Broker(
        "rabbitmq",
        (epmd_command(epmd_port),),
        command,
        lambda: _port_open(epmd_port),
        "pubsub.rabbitmq",
        {
            "hostname": f"{LOOPBACK}:{port}",
            "username": "dapr-todo",
            "durable": "true",
            "deliveryMode": "2",
            "publisherConfirm": "true",
            "prefetchCount": "200",
            "concurrency": "parallel",
            "maxLen": "100000",
        },
        {"password": "rabbitmq-password"},
        {"rabbitmq-password": password},
        ready,
    )


def jetstream_broker(root: Path) -> Broker:
    """NATS JetStream with file storage and a token; its stream is created before use
    (pubsub.jetstream creates none: it looks the stream up by subject)."""
    port, token = free_port(), secrets.token_urlsafe(24)
    base = root / "nats"
    (base / "jetstream").mkdir(parents=True, exist_ok=True)
    config = _owner_only(
        base / "nats.conf",
        f'listen: "{LOOPBACK}:{port}"\n'
        f'authorization {{ token: "{token}" }}\n'
        f'jetstream {{ store_dir: "{base / "jetstream"}" }}\n',
    )
    command = Command("nats", ["nats-server", "--config", str(config)])
    url = f"nats://{LOOPBACK}:{port}"
    return Broker(
        "jetstream",
        (),
        command,
        None,
        "pubsub.jetstream",
        {
            "natsURL": url,
            "streamName": STREAM,
            # One durable consumer per component (see docs/design.md#the-dedicated-broker).
            "durableName": "bench-subscriber",
            "concurrency": "parallel",
        },
        {"token": "nats-token"},
        {"nats-token": token},
        lambda: _port_open(port),
        lambda: asyncio.run(create_stream(url, token)),
    )


async def create_stream(url: str, token: str, timeout: float = 30.0) -> None:
    """The file-backed stream that holds the topic, created once JetStream answers."""
    import nats  # only this broker needs nats-py (pyproject's test extra)
    from nats.js.api import StorageType, StreamConfig

    config = StreamConfig(name=STREAM, subjects=[TOPIC], storage=StorageType.FILE, max_msgs=100_000)
    deadline = time.monotonic() + timeout
    while True:
        client: Any = None
        try:
            client = await nats.connect(url, token=token, allow_reconnect=False)
            await client.jetstream().add_stream(config)
            return
        except (OSError, nats.errors.Error) as error:
            if time.monotonic() > deadline:
                raise TimeoutError(f"JetStream at {url} did not take the stream") from error
            await asyncio.sleep(0.2)  # a retry interval, not a synchronisation
        finally:
            if client is not None:
                await client.close()


BROKERS: dict[str, Callable[[Path], Broker]] = {
    "redis": redis_broker,
    "rabbitmq": rabbitmq_broker,
    "jetstream": jetstream_broker,
}

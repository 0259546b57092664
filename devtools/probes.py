"""Health probes of the parts of a system: Redis, RabbitMQ, Sentry, placement, scheduler,
sidecars, apps."""

from __future__ import annotations

import functools
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from devtools.credentials import redis_password
from devtools.topology import Topology

REDIS_LOADING_TIMEOUT = 600.0


class NotReady(RuntimeError):
    """A part did not become healthy in time; the message names it and says why."""


def redis_answers(port: int, timeout: float = 1.0, password: str = "") -> bool:
    """Whether a Redis server answers PING on 127.0.0.1:`port` (even "still loading")."""
    return redis_state(port, timeout, password) in ("loading", "ready")


def redis_ready(port: int, timeout: float = 1.0, password: str = "") -> bool:
    """Whether Redis on 127.0.0.1:`port` answers PING and has loaded its data."""
    return redis_state(port, timeout, password) == "ready"


def _command(*words: bytes) -> bytes:
    """One command in Redis's protocol (RESP), any bytes allowed in its words."""
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


def redis_state(port: int, timeout: float = 1.0, password: str = "") -> str:
    """ "down" (no answer), "denied" (authentication refused or missing), "loading" (its AOF
    or RDB, so every data command fails with LOADING) or "ready" (PONG, and
    `INFO persistence` says loading:0). With `password`, it authenticates first."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            reply = sock.makefile("rb")
            if password:
                # AUTH is answered while Redis loads its data, so a loading server is told apart.
                sock.sendall(_command(b"AUTH", password.encode()))
                if not reply.readline().startswith(b"+OK"):
                    return "denied"
            sock.sendall(b"PING\r\n")
            pong = reply.readline()
            if pong.startswith((b"-NOAUTH", b"-WRONGPASS")):
                return "denied"
            if pong.startswith(b"-LOADING"):
                return "loading"
            if not pong.startswith(b"+PONG"):
                return "down"
            sock.sendall(b"INFO persistence\r\n")
            header = reply.readline()  # $<length> of the bulk string
            if not header.startswith(b"$"):
                return "down"
            info = reply.read(int(header[1:]) + 2)
    except (OSError, ValueError):
        return "down"
    # A line of its own: Redis 7 also reports async_loading.
    return "ready" if b"loading:0" in info.split(b"\r\n") else "loading"


# AMQP 0-9-1's protocol header: a broker that can take clients answers it with a frame.
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
AMQP_METHOD_FRAME = b"\x01"


def amqp_ready(port: int, timeout: float = 1.0) -> bool:
    """Whether RabbitMQ on 127.0.0.1:`port` has booted far enough to start an AMQP session
    (it answers the protocol header with Connection.Start); a listener still booting, or
    one refusing, does not."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(AMQP_HEADER)
            return sock.recv(1) == AMQP_METHOD_FRAME
    except OSError:
        return False


def broker_ready(topology: Topology) -> bool:
    """Whether everything a sidecar's components connect to at start is ready: Redis (state,
    the outbox) with its data loaded and, when it carries `pubsub`, RabbitMQ. A sidecar
    whose pub/sub component cannot connect at start exits."""
    if not redis_ready(topology.redis_port, password=redis_password(topology)):
        return False
    return topology.broker != "rabbitmq" or amqp_ready(topology.rabbitmq_port)


def accepts_connections(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).is_success
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class Probe:
    what: str
    check: Callable[[], bool]
    timeout: float


def sentry_probe(topology: Topology) -> Probe:
    return Probe(
        "sentry",
        lambda: http_ok(f"http://127.0.0.1:{topology.sentry_healthz_port}/healthz"),
        30,
    )


def system_probes(topology: Topology) -> list[Probe]:
    """Every readiness check of a system, in start-up order."""
    password = redis_password(topology)
    probes = [
        Probe(
            f"Redis at {topology.redis_host}",
            lambda: redis_answers(topology.redis_port, password=password),
            10,
        ),
        # Loading the append-only file after a crash takes as long as the file is big: allow
        # minutes (the sidecars wait for it, devtools/system.py) once Redis answers at all.
        Probe(
            f"Redis at {topology.redis_host} (loading its data)",
            lambda: redis_ready(topology.redis_port, password=password),
            REDIS_LOADING_TIMEOUT,
        ),
        *broker_probes(topology),
        sentry_probe(topology),
        Probe(
            "placement",
            lambda: http_ok(f"http://127.0.0.1:{topology.placement_healthz_port}/healthz"),
            30,
        ),
        Probe(
            "scheduler",
            lambda: http_ok(f"http://127.0.0.1:{topology.scheduler_healthz_port}/healthz"),
            60,
        ),
    ]
    probes.append(
        Probe("mail sink", lambda: accepts_connections(topology.mail_sink_port), 10),
    )
    for service in topology.services:
        probes.append(
            Probe(
                f"{service.app_id} sidecar",
                functools.partial(http_ok, f"{service.sidecar_url}/v1.0/healthz"),
                60,
            )
        )
        probes.append(
            Probe(
                f"{service.app_id} app", functools.partial(http_ok, f"{service.app_url}/readyz"), 60
            )
        )
    zipkin, prometheus = (
        f"http://127.0.0.1:{p}" for p in (topology.zipkin_port, topology.prometheus_port)
    )
    probes.append(Probe("Zipkin", lambda: http_ok(f"{zipkin}/health"), 120))
    probes.append(Probe("Prometheus", lambda: http_ok(f"{prometheus}/-/ready"), 30))
    return probes


def broker_probes(topology: Topology) -> list[Probe]:
    """RabbitMQ's readiness when it is this system's broker (none for Redis, probed above).
    Its first boot creates its database; a restart recovers its durable queues."""
    if topology.broker != "rabbitmq":
        return []
    return [
        Probe(
            f"RabbitMQ at {topology.rabbitmq_host}",
            functools.partial(amqp_ready, topology.rabbitmq_port),
            60,
        )
    ]


def wait_until(probe: Probe, interval: float = 0.1) -> None:
    """Polls `probe` until it passes; raises NotReady naming it after its timeout."""
    deadline = time.monotonic() + probe.timeout
    while not probe.check():
        if time.monotonic() > deadline:
            raise NotReady(f"{probe.what} is not healthy after {probe.timeout:.0f} s")
        time.sleep(interval)

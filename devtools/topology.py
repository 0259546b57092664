"""The ports and directories of one running Dapr Todo system.

The local run uses fixed ports (base DAPR_TODO_PORT_BASE, default 8400) chosen away from
services a machine may already run (5432, 3306, 6379, 5672, 4369, 1883, 4222); tests take free
ports so that several systems never collide.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from common import dapr_names
from devtools import brokers

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_DIR = REPO_ROOT / ".runtime"
DAPR_BIN_DIR = RUNTIME_DIR / "bin"
COMPONENTS_DIR = REPO_ROOT / "components"
DEFAULT_PORT_BASE = 8400

SERVICE_PACKAGES = {
    "webapp": dapr_names.WEBAPP_APP_ID,
    "sync_worker": dapr_names.SYNC_WORKER_APP_ID,
    "bindings_worker": dapr_names.BINDINGS_WORKER_APP_ID,
}


@dataclass(frozen=True)
class Service:
    """One app and the ports of its sidecar."""

    package: str
    app_id: str
    app_port: int
    dapr_http_port: int
    dapr_grpc_port: int
    dapr_internal_grpc_port: int
    dapr_metrics_port: int

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def sidecar_url(self) -> str:
        return f"http://127.0.0.1:{self.dapr_http_port}"


@dataclass(frozen=True)
class Topology:
    redis_port: int
    placement_port: int
    placement_healthz_port: int
    placement_metrics_port: int
    placement_raft_port: int
    scheduler_port: int
    scheduler_healthz_port: int
    scheduler_metrics_port: int
    scheduler_etcd_client_port: int
    scheduler_etcd_peer_port: int
    services: tuple[Service, ...]
    state_dir: Path
    # Appended after the services so that the earlier ports keep their places.
    mail_sink_port: int
    # Observability: the trace backend and Prometheus.
    zipkin_port: int
    prometheus_port: int
    # Sentry, the certificate authority behind mTLS; appended so earlier fields keep places.
    sentry_port: int
    sentry_healthz_port: int
    # The dedicated pub/sub broker (devtools/brokers.py) and its Erlang distribution ports;
    # appended so earlier fields keep their places.
    rabbitmq_port: int
    rabbitmq_dist_port: int
    epmd_port: int
    # Which broker carries the `pubsub` component: "rabbitmq" or "redis".
    broker: str

    @property
    def redis_host(self) -> str:
        return f"127.0.0.1:{self.redis_port}"

    def service(self, package: str) -> Service:
        for service in self.services:
            if service.package == package:
                return service
        raise KeyError(f"no service {package!r}; known: {', '.join(SERVICE_PACKAGES)}")

    def all_ports(self) -> dict[str, int]:
        """Every port this system listens on, named for error messages."""
        ports = {
            "redis": self.redis_port,
            "placement": self.placement_port,
            "placement healthz": self.placement_healthz_port,
            "placement metrics": self.placement_metrics_port,
            "placement raft": self.placement_raft_port,
            "scheduler": self.scheduler_port,
            "scheduler healthz": self.scheduler_healthz_port,
            "scheduler metrics": self.scheduler_metrics_port,
            "scheduler etcd client": self.scheduler_etcd_client_port,
            "scheduler etcd peer": self.scheduler_etcd_peer_port,
        }
        for s in self.services:
            ports[f"{s.app_id} app"] = s.app_port
            ports[f"{s.app_id} sidecar HTTP"] = s.dapr_http_port
            ports[f"{s.app_id} sidecar gRPC"] = s.dapr_grpc_port
            ports[f"{s.app_id} sidecar internal gRPC"] = s.dapr_internal_grpc_port
            ports[f"{s.app_id} sidecar metrics"] = s.dapr_metrics_port
        ports["mail sink"] = self.mail_sink_port
        ports["zipkin"] = self.zipkin_port
        ports["prometheus"] = self.prometheus_port
        ports["sentry"] = self.sentry_port
        ports["sentry healthz"] = self.sentry_healthz_port
        if self.broker == "rabbitmq":
            ports["rabbitmq"] = self.rabbitmq_port
            ports["rabbitmq distribution"] = self.rabbitmq_dist_port
            ports["epmd"] = self.epmd_port
        return ports

    @property
    def rabbitmq_host(self) -> str:
        return f"127.0.0.1:{self.rabbitmq_port}"

    @property
    def mail_dir(self) -> Path:
        """Where the mail sink keeps what it received."""
        return self.state_dir / "mail"


def _build(ports: Iterator[int], state_dir: Path, broker: str) -> Topology:
    # The first ten fields, Redis and the control plane, by name: a list spread over them
    # would not tell a type checker which parameters it fills.
    control = {field.name: next(ports) for field in fields(Topology)[:10]}
    services = tuple(
        Service(package, app_id, *(next(ports) for _ in range(5)))
        for package, app_id in SERVICE_PACKAGES.items()
    )
    mail_sink_port, zipkin_port, prometheus_port = next(ports), next(ports), next(ports)
    sentry_port, sentry_healthz_port = next(ports), next(ports)
    rabbitmq_port, rabbitmq_dist_port, epmd_port = next(ports), next(ports), next(ports)
    return Topology(
        **control,
        services=services,
        state_dir=state_dir,
        mail_sink_port=mail_sink_port,
        zipkin_port=zipkin_port,
        prometheus_port=prometheus_port,
        sentry_port=sentry_port,
        sentry_healthz_port=sentry_healthz_port,
        rabbitmq_port=rabbitmq_port,
        rabbitmq_dist_port=rabbitmq_dist_port,
        epmd_port=epmd_port,
        broker=brokers.checked(broker),
    )


def local_topology() -> Topology:
    """The fixed ports of the system that the README's run command starts."""
    base = int(os.environ.get("DAPR_TODO_PORT_BASE", DEFAULT_PORT_BASE))
    # 8400-8409 control plane and Redis; five ports per service from 8410; then the mail
    # sink (8425), Zipkin (8426), Prometheus (8427), Sentry (8428-8429) and RabbitMQ (8430,
    # its Erlang distribution 8431 and epmd 8432).
    state_dir = RUNTIME_DIR / ("local" if base == DEFAULT_PORT_BASE else f"local-{base}")
    return _build(iter(range(base, base + 100)), state_dir, brokers.from_environment())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_topology(state_dir: Path, broker: str = brokers.DEFAULT) -> Topology:
    """A topology on ports the kernel reports free, for tests and benchmarks."""

    def unique_free_ports() -> Iterator[int]:
        seen: set[int] = set()
        while True:
            port = free_port()
            if port not in seen:
                seen.add(port)
                yield port

    return _build(unique_free_ports(), state_dir, broker)

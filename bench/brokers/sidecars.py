"""The two sidecars of a measurement: their resources, Configuration and command lines.

No mTLS, placement or scheduler (security and actors are not what is compared), but the
API tokens both ways as the product sets them, and SQLite name resolution in the temp
dir (daprd's self-hosted default, mDNS, would announce itself beyond this host).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.brokers.servers import TOPIC, Broker
from devtools.commands import LOOPBACK, Command
from devtools.topology import COMPONENTS_DIR, DAPR_BIN_DIR, free_port

PUBSUB = "pubsub"
PUBLISHER = "bench-publisher"
SUBSCRIBER = "bench-subscriber"
ROUTE = "/changes"
DAPRD = DAPR_BIN_DIR / "daprd"


@dataclass(frozen=True)
class Sidecar:
    app_id: str
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    internal_grpc_port: int = field(default_factory=free_port)
    # Only the subscriber has an app.
    app_port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def process_name(self) -> str:
        return f"{self.app_id}-dapr"


@dataclass(frozen=True)
class Tokens:
    """DAPR_API_TOKEN (app to sidecar) and APP_API_TOKEN (sidecar to app)."""

    dapr: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    app: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def _component(name: str, type_: str, metadata: list[dict[str, object]], **extra: object) -> str:
    spec: dict[str, object] = {"type": type_, "version": "v1", "metadata": metadata}
    document = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name},
        "spec": spec,
        **extra,
    }
    return yaml.safe_dump(document, sort_keys=False)


def write_resources(root: Path, broker: Broker) -> Path:
    """The resources directory: the secret store, the broker's `pubsub`, one subscription."""
    resources = root / "resources"
    resources.mkdir(parents=True, exist_ok=True)
    secrets_file = root / "secrets.json"
    secrets_file.touch(mode=0o600)
    secrets_file.write_text(json.dumps(broker.secrets))
    (resources / "secretstore.yaml").write_text(
        _component(
            "secretstore",
            "secretstores.local.file",
            [{"name": "secretsFile", "value": str(secrets_file)}],
        )
    )
    metadata: list[dict[str, object]] = [
        {"name": key, "value": value} for key, value in broker.metadata.items()
    ]
    metadata += [
        {"name": key, "secretKeyRef": {"name": secret, "key": secret}}
        for key, secret in broker.secret_metadata.items()
    ]
    (resources / "pubsub.yaml").write_text(
        _component(PUBSUB, broker.component_type, metadata, auth={"secretStore": "secretstore"})
    )
    subscription = {
        "apiVersion": "dapr.io/v2alpha1",
        "kind": "Subscription",
        "metadata": {"name": "bench-changes"},
        "spec": {"pubsubname": PUBSUB, "topic": TOPIC, "routes": {"default": ROUTE}},
        "scopes": [SUBSCRIBER],
    }
    (resources / "subscription.yaml").write_text(yaml.safe_dump(subscription, sort_keys=False))
    return resources


def write_config(root: Path) -> Path:
    """A Configuration with components/config.yaml's name resolution, in this temp dir."""
    source = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())
    resolution = source["spec"]["nameResolution"]
    resolution["configuration"]["connectionString"] = str(root / "names.db")
    config = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Configuration",
        "metadata": {"name": "benchconfig"},
        "spec": {"nameResolution": resolution, "tracing": {"samplingRate": "0"}},
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def daprd(
    sidecar: Sidecar, resources: Path, config: Path, tokens: Tokens, binary: Path = DAPRD
) -> Command:
    app = (
        ["--app-port", str(sidecar.app_port), "--app-channel-address", LOOPBACK]
        if sidecar.app_port is not None
        else []
    )
    return Command(
        sidecar.process_name,
        [
            str(binary),
            "--app-id", sidecar.app_id,
            *app,
            "--dapr-listen-addresses", LOOPBACK,
            "--dapr-http-port", str(sidecar.http_port),
            "--dapr-grpc-port", str(sidecar.grpc_port),
            "--dapr-internal-grpc-port", str(sidecar.internal_grpc_port),
            "--dapr-internal-grpc-listen-address", LOOPBACK,
            "--enable-metrics=false",
            "--resources-path", str(resources),
            "--config", str(config),
            "--log-as-json",
        ],
        env={"DAPR_API_TOKEN": tokens.dapr, "APP_API_TOKEN": tokens.app},
    )  # fmt: skip

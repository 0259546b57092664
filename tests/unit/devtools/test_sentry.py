from __future__ import annotations

import json
import stat
from pathlib import Path

from devtools import sentry
from devtools.topology import free_topology, local_topology


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_sentry_listens_on_loopback_on_its_own_ports(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    argv = sentry.command(topology, tmp_path / "config.yaml").argv
    assert _flag(argv, "--listen-address") == "127.0.0.1"
    assert _flag(argv, "--healthz-listen-address") == "127.0.0.1"
    assert _flag(argv, "--metrics-listen-address") == "127.0.0.1"
    assert _flag(argv, "--port") == str(topology.sentry_port)
    assert _flag(argv, "--healthz-port") == str(topology.sentry_healthz_port)
    assert _flag(argv, "--metrics-port") == str(topology.sentry_metrics_port)


def test_local_sentry_port_is_not_daprds_default() -> None:
    assert local_topology().sentry_port != 50001


def test_credentials_dir_is_owner_only(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    sentry.command(topology, tmp_path / "config.yaml")
    for path in (sentry.sentry_dir(topology), sentry.credentials_dir(topology)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_configuration_accepts_only_jwks_tokens_and_is_owner_only(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    jwks: dict[str, object] = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"}]}
    path = sentry.write_configuration(topology, jwks)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    mtls = json.loads(path.read_text())["spec"]["mtls"]
    assert mtls["enabled"] is True
    [validator] = mtls["tokenValidators"]
    assert validator["name"] == "jwks"
    assert json.loads(validator["options"]["source"]) == jwks


def test_spiffe_ids_name_namespace_and_app() -> None:
    assert sentry.app_spiffe_id("webapp", "td") == "spiffe://td/ns/default/webapp"
    assert sentry.sentry_spiffe_id("td") == "spiffe://td/ns/default/dapr-sentry"

"""Sentry's command line and configuration, the issuer credentials and the tokens."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jwt
from cryptography import x509

from devtools import commands, sentry, sentry_ca, sentry_tokens
from devtools.topology import free_topology, local_topology


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_sentry_listens_on_loopback_on_its_own_ports(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    argv = commands.sentry_command(topology).argv
    assert _flag(argv, "--listen-address") == "127.0.0.1"
    assert _flag(argv, "--healthz-listen-address") == "127.0.0.1"
    assert _flag(argv, "--port") == str(topology.sentry_port)
    assert _flag(argv, "--healthz-port") == str(topology.sentry_healthz_port)
    assert "--enable-metrics=false" in argv


def test_local_sentry_port_is_not_daprds_default() -> None:
    assert local_topology().sentry_port != 50001


def test_sentry_files_are_owner_only(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    commands.sentry_command(topology)
    for path in (sentry.sentry_dir(topology), sentry.credentials_dir(topology)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in sentry.sentry_dir(topology).rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_configuration_accepts_only_tokens_this_system_signed(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    mtls = json.loads(sentry.write_configuration(topology).read_text())["spec"]["mtls"]
    assert mtls["enabled"] is True
    [validator] = mtls["tokenValidators"]
    assert validator["name"] == "jwks"
    key = sentry_tokens.signing_key(sentry.sentry_dir(topology))
    assert json.loads(validator["options"]["source"]) == sentry_tokens.jwks(key)


def test_a_token_names_its_holder_to_sentry(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    token = sentry.token_file(topology, "webapp").read_text()
    key = sentry_tokens.signing_key(sentry.sentry_dir(topology))
    claims = jwt.decode(
        token, key.public_key(), algorithms=["EdDSA"], audience=sentry.sentry_spiffe_id()
    )
    assert claims["sub"] == "spiffe://public/ns/default/webapp"
    placement = sentry.control_plane_token_file(topology, sentry.PLACEMENT_ID).read_text()
    claims = jwt.decode(
        placement, key.public_key(), algorithms=["EdDSA"], audience=sentry.sentry_spiffe_id()
    )
    assert claims["sub"] == "spiffe://dapr-todo.local/ns/default/dapr-placement"


def test_issuer_credentials_are_made_once_and_chain_to_the_root(tmp_path: Path) -> None:
    directory = tmp_path / "ca"
    root_path = sentry_ca.ensure(directory, "td.example", "spiffe://td.example/ns/x/dapr-sentry")
    first = root_path.read_text()
    assert sentry_ca.ensure(directory, "td.example", "ignored").read_text() == first
    root = x509.load_pem_x509_certificate(first.encode())
    issuer = x509.load_pem_x509_certificate((directory / sentry_ca.ISSUER_CERT).read_bytes())
    issuer.verify_directly_issued_by(root)
    for certificate in (root, issuer):
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        assert constraints.value.ca


def test_every_dapr_process_gets_mtls(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    anchors = sentry.trust_anchors_file(topology)
    for command in (commands.placement(topology), commands.scheduler(topology)):
        assert "--tls-enabled" in command.argv
        assert _flag(command.argv, "--trust-anchors-file") == str(anchors)
        assert _flag(command.argv, "--trust-domain") == sentry.TRUST_DOMAIN
        assert Path(command.env["DAPR_SENTRY_TOKEN_FILE"]).exists()
        assert command.env["NAMESPACE"] == sentry.NAMESPACE  # part of its SPIFFE id
    for service in topology.services:
        command = commands.sidecar(topology, service)
        assert "--enable-mtls" in command.argv
        assert _flag(command.argv, "--sentry-address") == f"127.0.0.1:{topology.sentry_port}"
        assert _flag(command.argv, "--control-plane-trust-domain") == sentry.TRUST_DOMAIN
        assert command.env["DAPR_TRUST_ANCHORS"] == anchors.read_text()
        assert command.env["NAMESPACE"] == sentry.NAMESPACE
        token = Path(command.env["DAPR_SENTRY_TOKEN_FILE"]).read_text()
        assert jwt.decode(token, options={"verify_signature": False})["sub"].endswith(
            f"/{service.app_id}"
        )


def test_a_scheduler_start_leaves_no_earlier_certificate_behind(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    identity = commands.scheduler_identity_dir(topology)
    identity.mkdir(parents=True)
    (identity / "1-current").mkdir()
    (identity / "1-current" / "tls.key").write_text("old key")
    # The earlier layout: versions beside the state dir's files and a link to the last one.
    old_version = topology.state_dir / "17-scheduler-identity"
    old_version.mkdir()
    assert commands.clear_scheduler_identity(topology)
    assert list(identity.iterdir()) == []
    assert not old_version.exists()
    argv = commands.scheduler(topology).argv
    assert _flag(argv, "--identity-directory-write") == str(identity / "current")

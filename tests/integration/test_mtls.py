"""mTLS through Sentry: every Dapr gRPC port of the system (each sidecar's internal port,
placement, scheduler) serves a certificate from this system's Sentry naming its SPIFFE id
and refuses any client without a certificate that chains to this system's trust anchor;
Sentry issues certificates only to holders of this system's tokens, each for its own id;
and sidecar-to-sidecar calls travel over those mTLS connections."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from devtools import commands, sentry, sentry_tokens
from devtools.topology import Service, Topology, free_port
from tests.conftest import RunningSystem
from tests.integration.test_listeners import socket_inodes
from tests.integration.tls_peers import issued_by_a_stranger, issued_by_this_system, talk
from tests.sidecar_tokens import sidecar_headers

pytestmark = pytest.mark.integration

PORTS = {
    "webapp": ("spiffe://public/ns/default/webapp", "webapp"),
    "sync-worker": ("spiffe://public/ns/default/sync-worker", "sync_worker"),
    "bindings-worker": ("spiffe://public/ns/default/bindings-worker", "bindings_worker"),
    "placement": ("spiffe://dapr-todo.local/ns/default/dapr-placement", None),
    "scheduler": ("spiffe://dapr-todo.local/ns/default/dapr-scheduler", None),
}
CLIENT_ID = "spiffe://public/ns/default/webapp"


def mtls_port(topology: Topology, name: str) -> int:
    package = PORTS[name][1]
    if package:
        return topology.service(package).dapr_internal_grpc_port
    return topology.placement_port if name == "placement" else topology.scheduler_port


@pytest.mark.parametrize("name", PORTS)
def test_a_port_names_its_owner_and_refuses_clients_without_this_systems_certificate(
    system: RunningSystem, name: str, tmp_path: Path
) -> None:
    port = mtls_port(system.topology, name)
    anchors = sentry.trust_anchors_file(system.topology)

    without = talk(port, anchors, client_cert=None)
    # Verified against this system's anchor alone: the served certificate is Sentry's work.
    assert without.peer_spiffe_id == PORTS[name][0]
    assert not without.accepted
    assert "CERTIFICATE_REQUIRED" in without.refusal

    stranger = talk(port, anchors, issued_by_a_stranger(tmp_path, CLIENT_ID))
    assert not stranger.accepted
    assert "BAD_CERTIFICATE" in stranger.refusal

    # The control: the same client with a certificate from this system's issuer gets in.
    assert talk(port, anchors, issued_by_this_system(system.topology, tmp_path, CLIENT_ID)).accepted


def impostor_output(system: RunningSystem, app_id: str, env: dict[str, str]) -> str:
    """Starts a daprd as `app_id` beside the system with `env` changed; returns what it
    printed before it exited (it must exit: without a certificate it cannot start)."""
    service = Service("impostor", app_id, *(free_port() for _ in range(5)))
    command = commands.sidecar(system.topology, service)
    full_env = {**command.full_env(), **env}
    full_env = {key: value for key, value in full_env.items() if value}
    done = subprocess.run(
        command.argv, env=full_env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "no X509 SVID available" in output
    return output


def test_sentry_refuses_a_token_for_another_id(system: RunningSystem) -> None:
    webapp_token = sentry.token_file(system.topology, "webapp")
    output = impostor_output(system, "intruder", {"DAPR_SENTRY_TOKEN_FILE": str(webapp_token)})
    assert "PermissionDenied" in output
    assert '\\"sub\\" not satisfied' in output


def test_sentry_refuses_a_request_without_a_token(system: RunningSystem) -> None:
    output = impostor_output(system, "webapp", {"DAPR_SENTRY_TOKEN_FILE": ""})
    # Without a token the request names no validator, and only jwks is configured.
    assert "error from sentry SignCertificate" in output
    assert "a validator name must be specified" in output


def test_sentry_refuses_a_token_another_key_signed(system: RunningSystem, tmp_path: Path) -> None:
    key = sentry_tokens.signing_key(tmp_path)
    forged = sentry_tokens.write_token(
        tmp_path / "forged.jwt", key, sentry.app_spiffe_id("webapp"), sentry.sentry_spiffe_id()
    )
    output = impostor_output(system, "webapp", {"DAPR_SENTRY_TOKEN_FILE": str(forged)})
    assert "PermissionDenied" in output
    assert "token validation failed" in output


def established_peers(pid: int) -> set[int]:
    """Remote ports of the ESTABLISHED IPv4/IPv6 TCP connections of process `pid`."""
    mine = socket_inodes(pid)
    ports = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[9]) in mine:
                ports.add(int(fields[2].split(":")[1], 16))
    return ports


def test_a_sidecar_calls_another_over_its_mtls_port(system: RunningSystem) -> None:
    webapp, bindings_worker = system.service("webapp"), system.service("bindings_worker")
    response = httpx.get(
        f"{webapp.sidecar_url}/v1.0/invoke/{bindings_worker.app_id}/method/ops/metadata",
        headers=sidecar_headers(webapp),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    caller_pid = system.group[f"{webapp.app_id}-dapr"].process.pid
    # The call went to the port that lets in only certificates from this system's Sentry
    # (the test above), so it went over mTLS with webapp's certificate.
    assert bindings_worker.dapr_internal_grpc_port in established_peers(caller_pid)
    assert os.environ.get("DAPR_TRUST_ANCHORS") is None  # the test itself holds no identity

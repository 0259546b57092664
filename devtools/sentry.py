"""Sentry, the certificate authority behind mTLS: its command line and its configuration.

Sentry (self-hosted mode) generates its own self-signed issuer credentials into
``<state_dir>/sentry/credentials`` on first start; the root certificate there (``ca.crt``)
is the trust anchor every sidecar, placement and scheduler is given. Without a token
validator Sentry signs any request, so the configuration names the ``jwks`` validator
(Dapr 1.18.2, pkg/sentry/server/validator/jwks): a request's JWT must be signed by a key
in the JWKS, carry ``aud`` = Sentry's SPIFFE id and ``sub`` = the requester's SPIFFE id.
"""

from __future__ import annotations

import json
from pathlib import Path

from devtools.commands import LOOPBACK, Command
from devtools.topology import DAPR_BIN_DIR, Topology

TRUST_DOMAIN = "dapr-todo.local"
NAMESPACE = "default"
ROOT_CERT_FILENAME = "ca.crt"


def sentry_dir(topology: Topology) -> Path:
    """Sentry's owner-only directory: its configuration and issuer credentials."""
    return topology.state_dir / "sentry"


def credentials_dir(topology: Topology) -> Path:
    return sentry_dir(topology) / "credentials"


def trust_anchors_file(topology: Topology) -> Path:
    """The root certificate Sentry writes; DAPR_TRUST_ANCHORS for every other process."""
    return credentials_dir(topology) / ROOT_CERT_FILENAME


def sentry_spiffe_id(trust_domain: str = TRUST_DOMAIN) -> str:
    """The audience a jwks-validated token must name (Sentry's own SPIFFE id)."""
    return f"spiffe://{trust_domain}/ns/{NAMESPACE}/dapr-sentry"


def app_spiffe_id(app_id: str, trust_domain: str = TRUST_DOMAIN) -> str:
    """The subject a jwks-validated token must name: the requesting app's SPIFFE id."""
    return f"spiffe://{trust_domain}/ns/{NAMESPACE}/{app_id}"


def sentry_configuration(jwks: dict[str, object]) -> dict[str, object]:
    """Sentry's Configuration: mTLS on, only tokens signed by this system's key accepted."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Configuration",
        "metadata": {"name": "sentry"},
        "spec": {
            "mtls": {
                "enabled": True,
                "tokenValidators": [{"name": "jwks", "options": {"source": json.dumps(jwks)}}],
            }
        },
    }


def _owner_only_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_configuration(topology: Topology, jwks: dict[str, object]) -> Path:
    """Write Sentry's configuration (JSON is YAML) owner-only; return its path."""
    path = _owner_only_dir(sentry_dir(topology)) / "config.yaml"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(sentry_configuration(jwks), indent=2) + "\n")
    return path


def command(topology: Topology, config_path: Path, trust_domain: str = TRUST_DOMAIN) -> Command:
    """Sentry on loopback, on ports that do not clash with daprd's default 50001.

    Dapr 1.18.2's sentry accepts --healthz-listen-address but ignores it (cmd/sentry/app
    passes only the port), so its healthz answers on every interface.
    """
    _owner_only_dir(sentry_dir(topology))
    _owner_only_dir(credentials_dir(topology))
    return Command(
        "sentry",
        [
            str(DAPR_BIN_DIR / "sentry"),
            "--port", str(topology.sentry_port),
            "--listen-address", LOOPBACK,
            "--healthz-port", str(topology.sentry_healthz_port),
            "--healthz-listen-address", LOOPBACK,
            "--metrics-port", str(topology.sentry_metrics_port),
            "--metrics-listen-address", LOOPBACK,
            "--issuer-credentials", str(credentials_dir(topology)),
            "--trust-domain", trust_domain,
            "--config", str(config_path),
            "--log-as-json",
        ],
    )  # fmt: skip

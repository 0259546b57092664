"""mTLS for a local system: Sentry's configuration and what every other process needs to
get a certificate from it (the trust anchor and a token naming who it is).

Identities in Dapr 1.18.2's self-hosted mode:
- the control plane (Sentry, placement, scheduler) is in TRUST_DOMAIN: each is started with
  it (`--trust-domain`), and each sidecar is told it (`--control-plane-trust-domain`) to
  verify whom it talks to;
- apps are in APP_TRUST_DOMAIN, "public": daprd sends no trust domain with its certificate
  request (pkg/security/sentry.go sets one only for control-plane ids), and Sentry's
  validators then use "public" (pkg/sentry/server/validator/internal). The access-control
  policies (components/config.yaml `accessControl.trustDomain`) name it for that reason.
Sentry signs only requests whose token this system's key signed (devtools/sentry_tokens.py),
so it issues certificates for exactly the ids below and the app-ids of this system.
"""

from __future__ import annotations

import json
from pathlib import Path

from devtools import sentry_ca, sentry_tokens
from devtools.credentials import write_owner_only
from devtools.topology import Topology

TRUST_DOMAIN = "dapr-todo.local"
APP_TRUST_DOMAIN = "public"
NAMESPACE = "default"
PLACEMENT_ID = "dapr-placement"
SCHEDULER_ID = "dapr-scheduler"


def sentry_dir(topology: Topology) -> Path:
    """Sentry's owner-only directory: its configuration, issuer credentials, token key."""
    path = topology.state_dir / "sentry"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def credentials_dir(topology: Topology) -> Path:
    return sentry_dir(topology) / "credentials"


def trust_anchors_file(topology: Topology) -> Path:
    """The root certificate: the only certificate every process trusts (made once)."""
    return sentry_ca.ensure(credentials_dir(topology), TRUST_DOMAIN, sentry_spiffe_id())


def trust_anchors(topology: Topology) -> str:
    return trust_anchors_file(topology).read_text()


def sentry_spiffe_id(trust_domain: str = TRUST_DOMAIN) -> str:
    """Sentry's own SPIFFE id: the audience every token must name."""
    return spiffe_id(trust_domain, "dapr-sentry")


def spiffe_id(trust_domain: str, identity: str) -> str:
    return f"spiffe://{trust_domain}/ns/{NAMESPACE}/{identity}"


def app_spiffe_id(app_id: str) -> str:
    """The SPIFFE id of an app's certificate, as its callee's sidecar sees it."""
    return spiffe_id(APP_TRUST_DOMAIN, app_id)


def token_file(topology: Topology, identity: str, trust_domain: str = APP_TRUST_DOMAIN) -> Path:
    """The owner-only file holding `identity`'s token (DAPR_SENTRY_TOKEN_FILE)."""
    key = sentry_tokens.signing_key(sentry_dir(topology))
    path = sentry_dir(topology) / "tokens" / f"{identity}.jwt"
    subject = spiffe_id(trust_domain, identity)
    return sentry_tokens.write_token(path, key, subject, sentry_spiffe_id())


def control_plane_token_file(topology: Topology, identity: str) -> Path:
    return token_file(topology, identity, TRUST_DOMAIN)


def sentry_address(topology: Topology) -> str:
    return f"127.0.0.1:{topology.sentry_port}"


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


def write_configuration(topology: Topology) -> Path:
    """Sentry's configuration (JSON is YAML), owner-only; returns its path."""
    key = sentry_tokens.signing_key(sentry_dir(topology))
    configuration = sentry_configuration(sentry_tokens.jwks(key))
    path = sentry_dir(topology) / "config.yaml"
    return write_owner_only(path, json.dumps(configuration, indent=2) + "\n")

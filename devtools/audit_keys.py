"""The audit signing key of one system: generated once under its state dir, owner-only.

The private key reaches bindings-worker's sidecar as secret `audit-signing-key` of the
`auditkeys` secret store (components/auditkeys.yaml reads this file); the public key,
beside it, is what `manage.py audit verify` checks checkpoints with.
"""

from __future__ import annotations

import json
from pathlib import Path

from audit.checkpoint import new_private_key_pem, public_key_pem
from common.dapr_names import AUDIT_SIGNING_SECRET
from devtools.credentials import create_once
from devtools.topology import Topology

SECRET_NAME = AUDIT_SIGNING_SECRET


def keys_file(topology: Topology) -> Path:
    return topology.state_dir / "audit-keys.json"


def verify_key_file(topology: Topology) -> Path:
    return topology.state_dir / "audit-verify-key.pem"


def ensure(topology: Topology) -> Path:
    """The secrets file holding the signing key, created (0600) on first use."""
    path, public = keys_file(topology), verify_key_file(topology)
    if path.exists() and public.exists():
        return path
    topology.state_dir.mkdir(parents=True, exist_ok=True)
    # Several sidecars may start at once: the first complete file wins, the rest keep it.
    create_once(path, json.dumps({SECRET_NAME: new_private_key_pem().decode()}))
    public.write_bytes(public_key_pem(json.loads(path.read_text())[SECRET_NAME].encode()))
    return path

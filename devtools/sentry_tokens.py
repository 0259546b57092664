"""The tokens with which each local process proves its identity to Sentry.

Without a token validator Sentry signs a certificate for any app-id anyone on the machine
asks for. With the `jwks` validator (Dapr 1.18.2, pkg/sentry/server/validator/jwks) it
signs only requests carrying a JWT that a key of its JWKS signed, whose `aud` is Sentry's
SPIFFE id and whose `sub` is the requester's. Each system has its own Ed25519 key, so only
the processes it starts, each holding the token for its own id, get certificates.

The tokens carry no expiry: daprd rereads its token file at every certificate renewal,
and the files are owner-only, beside the issuer key that could sign anything anyway.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devtools.credentials import create_once, write_owner_only

KEY_FILE = "token-signing-key.pem"
KEY_ID = "dapr-todo-local"
ALGORITHM = "EdDSA"


def signing_key(directory: Path) -> Ed25519PrivateKey:
    """This system's token-signing key, made on first use (owner-only PEM)."""
    path = directory / KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        create_once(path, pem.decode())
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 key")
    return key


def jwks(key: Ed25519PrivateKey) -> dict[str, object]:
    """The public half of `key` as the JWKS that Sentry's validator is configured with."""
    public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": KEY_ID, "alg": ALGORITHM, "use": "sig"}]}


def write_token(path: Path, key: Ed25519PrivateKey, subject: str, audience: str) -> Path:
    """An owner-only file holding a JWT that names `subject` to Sentry (`audience`)."""
    claims = {"sub": subject, "aud": audience, "iat": int(time.time())}
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": KEY_ID})
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return write_owner_only(path, token)

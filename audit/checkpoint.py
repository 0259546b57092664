"""Signed checkpoints: Ed25519 signatures over (seq, hash) of the chain at some point.

The chain alone proves order and integrity only to someone who trusts its last hash; a
checkpoint signed with a key only bindings-worker reads (secret `audit-signing-key`) lets
an operator prove that no one rewrote the whole chain after it. Keys are PEM (PKCS#8
private, SubjectPublicKeyInfo public), made by `cryptography`.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.chain import Link, canonical


class BadCheckpoint(ValueError):
    """A checkpoint whose signature does not verify under the configured public key."""


def _message(kind: str, link: Link) -> bytes:
    return canonical({"kind": kind, "seq": link.seq, "hash": link.hash})


def new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(private_pem: bytes) -> bytes:
    return (
        _private(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key is not an Ed25519 key")
    return key


def _public(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit verify key is not an Ed25519 key")
    return key


def sign(private_pem: bytes, link: Link, kind: str = "checkpoint") -> dict[str, Any]:
    """A checkpoint of `link`; kind 'prune' marks the genesis left by a prune."""
    signature = _private(private_pem).sign(_message(kind, link))
    return {
        "kind": kind,
        "seq": link.seq,
        "hash": link.hash,
        "signature": base64.b64encode(signature).decode(),
    }


def verify(public_pem: bytes, checkpoint: dict[str, Any]) -> Link:
    """The checkpoint's link if its signature holds; raises BadCheckpoint otherwise."""
    try:
        link = Link(int(checkpoint["seq"]), str(checkpoint["hash"]))
        signature = base64.b64decode(checkpoint["signature"])
        _public(public_pem).verify(signature, _message(str(checkpoint["kind"]), link))
    except (KeyError, TypeError, ValueError, InvalidSignature) as error:
        raise BadCheckpoint(f"checkpoint at seq {checkpoint.get('seq')} does not verify") from error
    return link

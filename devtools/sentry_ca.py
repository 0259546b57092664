"""The issuer credentials of a local Sentry: a root certificate (the trust anchor) and the
issuer certificate and key that Sentry signs workload certificates with.

Made here once per system, before any process starts, rather than by Sentry's own first
start: every sidecar needs the trust anchor in its environment (DAPR_TRUST_ANCHORS) when it
is launched, and placement and scheduler need the file. The certificates mirror what Sentry
1.18.2 generates itself (pkg/sentry/server/ca/bundle/cert.go): ECDSA P-256, a self-signed
root whose subject names the trust domain, and an issuer whose subject names Sentry's
SPIFFE id, both CAs, valid for a year. Deleting the directory rotates them (docs/operator-guide.md).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devtools.credentials import create_once

ROOT_CERT = "ca.crt"
ISSUER_CERT = "issuer.crt"
ISSUER_KEY = "issuer.key"
VALIDITY = datetime.timedelta(days=365)
# Sentry's own allowance for clocks that disagree (allowedClockSkew, 15 minutes).
CLOCK_SKEW = datetime.timedelta(minutes=15)


def _certificate(
    subject: str,
    public_key: ec.EllipticCurvePublicKey,
    issuer: x509.Name | None,
    signing_key: ec.EllipticCurvePrivateKey,
    usage: x509.KeyUsage,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(signing_key, hashes.SHA256())
    )


def _usage(*, crl_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def ensure(directory: Path, trust_domain: str, sentry_id: str) -> Path:
    """Creates the root and issuer credentials in `directory` unless they exist; returns
    the root certificate's path. The issuer key is the last file written, and Sentry loads
    nothing until all three exist, so an interrupted first run only leaves a root behind
    that the next run replaces."""
    root_path = directory / ROOT_CERT
    # Sentry watches this directory and restarts its servers on any change, even a chmod:
    # once the credentials exist, nothing here touches it.
    if (directory / ISSUER_KEY).exists():
        return root_path
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(trust_domain, root_key.public_key(), None, root_key, _usage(crl_sign=False))
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    issuer = _certificate(
        sentry_id, issuer_key.public_key(), root.subject, root_key, _usage(crl_sign=True)
    )
    for name in (ROOT_CERT, ISSUER_CERT):
        (directory / name).unlink(missing_ok=True)
    create_once(root_path, _pem(root))
    create_once(directory / ISSUER_CERT, _pem(issuer))
    key_pem = issuer_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    create_once(directory / ISSUER_KEY, key_pem.decode())
    return root_path

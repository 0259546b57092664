"""The control plane's keys and certificates, made fresh for each test session.

As kubeadm lays them out: one cluster CA that signs the API server's serving certificate
and the clients' certificates (the tests' admin in system:masters, the controller manager
as system:kube-controller-manager), and a separate key pair that signs service-account
tokens.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=1)
# Names a client in the cluster uses for the API server (kubernetes.default.svc...).
FRONT_PROXY_CLIENT = "front-proxy-client"
SERVING_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key, as PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class ClusterPki:
    ca: Pair
    apiserver: Pair
    controller_manager_serving: Pair
    admin: Pair
    controller_manager: Pair
    service_account_key: Path
    service_account_pub: Path
    # What the API server presents to aggregated API servers (KEDA's metrics server), which
    # trust the X-Remote-User headers of that certificate's requests only.
    front_proxy_client: Pair


def _write_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _name(common: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def _issue(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    usage: list[x509.ObjectIdentifier] | None,
    names: tuple[str, ...] = (),
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer, signer = (ca[0].subject, ca[1]) if ca else (subject, key)
    is_ca = usage is None  # a CA signs; a leaf has its usages
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if names:
        alt: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        alt += [x509.DNSName(name) for name in names]
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pair(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Pair:
    pair = Pair(directory / f"{stem}.crt", directory / f"{stem}.key")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, pair.key)
    return pair


def make_pki(directory: Path) -> ClusterPki:
    """Writes a fresh cluster PKI into `directory` (owner-only: the caller's umask)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue(None, _name("dapr-todo-test-cluster-ca"), ca_key, None)
    ca = (ca_cert, ca_key)

    def leaf(
        stem: str, subject: x509.Name, usage: x509.ObjectIdentifier, names: tuple[str, ...] = ()
    ) -> Pair:
        key = ec.generate_private_key(ec.SECP256R1())
        return _pair(directory, stem, _issue(ca, subject, key, [usage], names), key)

    server, client = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa_private, sa_public = directory / "sa.key", directory / "sa.pub"
    _write_key(sa_key, sa_private)
    sa_public.write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return ClusterPki(
        ca=_pair(directory, "ca", ca_cert, ca_key),
        apiserver=leaf("apiserver", _name("kube-apiserver"), server, SERVING_NAMES),
        controller_manager_serving=leaf(
            "controller-manager-serving", _name("kube-controller-manager"), server, ("localhost",)
        ),
        admin=leaf("admin", _name("dapr-todo-tests", "system:masters"), client),
        controller_manager=leaf(
            "controller-manager", _name("system:kube-controller-manager"), client
        ),
        service_account_key=sa_private,
        service_account_pub=sa_public,
        front_proxy_client=leaf("front-proxy-client", _name(FRONT_PROXY_CLIENT), client),
    )


def issue(ca: Pair, directory: Path, stem: str, names: tuple[str, ...]) -> Pair:
    """A leaf of the cluster CA for `names` (and 127.0.0.1), good for serving and as a
    client: KEDA's operator and metrics server use one pair for both ends of their gRPC."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    usage = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    cert = _issue((ca_cert, ca_key), _name(names[0]), key, usage, names)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return _pair(directory, stem, cert, key)


def tls_pair(directory: Path, host: str) -> Pair:
    """A self-signed serving certificate for `host` (the Ingress's TLS Secret)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(None, _name(host), key, [ExtendedKeyUsageOID.SERVER_AUTH], (host,))
    return _pair(directory, host, cert, key)

"""TLS handshakes with the system's mTLS ports, as a client with or without a certificate.

gRPC over TLS 1.3 tells a client that its certificate was refused only after the handshake,
in an alert the server sends when the client first speaks; so `talk` sends the HTTP/2
connection preface and reads what comes back: the server's SETTINGS frame, or the refusal.
"""

from __future__ import annotations

import datetime
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devtools import sentry, sentry_ca
from devtools.topology import Topology

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
SETTINGS_FRAME_TYPE = 0x04


@dataclass(frozen=True)
class Conversation:
    peer_spiffe_id: str
    accepted: bool
    refusal: str = ""


def talk(port: int, anchors: Path, client_cert: tuple[Path, Path] | None) -> Conversation:
    """Handshake with 127.0.0.1:`port`, trusting only `anchors`, then speak HTTP/2."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # Dapr's certificates name SPIFFE ids, not hosts
    context.load_verify_locations(anchors)
    context.set_alpn_protocols(["h2"])
    if client_cert:
        context.load_cert_chain(*client_cert)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        peer = tls.getpeercert() or {}
        uris = [value for kind, value in peer.get("subjectAltName", ()) if kind == "URI"]
        try:
            tls.sendall(HTTP2_PREFACE)
            header = tls.recv(9)
        except (ssl.SSLError, ConnectionResetError) as error:
            return Conversation(uris[0], accepted=False, refusal=str(error))
        if len(header) == 9 and header[3] == SETTINGS_FRAME_TYPE:
            return Conversation(uris[0], accepted=True)
        return Conversation(uris[0], accepted=False, refusal=f"answered {header!r}")


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def workload_certificate(
    directory: Path, spiffe_id: str, signer_cert: x509.Certificate, signer_key: object
) -> tuple[Path, Path]:
    """A client certificate for `spiffe_id`, signed as Sentry signs workloads."""
    assert isinstance(signer_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(signer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(spiffe_id)]),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [x509.ExtendedKeyUsageOID.CLIENT_AUTH, x509.ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .sign(signer_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "client.crt", directory / "client.key"
    # The chain: the workload certificate, then its issuer (as Sentry hands them out).
    chain = certificate.public_bytes(serialization.Encoding.PEM)
    chain += signer_cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(chain)
    key_path.write_bytes(_key_pem(key))
    return cert_path, key_path


def _issued_from(credentials: Path, directory: Path, spiffe_id: str) -> tuple[Path, Path]:
    issuer = x509.load_pem_x509_certificate((credentials / sentry_ca.ISSUER_CERT).read_bytes())
    key = serialization.load_pem_private_key(
        (credentials / sentry_ca.ISSUER_KEY).read_bytes(), password=None
    )
    return workload_certificate(directory, spiffe_id, issuer, key)


def issued_by_this_system(topology: Topology, directory: Path, spiffe_id: str) -> tuple[Path, Path]:
    """A client certificate from this system's issuer: what Sentry would hand out."""
    return _issued_from(sentry.credentials_dir(topology), directory / "own", spiffe_id)


def issued_by_a_stranger(directory: Path, spiffe_id: str) -> tuple[Path, Path]:
    """A client certificate for the same id from another CA (another system's Sentry)."""
    credentials = directory / "stranger-ca"
    sentry_ca.ensure(credentials, sentry.TRUST_DOMAIN, sentry.sentry_spiffe_id())
    return _issued_from(credentials, directory / "stranger", spiffe_id)

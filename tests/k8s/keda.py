"""KEDA's operator and metrics API server against the tests' control plane, on 127.0.0.1.

The pinned binaries come from scripts/keda-runtime.sh (.runtime/keda-bin). The two share
one key pair of the cluster CA (KEDA's gRPC between them is mutual TLS, both ends reading
ca.crt, tls.crt and tls.key from one directory, as KEDA's chart mounts its certificate
Secret). The metrics server is registered as v1beta1.external.metrics.k8s.io: the
APIService names an ExternalName Service whose externalName is localhost, which the API
server's ClusterIPServiceResolver dials at the APIService's port while it verifies the
serving certificate for keda-metrics-apiserver.keda.svc.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devtools.commands import Command
from devtools.probes import Probe, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, free_port
from tests.k8s.api import Api
from tests.k8s.control_plane import ControlPlane, wait_for
from tests.k8s.pki import issue

BIN = REPO_ROOT / ".runtime" / "keda-bin"
NAMESPACE = "keda"
METRICS_SERVICE = "keda-metrics-apiserver"
OPERATOR_SERVICE = "keda-operator"
EXTERNAL_METRICS = "external.metrics.k8s.io"
APISERVICE = f"v1beta1.{EXTERNAL_METRICS}"
READY_TIMEOUT = 120.0
# Suffixes of a Kubernetes quantity as KEDA's metric values use them (1k, 2500m, 1M).
SUFFIXES = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}


@dataclass(frozen=True)
class Keda:
    """A started KEDA: its metrics server's own address (to query it past the aggregator)."""

    metrics_url: str
    cert_dir: Path
    group: ProcessGroup


def _operator(plane: ControlPlane, cert_dir: Path, grpc: int, health: int) -> Command:
    return Command(
        "keda-operator",
        [
            str(BIN / "keda"),
            "--metrics-bind-address", f"127.0.0.1:{free_port()}",
            "--health-probe-bind-address", f"127.0.0.1:{health}",
            "--metrics-service-bind-address", f"127.0.0.1:{grpc}",
            "--cert-dir", str(cert_dir),
            "--ca-dir", str(cert_dir),
            # The fixture made the certificate and registers the APIService itself.
            "--enable-cert-rotation=false",
            "--enable-webhook-patching=false",
            "--enable-apiservice-patching=false",
            "--zap-log-level", "info",
        ],
        {
            "KUBECONFIG": str(plane.kubeconfig),
            "WATCH_NAMESPACE": "",
            "POD_NAMESPACE": NAMESPACE,
            "KEDA_CLUSTER_OBJECT_NAMESPACE": NAMESPACE,
        },
    )  # fmt: skip


def _adapter(plane: ControlPlane, cert_dir: Path, grpc: int, port: int) -> Command:
    kubeconfig = str(plane.kubeconfig)
    return Command(
        "keda-metrics-apiserver",
        [
            str(BIN / "keda-adapter"),
            "--bind-address", "127.0.0.1",
            "--secure-port", str(port),
            "--cert-dir", str(cert_dir),
            "--tls-cert-file", str(cert_dir / "tls.crt"),
            "--tls-private-key-file", str(cert_dir / "tls.key"),
            "--lister-kubeconfig", kubeconfig,
            "--authentication-kubeconfig", kubeconfig,
            "--authorization-kubeconfig", kubeconfig,
            "--metrics-service-address", f"127.0.0.1:{grpc}",
            "--port", str(free_port()),
            "--profiling=false",
        ],
        {"KUBECONFIG": kubeconfig, "POD_NAMESPACE": NAMESPACE, "WATCH_NAMESPACE": ""},
    )  # fmt: skip


def registration(port: int, ca_bundle: bytes) -> list[dict[str, Any]]:
    """The namespace, ExternalName Service and APIService that route the aggregator to us."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": METRICS_SERVICE, "namespace": NAMESPACE},
            "spec": {
                "type": "ExternalName",
                "externalName": "localhost",
                "ports": [{"name": "https", "port": port}],
            },
        },
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": APISERVICE},
            "spec": {
                "group": EXTERNAL_METRICS,
                "version": "v1beta1",
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
                "service": {"name": METRICS_SERVICE, "namespace": NAMESPACE, "port": port},
                "caBundle": base64.b64encode(ca_bundle).decode(),
            },
        },
    ]


def quantity(text: str) -> float:
    """A Kubernetes quantity such as an external metric's value ("250", "1k", "2500m")."""
    if text and text[-1] in SUFFIXES:
        return float(text[:-1]) * SUFFIXES[text[-1]]
    return float(text)


def available(api: Api) -> bool:
    service = api.get("apiregistration.k8s.io/v1", "APIService", APISERVICE) or {}
    conditions = service.get("status", {}).get("conditions") or []
    return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).is_success
    except httpx.HTTPError:
        return False


def start_keda(plane: ControlPlane, api: Api, state_dir: Path) -> Keda:
    """Starts the operator and the metrics server; returns once the APIService is Available.

    The caller stops them with `keda.group.stop_all()`.
    """
    missing = [name for name in ("keda", "keda-adapter") if not (BIN / name).exists()]
    if missing:
        raise FileNotFoundError(f"{BIN} lacks {missing}: run scripts/keda-runtime.sh")
    cert_dir = state_dir / "certs"
    names = tuple(
        f"{service}.{NAMESPACE}.svc{suffix}"
        for service in (METRICS_SERVICE, OPERATOR_SERVICE)
        for suffix in ("", ".cluster.local")
    )
    issue(plane.pki.ca, cert_dir, "tls", (*names, "localhost"))
    (cert_dir / "ca.crt").write_bytes(plane.pki.ca.cert.read_bytes())
    grpc, health, port = free_port(), free_port(), free_port()
    group = ProcessGroup(state_dir / "logs", state_dir)
    try:
        for doc in registration(port, plane.pki.ca.cert.read_bytes()):
            api.create(doc, doc["metadata"].get("namespace"))
        group.start(_operator(plane, cert_dir, grpc, health))
        wait_until(
            Probe(
                "keda-operator /readyz",
                lambda: _healthy(f"http://127.0.0.1:{health}/readyz"),
                READY_TIMEOUT,
            )
        )
        group.start(_adapter(plane, cert_dir, grpc, port))
        wait_for("APIService external.metrics.k8s.io Available", lambda: available(api), 120)
    except BaseException:
        group.stop_all()
        raise
    return Keda(f"https://127.0.0.1:{port}", cert_dir, group)

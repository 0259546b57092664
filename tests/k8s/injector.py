"""Dapr's own sidecar injector (and the Sentry it gets its certificate from) as a mutating
admission webhook of the tests' control plane, the way Dapr's chart deploys them.

Both are the pinned binaries (.runtime/bin, scripts/dapr-runtime.sh) run on this host in
Kubernetes mode, as the control-plane namespace's workloads:
- Sentry keeps its issuer credentials in the `dapr-trust-bundle` Secret (made here with
  devtools.sentry_ca, so the trust anchors are known before anything starts) and reads
  the `daprsystem` Configuration; its built-in `kubernetes` validator checks tokens with
  a TokenReview and the Pod the token is bound to.
- The injector asks Sentry for its serving certificate (DNS name
  dapr-sidecar-injector.<ns>.svc) with a service-account token bound to a Pod that names
  it a control-plane service (`dapr.io/control-plane: injector`). No kubelet runs that
  Pod: it exists for the token and the validator only.
- The API server reaches the injector through an ExternalName Service pointing at
  localhost (the Service resolver dials <externalName>:<port> and verifies the TLS name
  <service>.<namespace>.svc), with the webhook configuration of Dapr's chart
  (charts/dapr/charts/dapr_sidecar_injector/templates); the injector patches its caBundle
  with the trust anchors itself.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devtools import sentry_ca
from devtools.commands import Command
from devtools.credentials import write_owner_only
from devtools.probes import Probe, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, free_port
from tests.k8s.api import Api, checked
from tests.k8s.control_plane import ControlPlane, wait_for

BIN = REPO_ROOT / ".runtime" / "bin"
NAMESPACE = "dapr-system"
TRUST_DOMAIN = "cluster.local"
SENTRY_ID = f"spiffe://{TRUST_DOMAIN}/ns/{NAMESPACE}/dapr-sentry"
SERVICE = "dapr-sidecar-injector"  # the name the injector's certificate is for
WEBHOOK = "dapr-sidecar-injector"  # the configuration the injector patches
DAPR_VERSION = "1.18.2"
SIDECAR_IMAGE = f"ghcr.io/dapr/daprd:{DAPR_VERSION}"  # never pulled: no nodes
READY_TIMEOUT = 90.0


def as_this_user() -> dict[str, str]:
    """Dapr's control plane refuses to run as root in Kubernetes mode
    (pkg/security/usergroup.go) unless told to; the tests may run as root."""
    return {"DAPR_UNSAFE_SKIP_CONTAINER_UID_GID_CHECK": "true"} if os.getuid() == 0 else {}


@dataclass(frozen=True)
class Ports:
    """Free loopback ports (the injector's webhook and healthz listen on every address:
    cmd/injector ignores --listen-address and --healthz-listen-address)."""

    sentry: int
    sentry_healthz: int
    sentry_metrics: int
    injector: int
    injector_healthz: int
    injector_metrics: int


@dataclass(frozen=True)
class Injector:
    """A running injector: the trust anchors its sidecars get, and where it listens."""

    trust_anchors: str
    ports: Ports


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_healthy(name: str, port: int) -> None:
    url = f"http://127.0.0.1:{port}/healthz"
    wait_until(Probe(f"{name} {url}", lambda: _healthy(url), READY_TIMEOUT))


def trust_bundle(credentials: Path) -> list[dict[str, Any]]:
    """The Secret and ConfigMap in which Sentry (Kubernetes mode) finds its issuer."""
    files = {
        name: (credentials / name).read_text()
        for name in (sentry_ca.ROOT_CERT, sentry_ca.ISSUER_CERT, sentry_ca.ISSUER_KEY)
    }
    meta = {"name": "dapr-trust-bundle", "labels": {"app.kubernetes.io/part-of": "dapr"}}
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta,
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in files.items()},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {sentry_ca.ROOT_CERT: files[sentry_ca.ROOT_CERT]},
        },
    ]


def daprsystem() -> dict[str, Any]:
    """Dapr's chart's control-plane Configuration (dapr_config): mTLS on."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Configuration",
        "metadata": {"name": "daprsystem"},
        "spec": {
            "mtls": {
                "enabled": True,
                "workloadCertTTL": "24h",
                "allowedClockSkew": "15m",
                "controlPlaneTrustDomain": TRUST_DOMAIN,
                "sentryAddress": f"dapr-sentry.{NAMESPACE}.svc.{TRUST_DOMAIN}:443",
            }
        },
    }


def identity_pod() -> dict[str, Any]:
    """The injector's Pod as Dapr's chart labels it: what its token is bound to."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": SERVICE,
            "labels": {"app": SERVICE},
            "annotations": {"dapr.io/control-plane": "injector"},
        },
        "spec": {
            "serviceAccountName": SERVICE,
            "containers": [{"name": "dapr-sidecar-injector", "image": "ghcr.io/dapr/injector"}],
        },
    }


def pod_token(api: Api, pod: dict[str, Any]) -> str:
    """A token for the Pod's service account, audience Sentry, bound to the Pod."""
    request = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {
            "audiences": [SENTRY_ID],
            "expirationSeconds": 3600,
            "boundObjectRef": {
                "kind": "Pod",
                "apiVersion": "v1",
                "name": pod["metadata"]["name"],
                "uid": pod["metadata"]["uid"],
            },
        },
    }
    path = f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{SERVICE}/token"
    return str(checked(api.client.post(path, json=request))["status"]["token"])


def external_service(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": SERVICE},
        "spec": {
            "type": "ExternalName",
            "externalName": "localhost",
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        },
    }


def webhook_configuration(port: int, ca_bundle: str) -> dict[str, Any]:
    """Dapr's chart's MutatingWebhookConfiguration (its defaults), on `port`."""
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": WEBHOOK, "labels": {"app": SERVICE}},
        "webhooks": [
            {
                "name": "sidecar-injector.dapr.io",
                "reinvocationPolicy": "IfNeeded",
                "clientConfig": {
                    "service": {
                        "namespace": NAMESPACE,
                        "name": SERVICE,
                        "path": "/mutate",
                        "port": port,
                    },
                    "caBundle": base64.b64encode(ca_bundle.encode()).decode(),
                },
                "rules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "resources": ["pods"],
                        "operations": ["CREATE"],
                    }
                ],
                "failurePolicy": "Ignore",  # the chart's webhookFailurePolicy
                "sideEffects": "None",
                "admissionReviewVersions": ["v1", "v1beta1"],
            }
        ],
    }


def sentry(ports: Ports, kubeconfig: Path, credentials: Path) -> Command:
    """Sentry in Kubernetes mode; it watches `credentials` even though it reads the
    issuer from the trust-bundle Secret (a missing directory is fatal)."""
    return Command(
        "dapr-sentry",
        [
            str(BIN / "sentry"),
            "--mode", "kubernetes",
            "--kubeconfig", str(kubeconfig),
            "--trust-domain", TRUST_DOMAIN,
            "--issuer-credentials", str(credentials),
            "--listen-address", "127.0.0.1",
            "--port", str(ports.sentry),
            "--healthz-listen-address", "127.0.0.1",
            "--healthz-port", str(ports.sentry_healthz),
            "--metrics-listen-address", "127.0.0.1",
            "--metrics-port", str(ports.sentry_metrics),
        ],
        {"NAMESPACE": NAMESPACE, **as_this_user()},
    )  # fmt: skip


def injector(ports: Ports, kubeconfig: Path, anchors: Path, token: Path) -> Command:
    """The injector with the environment Dapr's chart gives it (dapr_sidecar_injector)."""
    argv = [
        str(BIN / "injector"),
        "--kubeconfig", str(kubeconfig),
        "--port", str(ports.injector),
        "--healthz-port", str(ports.injector_healthz),
        "--metrics-listen-address", "127.0.0.1",
        "--metrics-port", str(ports.injector_metrics),
    ]  # fmt: skip
    return Command(
        "dapr-sidecar-injector",
        argv,
        {
            "NAMESPACE": NAMESPACE,
            "SIDECAR_IMAGE": SIDECAR_IMAGE,
            "SIDECAR_IMAGE_PULL_POLICY": "IfNotPresent",
            "KUBE_CLUSTER_DOMAIN": TRUST_DOMAIN,
            "DAPR_TRUST_ANCHORS_FILE": str(anchors),
            "DAPR_CONTROL_PLANE_TRUST_DOMAIN": TRUST_DOMAIN,
            "DAPR_SENTRY_ADDRESS": f"127.0.0.1:{ports.sentry}",
            "DAPR_SENTRY_TOKEN_FILE": str(token),
            "SIDECAR_RUN_AS_NON_ROOT": "true",
            "SIDECAR_READ_ONLY_ROOT_FILESYSTEM": "true",
            "SIDECAR_DROP_ALL_CAPABILITIES": "true",
            "ENABLE_K8S_DOWNWARD_APIS": "false",
            **as_this_user(),
        },
    )


def start_injector(
    control_plane: ControlPlane, api: Api, state_dir: Path, group: ProcessGroup
) -> Injector:
    """Starts Sentry and the injector in `group`; returns once the webhook is in place."""
    for name in ("sentry", "injector"):
        if not (BIN / name).exists():
            raise FileNotFoundError(f"{BIN / name} is missing: run scripts/dapr-runtime.sh")
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    credentials = state_dir / "trust-bundle"
    anchors = sentry_ca.ensure(credentials, TRUST_DOMAIN, SENTRY_ID)
    for doc in [*trust_bundle(credentials), daprsystem()]:
        api.create(doc, NAMESPACE)
    ports = Ports(*(free_port() for _ in range(6)))
    group.start(sentry(ports, control_plane.kubeconfig, credentials))
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": SERVICE}}
    api.create(account, NAMESPACE)
    pod = api.create(identity_pod(), NAMESPACE)
    token = write_owner_only(state_dir / "injector.token", pod_token(api, pod))
    api.create(external_service(ports.injector), NAMESPACE)
    api.create(webhook_configuration(ports.injector, anchors.read_text()))
    # The injector reads the controllers' account UIDs once, at start.
    wait_for(
        "kube-system/replicaset-controller ServiceAccount",
        lambda: api.get("v1", "ServiceAccount", "replicaset-controller", "kube-system"),
    )
    _wait_healthy("dapr-sentry", ports.sentry_healthz)
    group.start(injector(ports, control_plane.kubeconfig, anchors, token))
    _wait_healthy("dapr-sidecar-injector", ports.injector_healthz)
    return Injector(anchors.read_text(), ports)

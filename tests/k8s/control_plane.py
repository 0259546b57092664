"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager.

The pinned binaries come from scripts/k8s-runtime.sh (.runtime/k8s-bin). Everything is on
free loopback ports with its data and keys in one owner-only directory. There are no nodes
(no kubelet), so Pods are admitted and stay Pending; what the chart is checked against is
the API server's admission (built-in schemas, CRD structural schemas, PodSecurity, RBAC)
and the controllers' reconciliation.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import yaml

from devtools.commands import Command
from devtools.probes import Probe, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, free_port
from tests.k8s.pki import FRONT_PROXY_CLIENT, ClusterPki, Pair, make_pki

BIN = REPO_ROOT / ".runtime" / "k8s-bin"
SERVICE_CIDR = "10.96.0.0/12"
SA_ISSUER = "https://kubernetes.default.svc.cluster.local"
# kubeadm's list: the defaults (NamespaceLifecycle, ServiceAccount, PodSecurity, quotas,
# webhooks, ...) plus NodeRestriction.
ADMISSION_PLUGINS = "NodeRestriction"
READY_TIMEOUT = 120.0
# A request's deadline: generous, since a loaded 2-core machine makes the server slow.
REQUEST_TIMEOUT = 30.0
HPA_SYNC_PERIOD = "2s"
T = TypeVar("T")


@dataclass(frozen=True)
class Ports:
    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int


@dataclass(frozen=True)
class ControlPlane:
    """A started control plane: where it listens and how the tests reach it."""

    url: str
    pki: ClusterPki
    kubeconfig: Path
    group: ProcessGroup

    def client(self) -> httpx.Client:
        """An HTTP client of the API server, authenticated as the tests' admin."""
        return httpx.Client(
            base_url=self.url, verify=_tls(self.pki.ca, self.pki.admin), timeout=REQUEST_TIMEOUT
        )


def _tls(ca: Pair, client: Pair) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca.cert))
    context.load_cert_chain(str(client.cert), str(client.key))
    return context


def write_kubeconfig(path: Path, url: str, ca: Pair, user: str, client: Pair) -> Path:
    """A kubeconfig for `url` as `user` (its client certificate), e.g. for helm."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "test", "cluster": {"server": url, "certificate-authority": str(ca.cert)}}
        ],
        "users": [
            {
                "name": user,
                "user": {"client-certificate": str(client.cert), "client-key": str(client.key)},
            }
        ],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": user}}],
        "current-context": "test",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def etcd(ports: Ports, data_dir: Path) -> Command:
    client, peer = (f"http://127.0.0.1:{p}" for p in (ports.etcd_client, ports.etcd_peer))
    return Command(
        "etcd",
        [
            str(BIN / "etcd"),
            "--name", "default",
            "--data-dir", str(data_dir),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"default={peer}",
            "--log-level", "warn",
        ],
    )  # fmt: skip


def kube_apiserver(ports: Ports, pki: ClusterPki, cert_dir: Path) -> Command:
    return Command(
        "kube-apiserver",
        [
            str(BIN / "kube-apiserver"),
            "--etcd-servers", f"http://127.0.0.1:{ports.etcd_client}",
            "--bind-address", "127.0.0.1",
            "--advertise-address", "127.0.0.1",
            "--secure-port", str(ports.apiserver),
            "--cert-dir", str(cert_dir),
            "--tls-cert-file", str(pki.apiserver.cert),
            "--tls-private-key-file", str(pki.apiserver.key),
            "--client-ca-file", str(pki.ca.cert),
            "--service-account-issuer", SA_ISSUER,
            "--service-account-key-file", str(pki.service_account_pub),
            "--service-account-signing-key-file", str(pki.service_account_key),
            "--service-cluster-ip-range", SERVICE_CIDR,
            "--authorization-mode", "Node,RBAC",
            "--enable-admission-plugins", ADMISSION_PLUGINS,
            "--allow-privileged=true",
            # The `kubernetes` Service's endpoint would be the advertise address, and an
            # Endpoints address may not be loopback: no endpoint reconciler here.
            "--endpoint-reconciler-type", "none",
            "--profiling=false",
            # The aggregation layer (KEDA's external metrics API): kubeadm's flags.
            "--requestheader-client-ca-file", str(pki.ca.cert),
            "--requestheader-allowed-names", FRONT_PROXY_CLIENT,
            "--requestheader-username-headers", "X-Remote-User",
            "--requestheader-group-headers", "X-Remote-Group",
            "--requestheader-extra-headers-prefix", "X-Remote-Extra-",
            "--proxy-client-cert-file", str(pki.front_proxy_client.cert),
            "--proxy-client-key-file", str(pki.front_proxy_client.key),
        ],
    )  # fmt: skip


def kube_controller_manager(
    ports: Ports, pki: ClusterPki, kubeconfig: Path, cert_dir: Path
) -> Command:
    return Command(
        "kube-controller-manager",
        [
            str(BIN / "kube-controller-manager"),
            "--kubeconfig", str(kubeconfig),
            "--authentication-kubeconfig", str(kubeconfig),
            "--authorization-kubeconfig", str(kubeconfig),
            "--bind-address", "127.0.0.1",
            "--secure-port", str(ports.controller_manager),
            "--cert-dir", str(cert_dir),
            "--tls-cert-file", str(pki.controller_manager_serving.cert),
            "--tls-private-key-file", str(pki.controller_manager_serving.key),
            "--client-ca-file", str(pki.ca.cert),
            "--root-ca-file", str(pki.ca.cert),
            "--service-account-private-key-file", str(pki.service_account_key),
            "--cluster-signing-cert-file", str(pki.ca.cert),
            "--cluster-signing-key-file", str(pki.ca.key),
            "--service-cluster-ip-range", SERVICE_CIDR,
            # Each controller acts as its own service account, as kubeadm sets it up.
            "--use-service-account-credentials=true",
            "--controllers", "*,bootstrapsigner,tokencleaner",
            # Tests watch the HPA follow KEDA's metric: seconds, not the 15 s default.
            "--horizontal-pod-autoscaler-sync-period", HPA_SYNC_PERIOD,
        ],
    )  # fmt: skip


def _answers_ok(client: httpx.Client, path: str) -> bool:
    try:
        return client.get(path, timeout=2.0).text == "ok"
    except httpx.HTTPError:
        return False


def start_control_plane(state_dir: Path) -> ControlPlane:
    """Starts etcd, kube-apiserver and kube-controller-manager; returns once all answer ready.

    The caller stops them with `control_plane.group.stop_all()`.
    """
    missing = [
        name
        for name in ("etcd", "kube-apiserver", "kube-controller-manager")
        if not (BIN / name).exists()
    ]
    if missing:
        raise FileNotFoundError(
            f"{BIN} lacks {missing}: run scripts/setup.sh (scripts/k8s-runtime.sh)"
        )
    ports = Ports(free_port(), free_port(), free_port(), free_port())
    pki = make_pki(state_dir / "pki")
    url = f"https://127.0.0.1:{ports.apiserver}"
    admin = write_kubeconfig(state_dir / "admin.kubeconfig", url, pki.ca, "admin", pki.admin)
    kcm_config = write_kubeconfig(
        state_dir / "controller-manager.kubeconfig",
        url,
        pki.ca,
        "system:kube-controller-manager",
        pki.controller_manager,
    )
    group = ProcessGroup(state_dir / "logs", state_dir)
    plane = ControlPlane(url, pki, admin, group)
    try:
        group.start(etcd(ports, state_dir / "etcd"))
        group.start(kube_apiserver(ports, pki, state_dir / "apiserver-certs"))
        with plane.client() as client:
            wait_until(
                Probe(
                    "kube-apiserver /readyz", lambda: _answers_ok(client, "/readyz"), READY_TIMEOUT
                )
            )
        group.start(kube_controller_manager(ports, pki, kcm_config, state_dir / "kcm-certs"))
        kcm = httpx.Client(
            base_url=f"https://127.0.0.1:{ports.controller_manager}",
            verify=_tls(pki.ca, pki.admin),
        )
        with kcm:
            wait_until(
                Probe(
                    "kube-controller-manager /healthz",
                    lambda: _answers_ok(kcm, "/healthz"),
                    READY_TIMEOUT,
                )
            )
    except BaseException:
        group.stop_all()
        raise
    return plane


def wait_for(
    what: str, check: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.25
) -> T:
    """Polls `check()` until it returns something truthy, which it returns (never None)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)

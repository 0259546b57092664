"""A real Kubernetes control plane for the chart's tests (tests/k8s), one per session.

etcd, kube-apiserver and kube-controller-manager (scripts/k8s-runtime.sh builds them) on
free 127.0.0.1 ports, keys and data in an owner-only temporary directory; Dapr's CRDs
(from the pinned github.com/dapr/dapr module) and KEDA's (from the KEDA module that
scripts/k8s-runtime.sh pins, linked at .runtime/keda-crds), as their own charts install them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devtools.owner_only import keep_owner_only
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT
from tests.k8s.api import Api
from tests.k8s.control_plane import ControlPlane, start_control_plane, wait_for
from tests.k8s.injector import Injector, start_injector
from tests.k8s.keda import Keda, start_keda


def pytest_configure(config: pytest.Config) -> None:
    # Here rather than in pyproject.toml, whose every change reinstalls the environment.
    config.addinivalue_line(
        "markers", "k8s: starts a real Kubernetes control plane (etcd, kube-apiserver); runs in CI"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.k8s)


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    state_dir = tmp_path_factory.mktemp("k8s")
    keep_owner_only(state_dir)
    plane = start_control_plane(state_dir)
    with plane.group:
        yield plane


@pytest.fixture(scope="session")
def api(control_plane: ControlPlane) -> Iterator[Api]:
    with control_plane.client() as client:
        yield Api(client)


def dapr_crds_dir() -> Path:
    """charts/dapr/crds of the github.com/dapr/dapr release dapr_runtime/ pins."""
    found = subprocess.run(
        ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/dapr/dapr"],
        cwd=REPO_ROOT / "dapr_runtime",
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip()) / "charts" / "dapr" / "crds"


def established(api: Api, name: str) -> bool:
    crd = api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name) or {}
    conditions = crd.get("status", {}).get("conditions") or []  # null until first set
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


KEDA_CRDS = REPO_ROOT / ".runtime" / "keda-crds"


@pytest.fixture(scope="session")
def crds(api: Api) -> list[str]:
    """Names of Dapr's and KEDA's CRDs, created and established."""
    if not KEDA_CRDS.is_dir():
        pytest.fail(f"{KEDA_CRDS} is missing: run scripts/setup.sh (scripts/k8s-runtime.sh)")
    names = []
    for path in [*sorted(dapr_crds_dir().glob("*.yaml")), *sorted(KEDA_CRDS.glob("*.yaml"))]:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                api.create(doc)
                names.append(doc["metadata"]["name"])
    for name in names:
        wait_for(f"CRD {name} established", lambda name=name: established(api, name))
    return names


@pytest.fixture(scope="session")
def injector(
    control_plane: ControlPlane,
    api: Api,
    crds: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Injector]:
    """Dapr's sidecar injector (and its Sentry) serving the control plane's pod webhook."""
    state_dir = tmp_path_factory.mktemp("dapr-control-plane")
    keep_owner_only(state_dir)
    group = ProcessGroup(state_dir / "logs", state_dir)
    with group:
        yield start_injector(control_plane, api, state_dir, group)


@pytest.fixture(scope="session")
def keda(
    control_plane: ControlPlane, api: Api, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keda]:
    """KEDA's operator and metrics server, the external metrics APIService Available."""
    state_dir = tmp_path_factory.mktemp("keda")
    keep_owner_only(state_dir)
    started = start_keda(control_plane, api, state_dir)
    with started.group:
        yield started

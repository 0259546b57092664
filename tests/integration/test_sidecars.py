"""Each sidecar runs the pinned release, loads its components, and gates readiness."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest

from devtools.topology import DAPR_BIN_DIR, REPO_ROOT
from tests.conftest import RunningSystem
from tests.unit.components.test_components import documents

pytestmark = pytest.mark.integration

PACKAGES = ["webapp", "sync_worker", "bindings_worker"]


def pinned_version() -> str:
    go_mod = (REPO_ROOT / "dapr_runtime" / "go.mod").read_text()
    match = re.search(r"^\s*github\.com/dapr/dapr v(\S+)$", go_mod, re.MULTILINE)
    assert match
    return match.group(1)


def components_scoped_to(app_id: str, broker: str) -> set[tuple[str, str]]:
    return {
        (doc["metadata"]["name"], doc["spec"]["type"])
        for doc in documents("Component", broker)
        if app_id in doc.get("scopes", [app_id])
    }


def test_daprd_prints_the_pinned_version() -> None:
    result = subprocess.run(
        [DAPR_BIN_DIR / "daprd", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == pinned_version()


def token(system: RunningSystem) -> dict[str, str]:
    return {"dapr-api-token": system.dapr_api_token}


@pytest.mark.parametrize("package", PACKAGES)
def test_metadata_lists_every_component_of_the_app(system: RunningSystem, package: str) -> None:
    service = system.service(package)
    metadata = httpx.get(f"{service.sidecar_url}/v1.0/metadata", headers=token(system)).json()
    assert metadata["id"] == service.app_id
    assert metadata["runtimeVersion"] == pinned_version()
    loaded = {(c["name"], c["type"]) for c in metadata["components"]}
    assert loaded == components_scoped_to(service.app_id, system.topology.broker)


def test_sync_worker_sidecar_has_the_declarative_subscriptions(system: RunningSystem) -> None:
    url = f"{system.service('sync_worker').sidecar_url}/v1.0/metadata"
    metadata = httpx.get(url, headers=token(system)).json()
    routes = {(s["topic"], s["rules"][0]["path"]) for s in metadata["subscriptions"]}
    assert routes == {
        ("task-events", "/events/task-events"),
        ("task-events-live", "/events/task-events-live"),
        ("task-events-dead", "/events/task-events-dead"),
        ("user-events", "/events/user-events"),
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_app_is_ready_when_its_sidecar_is(system: RunningSystem, package: str) -> None:
    response = httpx.get(f"{system.service(package).app_url}/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "reason": "sidecar ready"}


@pytest.mark.parametrize("package", PACKAGES)
def test_app_logs_are_json_lines(system: RunningSystem, package: str) -> None:
    import json

    lines = system.app_process(package).lines
    assert lines, "the app logged nothing"
    for line in lines:
        record = json.loads(line)
        assert record["app_id"] == system.service(package).app_id
        assert {"timestamp", "level", "message"} <= set(record)

"""Service invocation is allowed for exactly the calls the code makes, in the cluster as locally.

helm/dapr-todo/files/access-control.yaml is the one list; the chart renders it into one
Configuration per app and devtools/dapr_config.py into each local sidecar's copy. These
tests prove the two renderings equal, and that each listed call reaches a real route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.urls import resolve

from common import dapr_names
from common.dapr.guards import is_sidecar_only
from devtools import access_control, sentry
from devtools.dapr_config import sidecar_config
from devtools.topology import COMPONENTS_DIR, SERVICE_PACKAGES, free_topology
from tests.unit.helm.test_chart import DEFAULT, NAMESPACE, deployments, of_kind

WEBAPP, SYNC, BINDINGS = (
    dapr_names.WEBAPP_APP_ID,
    dapr_names.SYNC_WORKER_APP_ID,
    dapr_names.BINDINGS_WORKER_APP_ID,
)
PACKAGES = {app_id: package for package, app_id in SERVICE_PACKAGES.items()}
# (callee, caller, verb, path): what the code invokes (webapp/bindings_worker_client.py,
# webapp/ops/services.py, sync_worker/sessions.py, bindings_worker/preferences.py).
CODE_CALLS = {
    (BINDINGS, WEBAPP, "POST", "/api/preferences-changed"),
    (BINDINGS, WEBAPP, "POST", "/api/test-email"),
    (BINDINGS, WEBAPP, "POST", "/api/email-verification"),
    (BINDINGS, WEBAPP, "GET", "/api/reminders"),
    (BINDINGS, WEBAPP, "GET", "/ops/metadata"),
    (SYNC, WEBAPP, "GET", "/ops/metadata"),
    (SYNC, WEBAPP, "POST", "/sessions/signed-out"),
    (WEBAPP, SYNC, "POST", "/internal/session-user"),
    (WEBAPP, BINDINGS, "GET", "/internal/preferences"),
}


def chart_configurations() -> dict[str, dict[str, Any]]:
    """The chart's Configurations by the app-id whose sidecars load them."""
    by_name = {doc["metadata"]["name"]: doc for doc in of_kind(DEFAULT, "Configuration")}
    return {
        app_id: by_name[doc["spec"]["template"]["metadata"]["annotations"]["dapr.io/config"]]
        for app_id, doc in deployments(DEFAULT).items()
    }


def local_access_control(app_id: str, tmp_path: Path) -> dict[str, Any]:
    written = sidecar_config(free_topology(tmp_path), "1", app_id).read_text()
    control: dict[str, Any] = yaml.safe_load(written)["spec"]["accessControl"]
    return control


def allowed(control: dict[str, Any], callee: str) -> set[tuple[str, str, str, str]]:
    return {
        (callee, policy["appId"], verb, operation["name"])
        for policy in control["policies"]
        for operation in policy["operations"]
        if operation["action"] == "allow"
        for verb in operation["httpVerb"]
    }


def without_place(control: dict[str, Any]) -> dict[str, Any]:
    """`control` without its trust domain and namespace (the cluster's differ)."""
    strip = {"trustDomain", "namespace"}
    return {
        "defaultAction": control["defaultAction"],
        "policies": sorted(
            (
                {
                    **{k: v for k, v in policy.items() if k not in strip | {"operations"}},
                    "operations": sorted(policy["operations"], key=lambda op: op["name"]),
                }
                for policy in control["policies"]
            ),
            key=lambda policy: policy["appId"],
        ),
    }


def test_each_app_has_its_own_configuration() -> None:
    configurations = chart_configurations()
    assert set(configurations) == {WEBAPP, SYNC, BINDINGS}
    names = {config["metadata"]["name"] for config in configurations.values()}
    assert len(names) == 3


@pytest.mark.parametrize("app_id", [WEBAPP, SYNC, BINDINGS])
def test_the_chart_allows_what_each_local_sidecar_allows(app_id: str, tmp_path: Path) -> None:
    chart = chart_configurations()[app_id]["spec"]["accessControl"]
    local = local_access_control(app_id, tmp_path)
    assert without_place(chart) == without_place(local)


@pytest.mark.parametrize("app_id", [WEBAPP, SYNC, BINDINGS])
def test_everything_else_is_denied_for_callers_of_this_namespace(
    app_id: str, tmp_path: Path
) -> None:
    for control, trust_domain, namespace in (
        (chart_configurations()[app_id]["spec"]["accessControl"], "public", NAMESPACE),
        (local_access_control(app_id, tmp_path), sentry.APP_TRUST_DOMAIN, sentry.NAMESPACE),
    ):
        assert (control["defaultAction"], control["trustDomain"]) == ("deny", trust_domain)
        for policy in control["policies"]:
            assert policy["defaultAction"] == "deny"
            assert (policy["trustDomain"], policy["namespace"]) == (trust_domain, namespace)


def test_the_allowed_calls_are_exactly_those_the_code_makes(tmp_path: Path) -> None:
    chart = chart_configurations()
    for calls in (
        set().union(*(allowed(chart[app]["spec"]["accessControl"], app) for app in chart)),
        set().union(*(allowed(local_access_control(app, tmp_path), app) for app in chart)),
    ):
        assert calls == CODE_CALLS


def test_the_local_sidecars_name_callers_as_sentry_certifies_them() -> None:
    spec = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())["spec"]
    assert spec["accessControl"]["trustDomain"] == sentry.APP_TRUST_DOMAIN
    # Policies come only from the list, per sidecar.
    assert spec["accessControl"]["policies"] == []


def test_each_allowed_call_reaches_a_sidecar_only_route_of_its_callee() -> None:
    for callee, callers in access_control.allowed_calls().items():
        for paths in callers.values():
            for path in paths:
                match = resolve(path, urlconf=f"{PACKAGES[callee]}.urls")
                assert is_sidecar_only(match.func), (callee, path)

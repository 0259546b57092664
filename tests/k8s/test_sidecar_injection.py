"""The chart's pods as Dapr's own sidecar injector makes them: the Pods the controller
manager creates for the chart's Deployments pass through the injector's webhook
(tests/k8s/injector.py) and come out with the daprd container their annotations ask for.

The release goes into its own namespace (restricted Pod Security Standard, as in
test_chart_admission.py), so the injected sidecar must pass that standard too.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.k8s.api import Api, checked
from tests.k8s.control_plane import ControlPlane, wait_for
from tests.k8s.injector import NAMESPACE as CONTROL_NAMESPACE
from tests.k8s.injector import SIDECAR_IMAGE, Injector
from tests.k8s.test_chart_admission import install_without_hooks, owned_by

RELEASE = "inj"
APPS = "inj"


def daprd_flags(pod: dict[str, Any]) -> dict[str, str]:
    """The injected daprd's command-line flags, `--flag value` as {flag: value} ("" for a
    switch): what the operator guide quotes."""
    args = sidecar(pod)["args"]
    flags: dict[str, str] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            following = args[i + 1] if i + 1 < len(args) else "--"
            flags[arg] = "" if following.startswith("--") else following
    return flags


def sidecar(pod: dict[str, Any]) -> dict[str, Any]:
    (daprd,) = [c for c in pod["spec"]["containers"] if c["name"] == "daprd"]
    return daprd


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


@pytest.fixture(scope="module")
def deployments(
    control_plane: ControlPlane,
    api: Api,
    injector: Injector,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[dict[str, Any]]:
    """The chart installed (VALUES) after the injector's webhook; its Deployments."""
    install_without_hooks(control_plane, api, tmp_path_factory.mktemp("secrets"), RELEASE, APPS)
    found = api.list("apps/v1", "Deployment", APPS)
    assert len(found) == 3
    return found


def pods_of(api: Api, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The Deployment's pods, once its ReplicaSet has created all of them."""
    sets = owned_by(api.list("apps/v1", "ReplicaSet", APPS), deployment)
    if len(sets) != 1:
        return []
    pods = owned_by(api.list("v1", "Pod", APPS), sets[0])
    return pods if len(pods) == deployment["spec"]["replicas"] else []


def test_each_deployments_pods_get_daprd_as_their_annotations_say(
    api: Api, injector: Injector, deployments: list[dict[str, Any]]
) -> None:
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        wanted = deployment["spec"]["template"]["metadata"]["annotations"]
        pods = wait_for(f"{name}'s pods", lambda d=deployment: pods_of(api, d))
        for pod in pods:
            daprd = sidecar(pod)
            flags = daprd_flags(pod)
            print(f"{name}: daprd {' '.join(daprd['args'])}")  # for the notes: pytest -s
            app_id = wanted["dapr.io/app-id"]
            assert daprd["image"] == SIDECAR_IMAGE
            assert flags["--mode"] == "kubernetes"
            assert flags["--app-id"] == app_id
            assert flags["--app-port"] == wanted["dapr.io/app-port"]
            assert flags["--config"] == wanted["dapr.io/config"] == f"daprconfig-{app_id}"
            assert flags["--dapr-graceful-shutdown-seconds"] == "20"  # values.yaml
            assert flags["--metrics-port"] == wanted["dapr.io/metrics-port"] == "9090"
            assert "--enable-metrics" in flags
            assert "--enable-mtls" in flags
            assert "--log-as-json" in flags
            assert "--disable-builtin-k8s-secret-store" in flags
            assert flags["--app-health-check-path"] == "/healthz"
            sentry_svc = f"dapr-sentry.{CONTROL_NAMESPACE}.svc.cluster.local:443"
            assert flags["--sentry-address"] == sentry_svc
            env = env_of(daprd)
            assert env["DAPR_TRUST_ANCHORS"]["value"] == injector.trust_anchors
            for variable, secret in (
                ("DAPR_API_TOKEN", "dapr-todo-api-token"),
                ("APP_API_TOKEN", "dapr-todo-app-token"),
            ):
                assert env[variable]["valueFrom"]["secretKeyRef"] == {
                    "name": secret,
                    "key": "token",
                }
            assert daprd["resources"] == {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "1", "memory": "256Mi"},
            }
            ports = {port["name"]: port["containerPort"] for port in daprd["ports"]}
            assert ports["dapr-metrics"] == 9090
            assert daprd["securityContext"]["runAsNonRoot"] is True
            assert daprd["securityContext"]["allowPrivilegeEscalation"] is False


def plain_pod(annotations: dict[str, str]) -> dict[str, Any]:
    """A pod that passes the restricted standard, with `annotations`."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": "plain-", "annotations": annotations},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                    },
                }
            ],
        },
    }


def test_a_pod_without_dapr_enabled_is_left_alone(
    api: Api, deployments: list[dict[str, Any]]
) -> None:
    pod = api.create(plain_pod({"dapr.io/app-id": "plain"}), APPS, dry_run=True)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["app"]


def created_as(api: Api, user: str, pod: dict[str, Any]) -> dict[str, Any]:
    """`pod` created (dry run) by `user`, who may edit the namespace (RBAC `edit`)."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": f"{user}-edits"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }
    if api.get(binding["apiVersion"], "RoleBinding", binding["metadata"]["name"], APPS) is None:
        api.create(binding, APPS)
    reply = api.client.post(
        api.resource("v1", "Pod").path(APPS),
        json=pod,
        params={"dryRun": "All"},
        headers={"Impersonate-User": user},
    )
    return checked(reply)


def test_only_controllers_and_cluster_admins_get_pods_injected(
    api: Api, deployments: list[dict[str, Any]]
) -> None:
    enabled = plain_pod({"dapr.io/enabled": "true", "dapr.io/app-id": "x"})
    # The injector patches pods that an allowed controller's service account or a
    # system:masters user creates (pkg/injector/service/handler.go isAuthorizedUser).
    by_admin = api.create(enabled, APPS, dry_run=True)
    assert [c["name"] for c in by_admin["spec"]["containers"]] == ["app", "daprd"]
    by_developer = created_as(api, "developer", enabled)
    assert [c["name"] for c in by_developer["spec"]["containers"]] == ["app"]

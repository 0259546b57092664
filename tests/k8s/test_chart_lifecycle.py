"""A release's life on a real API server: install and upgrade with the migration hook first,
a new image rolling a new ReplicaSet, rollback to the old one, uninstall leaving nothing.

No kubelet runs, so no Job completes by itself and helm would wait forever on the hook. The
test plays the kubelet for that one pod: once helm has created the hook Job (and before it
would touch anything else), the Job's pod is reported Succeeded through its status
subresource, exactly what a kubelet reports when the migration exits 0. The Job controller
then completes the Job and helm goes on.

The tests run in file order, each on the state the one before left: install, upgrade,
rollback, uninstall.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest

from tests.k8s.api import Api
from tests.k8s.control_plane import ControlPlane, wait_for
from tests.k8s.test_chart_admission import (
    BROKER_NAMESPACES,
    VALUES,
    broker_namespaces,
    chart_secrets,
    namespace,
    owned_by,
    pods_of,
    run_helm,
)
from tests.unit.helm.test_chart import CHART, HELM, rendered, set_args

RELEASE = "lifecycle"
NAMESPACE = "lifecycle"
MIGRATE_JOB = f"{RELEASE}-migrate"
INSTANCE = f"app.kubernetes.io/instance={RELEASE}"
OLD_TAG, NEW_TAG = "0.1.0", "0.1.1"
HELM_TIMEOUT = 180.0


def deployments(api: Api) -> list[dict[str, Any]]:
    return api.list("apps/v1", "Deployment", NAMESPACE, INSTANCE)


def images(api: Api) -> set[str]:
    """The app container images of the release's Deployments."""
    return {
        container["image"]
        for deployment in deployments(api)
        for container in deployment["spec"]["template"]["spec"]["containers"]
    }


def tags(api: Api) -> set[str]:
    return {image.rsplit(":", 1)[1] for image in images(api)}


def hook_job(api: Api, seen: set[str]) -> dict[str, Any] | None:
    """The migration Job helm created in this run (not one it created before)."""
    job = api.get("batch/v1", "Job", MIGRATE_JOB, NAMESPACE)
    return job if job is not None and job["metadata"]["uid"] not in seen else None


def helm_with_hook(
    control_plane: ControlPlane,
    api: Api,
    args: list[str],
    seen: set[str],
    when_hook_runs: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Runs helm `args`, which must run the migration hook; when the hook's pod exists it calls
    `when_hook_runs(job)`, then reports the pod Succeeded as its kubelet would, and waits for
    helm to finish. Returns the Job."""
    helm = subprocess.Popen(
        [str(HELM), "--kubeconfig", str(control_plane.kubeconfig), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        job = wait_for("helm's migration hook Job", lambda: hook_job(api, seen))
        seen.add(job["metadata"]["uid"])
        (pod,) = wait_for("the hook Job's pod", lambda: pods_of(api, job, 1))
        when_hook_runs(job)
        api.patch_status("v1", "Pod", pod["metadata"]["name"], NAMESPACE, {"phase": "Succeeded"})
        stdout, stderr = helm.communicate(timeout=HELM_TIMEOUT)
    finally:
        helm.kill()
        helm.wait()
    assert helm.returncode == 0, f"helm {args[0]} failed:\n{stdout}{stderr}"
    return job


def replica_sets(api: Api, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return owned_by(api.list("apps/v1", "ReplicaSet", NAMESPACE), deployment)


def revision(replica_set: dict[str, Any]) -> str:
    return str(replica_set["metadata"]["annotations"]["deployment.kubernetes.io/revision"])


def image_of(replica_set: dict[str, Any]) -> str:
    return str(replica_set["spec"]["template"]["spec"]["containers"][0]["image"])


def new_pods(api: Api, replica_set: dict[str, Any]) -> list[dict[str, Any]]:
    return owned_by(api.list("v1", "Pod", NAMESPACE), replica_set)


def current_replica_set(api: Api, name: str) -> dict[str, Any] | None:
    """The ReplicaSet the Deployment `name` now rolls to, once the controller has caught up
    with the Deployment's latest template."""
    deployment = api.get("apps/v1", "Deployment", name, NAMESPACE)
    assert deployment is not None
    if (
        deployment.get("status", {}).get("observedGeneration")
        != deployment["metadata"]["generation"]
    ):
        return None
    want = deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    found = [rs for rs in replica_sets(api, deployment) if revision(rs) == want]
    return found[0] if found else None


@dataclass
class Release:
    """What the tests know of the release: the operator's Secrets, the hook Jobs seen."""

    secret_names: set[str]
    hooks_seen: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def release(
    control_plane: ControlPlane,
    api: Api,
    crds: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Release:
    """The release's namespace with the Secrets the operator creates before installing."""
    api.create(namespace(NAMESPACE, "restricted"))
    broker_namespaces(api)
    secrets = chart_secrets(tmp_path_factory.mktemp("lifecycle-secrets"))
    for doc in secrets:
        api.create(doc, NAMESPACE)
    return Release({doc["metadata"]["name"] for doc in secrets})


def chart(*extra: str) -> list[str]:
    return [RELEASE, str(CHART), "--namespace", NAMESPACE, *set_args(VALUES), *extra]


def test_install_runs_the_migration_before_anything_else(
    control_plane: ControlPlane, api: Api, release: Release
) -> None:
    def nothing_else_yet(job: dict[str, Any]) -> None:
        assert deployments(api) == []  # pre-install: the hook runs before the release's objects

    job = helm_with_hook(
        control_plane, api, ["install", *chart()], release.hooks_seen, nothing_else_yet
    )
    assert job["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{OLD_TAG}")
    # hook-succeeded: helm deletes the Job once it has completed.
    wait_for("the hook Job deleted", lambda: hook_job(api, set()) is None)
    assert tags(api) == {OLD_TAG}
    for deployment in deployments(api):
        name = deployment["metadata"]["name"]
        first = wait_for(f"{name}'s ReplicaSet", partial(current_replica_set, api, name))
        assert revision(first) == "1"


def test_upgrade_migrates_first_then_rolls_a_new_replica_set(
    control_plane: ControlPlane, api: Api, release: Release
) -> None:
    def still_old(job: dict[str, Any]) -> None:
        # pre-upgrade: the new code migrates the database while the old pods still serve.
        assert job["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{NEW_TAG}")
        assert tags(api) == {OLD_TAG}

    args = ["upgrade", *chart("--set", f"image.tag={NEW_TAG}")]
    helm_with_hook(control_plane, api, args, release.hooks_seen, still_old)
    assert tags(api) == {NEW_TAG}
    for deployment in deployments(api):
        name = deployment["metadata"]["name"]
        new = wait_for(f"{name}'s new ReplicaSet", partial(current_replica_set, api, name))
        assert revision(new) == "2"
        assert image_of(new).endswith(f":{NEW_TAG}")
        wait_for(f"{name}'s new pods", partial(new_pods, api, new))
        old = [
            rs
            for rs in replica_sets(api, deployment)
            if rs["metadata"]["uid"] != new["metadata"]["uid"]
        ]
        assert [image_of(rs).rsplit(":", 1)[1] for rs in old] == [OLD_TAG]


def test_rollback_returns_to_the_first_replica_set(
    control_plane: ControlPlane, api: Api, release: Release
) -> None:
    done = run_helm(control_plane, "rollback", RELEASE, "1", "--namespace", NAMESPACE)
    assert done.returncode == 0, f"helm rollback failed:\n{done.stdout}{done.stderr}"
    assert hook_job(api, release.hooks_seen) is None  # the hook is not a pre-rollback one
    assert tags(api) == {OLD_TAG}
    for deployment in deployments(api):
        name = deployment["metadata"]["name"]
        back = wait_for(f"{name} rolled back", partial(current_replica_set, api, name))
        # The Deployment controller reuses the ReplicaSet of the same template: no third one.
        assert revision(back) == "3"
        assert image_of(back).endswith(f":{OLD_TAG}")
        assert len(replica_sets(api, deployment)) == 2
    history = run_helm(control_plane, "history", RELEASE, "--namespace", NAMESPACE)
    assert "Rollback to 1" in history.stdout, history.stdout


def leftovers(api: Api) -> list[tuple[str, str]]:
    """Every object of the release still on the server, as (kind, name)."""
    kinds = {(doc["apiVersion"], doc["kind"]) for doc in rendered(VALUES)}
    kinds |= {("v1", "Pod"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job")}
    kinds |= {("autoscaling/v2", "HorizontalPodAutoscaler")}  # KEDA's, if it runs
    found = []
    for place in (NAMESPACE, *BROKER_NAMESPACES):
        for api_version, kind in sorted(kinds):
            resource = api.resource(api_version, kind)
            where = place if resource.namespaced else None
            found += [
                (kind, item["metadata"]["name"])
                for item in api.list(api_version, kind, where, INSTANCE)
            ]
    releases = api.list("v1", "Secret", NAMESPACE, f"owner=helm,name={RELEASE}")
    return found + [("Secret", item["metadata"]["name"]) for item in releases]


def test_uninstall_leaves_nothing_of_the_release(
    control_plane: ControlPlane, api: Api, release: Release
) -> None:
    assert leftovers(api)  # the control: the release is there
    done = run_helm(control_plane, "uninstall", RELEASE, "--namespace", NAMESPACE)
    assert done.returncode == 0, f"helm uninstall failed:\n{done.stdout}{done.stderr}"
    # The garbage collector removes ReplicaSets and Pods after their Deployments.
    wait_for("nothing of the release left", lambda: not leftovers(api))
    # What the operator created before installing is the operator's to keep.
    assert release.secret_names <= {
        item["metadata"]["name"] for item in api.list("v1", "Secret", NAMESPACE)
    }

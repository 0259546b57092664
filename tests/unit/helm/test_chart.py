"""helm/dapr-todo renders what the cluster needs, in step with components/.

Runs the pinned helm (scripts/helm.sh, installed by scripts/setup.sh) and reads what
`helm template` prints.
"""

from __future__ import annotations

import functools
import subprocess
from typing import Any

import pytest
import yaml

from common import dapr_names
from devtools import brokers
from devtools.topology import COMPONENTS_DIR
from devtools.topology import REPO_ROOT as REPO
from tests.unit.components.test_components import documents

CHART = REPO / "helm" / "dapr-todo"
HELM = REPO / ".runtime" / "helm"
NAMESPACE = "todo"
RELEASE = "todo"
HOST = "todo.example.org"

DEFAULT: tuple[str, ...] = ()
EVERYTHING = (
    "keda.enabled=true",
    "keda.scaledObjects.bindingsWorker.enabled=true",
    "ingress.enabled=true",
    "ingress.tlsSecretName=todo-tls",
    f"host={HOST}",
    "dapr.tracing.otlpEndpoint=otel-collector.observability:4317",
    "networkPolicy.enabled=true",
    "networkPolicy.redis.enabled=true",
    "networkPolicy.rabbitmq.enabled=true",
)
# What each broker takes on top of the chart's defaults (pubsub.broker; the default is
# devtools.brokers.DEFAULT, test_the_chart_defaults_to_the_local_broker).
ON_BROKER: dict[str, tuple[str, ...]] = {
    broker: () if broker == brokers.DEFAULT else (f"pubsub.broker={broker}",)
    for broker in brokers.BROKERS
}
VARIANTS = pytest.mark.parametrize(
    "sets",
    [DEFAULT, EVERYTHING, *((*EVERYTHING, *ON_BROKER[b]) for b in brokers.BROKERS)],
    ids=["default", "everything", *(f"everything-{b}" for b in brokers.BROKERS)],
)
# The KEDA scaler of each broker's triggers (templates/keda.yaml).
KEDA_SCALER = {"rabbitmq": "rabbitmq", "redis": "redis-streams"}
# Not `broker`: tests/conftest.py parametrizes that name (the running system's broker).
EACH_BROKER = pytest.mark.parametrize("chart_broker", brokers.BROKERS)

APP_IDS = {
    "webapp": dapr_names.WEBAPP_APP_ID,
    "sync_worker": dapr_names.SYNC_WORKER_APP_ID,
    "bindings_worker": dapr_names.BINDINGS_WORKER_APP_ID,
}
LOCAL_ONLY_TYPES = {"secretstores.local.file": "secretstores.kubernetes"}
STANDARD_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
}
SIDECAR_ANNOTATIONS = {
    "dapr.io/enabled",
    "dapr.io/app-id",
    "dapr.io/app-port",
    "dapr.io/config",
    "dapr.io/log-as-json",
    "dapr.io/enable-metrics",
    "dapr.io/metrics-port",
    "dapr.io/sidecar-cpu-request",
    "dapr.io/sidecar-memory-request",
    "dapr.io/sidecar-cpu-limit",
    "dapr.io/sidecar-memory-limit",
    "dapr.io/graceful-shutdown-seconds",
    "dapr.io/api-token-secret",
    "dapr.io/app-token-secret",
    "dapr.io/enable-app-health-check",
}


def helm(*args: str) -> str:
    if not HELM.exists():
        pytest.fail(f"{HELM} is missing: run scripts/setup.sh (it builds the pinned helm)")
    done = subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def set_args(sets: tuple[str, ...]) -> list[str]:
    return [arg for item in sets for arg in ("--set", item)]


@functools.cache
def rendered(
    sets: tuple[str, ...], release: str = RELEASE, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    out = helm("template", release, str(CHART), "--namespace", namespace, *set_args(sets))
    return [doc for doc in yaml.safe_load_all(out) if doc]


def of_kind(sets: tuple[str, ...], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in rendered(sets) if doc["kind"] == kind]


def by_name(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs}


def local(kind: str, broker: str = brokers.DEFAULT) -> list[dict[str, Any]]:
    """What the local sidecars load on `broker` (the chart's pubsub.broker of the same name)."""
    return documents(kind, broker)


def chart_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


def failed_render(*sets: str) -> str:
    """helm template's error output for values it must refuse."""
    done = subprocess.run(
        [str(HELM), "template", RELEASE, str(CHART), *set_args(sets)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0, f"rendered with {sets}"
    return done.stderr


def deployments(sets: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Deployments by the Dapr app-id of their pods."""
    return {
        doc["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]: doc
        for doc in of_kind(sets, "Deployment")
    }


def app_container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container["env"]}


@VARIANTS
def test_helm_lint_passes(sets: tuple[str, ...]) -> None:
    out = helm("lint", "--strict", str(CHART), *set_args(sets))
    assert "0 chart(s) failed" in out


@VARIANTS
def test_every_object_has_the_standard_labels(sets: tuple[str, ...]) -> None:
    for doc in rendered(sets):
        labels = doc["metadata"].get("labels", {})
        missing = STANDARD_LABELS - set(labels)
        assert not missing, f"{doc['kind']} {doc['metadata']['name']} lacks {missing}"
        assert labels["app.kubernetes.io/instance"] == RELEASE


def test_pod_templates_carry_the_standard_labels() -> None:
    for doc in of_kind(EVERYTHING, "Deployment") + of_kind(EVERYTHING, "Job"):
        assert set(doc["spec"]["template"]["metadata"]["labels"]) >= STANDARD_LABELS


@EACH_BROKER
def test_component_names_match_components_dir(chart_broker: str) -> None:
    chart = by_name(of_kind(ON_BROKER[chart_broker], "Component"))
    ours = by_name(local("Component", chart_broker))
    assert set(chart) == set(ours)
    for name, doc in ours.items():
        local_type = doc["spec"]["type"]
        assert chart[name]["spec"]["type"] == LOCAL_ONLY_TYPES.get(local_type, local_type)


@EACH_BROKER
def test_component_scopes_match_components_dir(chart_broker: str) -> None:
    ours = by_name(local("Component", chart_broker))
    for name, doc in by_name(of_kind(ON_BROKER[chart_broker], "Component")).items():
        assert doc["scopes"], f"{name} has no scopes"
        assert set(doc["scopes"]) <= set(APP_IDS.values())
        assert sorted(doc["scopes"]) == sorted(ours[name]["scopes"]), name


@EACH_BROKER
def test_component_settings_match_components_dir(chart_broker: str) -> None:
    """Plain values (timeouts, outbox, stream bound) are the same as in the local files."""
    ours = by_name(local("Component", chart_broker))
    for name, doc in by_name(of_kind(ON_BROKER[chart_broker], "Component")).items():
        if ours[name]["spec"]["type"] in LOCAL_ONLY_TYPES:
            continue
        chart_items = {item["name"]: item for item in doc["spec"]["metadata"]}
        for item in ours[name]["spec"]["metadata"]:
            if "value" in item and item["name"] not in {"skipTLSVerify", "emailFrom", "schedule"}:
                assert chart_items[item["name"]].get("value") == item["value"], (name, item)
            if "secretKeyRef" in item:
                assert "secretKeyRef" in chart_items[item["name"]], (name, item["name"])


# RabbitMQ's user name is a setting (rabbitmq.username), inline as in the local component;
# its password is the secret.
NOT_SECRET = {(dapr_names.PUBSUB, "username")}


@EACH_BROKER
def test_component_secrets_come_through_the_kubernetes_secret_store(chart_broker: str) -> None:
    for doc in of_kind(ON_BROKER[chart_broker], "Component"):
        refs = [item for item in doc["spec"]["metadata"] if "secretKeyRef" in item]
        if refs:
            assert doc["auth"]["secretStore"] == dapr_names.SECRET_STORE
        for item in refs:
            assert item["secretKeyRef"]["name"] == "dapr-todo"
            assert "value" not in item
        for item in doc["spec"]["metadata"]:
            if (doc["metadata"]["name"], item["name"]) in NOT_SECRET:
                continue
            if any(word in item["name"].lower() for word in ("password", "user", "token")):
                assert "secretKeyRef" in item, f"{doc['metadata']['name']}: {item['name']} inline"


def test_the_chart_defaults_to_the_local_broker() -> None:
    assert chart_values()["pubsub"]["broker"] == brokers.DEFAULT
    pubsub = by_name(of_kind(DEFAULT, "Component"))[dapr_names.PUBSUB]
    ours = by_name(local("Component"))[dapr_names.PUBSUB]
    assert pubsub["spec"]["type"] == ours["spec"]["type"] == f"pubsub.{brokers.DEFAULT}"


# Where the local components read a host from the environment, the chart from values.
HOST_FROM_VALUES = {"RABBITMQ_HOST": ("rabbitmq", "host"), "REDIS_HOST": ("redis", "host")}
# The chart's own settings for the cluster (Redis over TLS).
CHART_ONLY_SETTINGS = {"redis": {"enableTLS"}, "rabbitmq": set()}


@EACH_BROKER
def test_pubsub_component_is_the_local_brokers(chart_broker: str) -> None:
    """Type and metadata of `pubsub` as in components/brokers/<broker>/, setting by setting:
    the same plain values, the same secret keys, hosts from values; outbox-pubsub stays on
    Redis."""
    chart = by_name(of_kind(ON_BROKER[chart_broker], "Component"))
    ours = by_name(local("Component", chart_broker))
    pubsub, mine = chart[dapr_names.PUBSUB], ours[dapr_names.PUBSUB]
    assert pubsub["spec"]["type"] == mine["spec"]["type"] == f"pubsub.{chart_broker}"
    assert pubsub["spec"]["version"] == mine["spec"]["version"]
    assert pubsub["auth"] == mine["auth"]
    items = {item["name"]: item for item in pubsub["spec"]["metadata"]}
    wanted = {item["name"]: item for item in mine["spec"]["metadata"]}
    assert set(items) - set(wanted) == CHART_ONLY_SETTINGS[chart_broker]
    assert set(wanted) <= set(items)
    values = chart_values()
    for name, item in wanted.items():
        if "value" in item:
            assert items[name] == item, name
        elif "secretKeyRef" in item:
            assert items[name]["secretKeyRef"]["key"] == item["secretKeyRef"]["key"], name
        else:
            section, key = HOST_FROM_VALUES[item["envRef"]]
            assert items[name] == {"name": name, "value": values[section][key]}, name
    assert chart[dapr_names.OUTBOX_PUBSUB]["spec"]["type"] == "pubsub.redis"


def test_pubsub_broker_is_checked() -> None:
    assert 'pubsub.broker must be rabbitmq or redis, not "kafka"' in failed_render(
        "pubsub.broker=kafka"
    )


@VARIANTS
def test_no_secret_values_in_the_manifests(sets: tuple[str, ...]) -> None:
    assert not of_kind(sets, "Secret")
    for doc in of_kind(sets, "Deployment") + of_kind(sets, "Job"):
        for container in doc["spec"]["template"]["spec"]["containers"]:
            assert "envFrom" not in container
            for name, item in env_of(container).items():
                if any(word in name for word in ("SECRET", "PASSWORD", "TOKEN", "DATABASE_URL")):
                    assert "secretKeyRef" in item["valueFrom"], name


def test_channel_layer_url_takes_the_password_from_the_secret() -> None:
    env = env_of(app_container(deployments(DEFAULT)["sync-worker"]))
    names = list(env)
    assert env["CHANNEL_REDIS_URL"]["value"].startswith("redis://:$(REDIS_PASSWORD)@")
    assert names.index("REDIS_PASSWORD") < names.index("CHANNEL_REDIS_URL")


@EACH_BROKER
def test_pubsub_scopes_who_publishes_and_subscribes_what(chart_broker: str) -> None:
    pubsub = by_name(of_kind(ON_BROKER[chart_broker], "Component"))[dapr_names.PUBSUB]
    meta = {item["name"]: item.get("value") for item in pubsub["spec"]["metadata"]}
    publishing = dict(part.split("=") for part in meta["publishingScopes"].split(";"))
    subscribing = dict(part.split("=") for part in meta["subscriptionScopes"].split(";"))
    topic, dead = dapr_names.TASK_EVENTS_TOPIC, dapr_names.TASK_EVENTS_DEAD_LETTER_TOPIC
    user, live = dapr_names.USER_EVENTS_TOPIC, dapr_names.TASK_LIVE_TOPIC
    audit, audit_dead = dapr_names.AUDIT_TOPIC, dapr_names.AUDIT_DEAD_LETTER_TOPIC
    every_topic = {topic, live, dead, user, audit, audit_dead}
    # Scopes bind only protected topics for apps they leave without topics.
    assert set(meta["protectedTopics"].split(",")) == every_topic
    assert set(meta["allowedTopics"].split(",")) == every_topic
    assert set(publishing[dapr_names.WEBAPP_APP_ID].split(",")) == {topic, live, user, audit}
    assert set(publishing[dapr_names.SYNC_WORKER_APP_ID].split(",")) == {dead, audit}
    assert set(publishing[dapr_names.BINDINGS_WORKER_APP_ID].split(",")) == {
        dead,
        audit_dead,
        audit,
    }
    assert set(subscribing[dapr_names.SYNC_WORKER_APP_ID].split(",")) == {topic, live, dead, user}
    # The reminder actors need every change once (the outbox's stream, not the live
    # copies); the sealer every audit record.
    assert set(subscribing[dapr_names.BINDINGS_WORKER_APP_ID].split(",")) == {topic, audit}
    assert subscribing[dapr_names.WEBAPP_APP_ID] == ""


def test_subscriptions_match_components_dir() -> None:
    chart = by_name(of_kind(DEFAULT, "Subscription"))
    ours = by_name(local("Subscription"))
    assert set(chart) == set(ours)
    for name, doc in ours.items():
        assert chart[name]["apiVersion"] == doc["apiVersion"]
        assert chart[name]["spec"] == doc["spec"]
        assert chart[name]["scopes"] == doc["scopes"]


def test_resiliency_matches_components_dir() -> None:
    (chart,) = of_kind(DEFAULT, "Resiliency")
    (ours,) = local("Resiliency")
    assert chart["metadata"]["name"] == ours["metadata"]["name"] == dapr_names.RESILIENCY
    assert chart["spec"] == ours["spec"]


@VARIANTS
def test_sidecar_annotations_are_quoted_strings(sets: tuple[str, ...]) -> None:
    for app_id, doc in deployments(sets).items():
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        assert set(annotations) >= SIDECAR_ANNOTATIONS, app_id
        for key, value in annotations.items():
            assert isinstance(value, str), f"{app_id}: {key} is {value!r}, not a string"
        assert annotations["dapr.io/enabled"] == "true"
        assert annotations["dapr.io/config"] == f"{dapr_names.CONFIGURATION}-{app_id}"


def test_one_deployment_per_service_with_its_app_id() -> None:
    found = deployments(DEFAULT)
    assert set(found) == set(APP_IDS.values())
    for package, app_id in APP_IDS.items():
        env = env_of(app_container(found[app_id]))
        assert env["DAPR_TODO_SERVICE"]["value"] == package
        assert env["APP_ID"]["value"] == app_id
        assert app_container(found[app_id])["args"][-1] == f"{package}.asgi:application"


def test_api_tokens_reach_both_sidecar_and_app() -> None:
    for app_id, doc in deployments(DEFAULT).items():
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        env = env_of(app_container(doc))
        for variable, annotation in (
            ("DAPR_API_TOKEN", "dapr.io/api-token-secret"),
            ("APP_API_TOKEN", "dapr.io/app-token-secret"),
        ):
            ref = env[variable]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": annotations[annotation], "key": "token"}, app_id


def test_pods_run_locked_down_with_probes() -> None:
    for app_id, doc in deployments(DEFAULT).items():
        pod = doc["spec"]["template"]["spec"]
        container = app_container(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["resources"]["requests"], app_id
        assert pod["topologySpreadConstraints"], app_id
        grace = int(doc["spec"]["template"]["metadata"]["annotations"][
            "dapr.io/graceful-shutdown-seconds"
        ])  # fmt: skip
        assert pod["terminationGracePeriodSeconds"] > grace


def test_every_service_has_a_disruption_budget() -> None:
    budgets = of_kind(DEFAULT, "PodDisruptionBudget")
    selectors = [doc["spec"]["selector"]["matchLabels"] for doc in budgets]
    for doc in deployments(DEFAULT).values():
        assert doc["spec"]["selector"]["matchLabels"] in selectors


def test_secret_scopes_match_components_dir() -> None:
    """The same secrets API doors as locally; the cluster also shuts the built-in store.
    (Access policies: tests/unit/helm/test_access_control.py.)"""
    spec = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())["spec"]
    ours = {scope["storeName"]: scope for scope in spec["secrets"]["scopes"]}
    assert all(scope["defaultAccess"] == "deny" for scope in ours.values())
    for config in of_kind(DEFAULT, "Configuration"):
        chart = {scope["storeName"]: scope for scope in config["spec"]["secrets"]["scopes"]}
        assert chart.pop("kubernetes") == {"storeName": "kubernetes", "defaultAccess": "deny"}
        assert chart == ours


def test_tracing_exports_only_when_an_endpoint_is_set() -> None:
    for default, traced in zip(
        of_kind(DEFAULT, "Configuration"), of_kind(EVERYTHING, "Configuration"), strict=True
    ):
        assert "otel" not in default["spec"]["tracing"]
        assert traced["spec"]["tracing"]["otel"]["endpointAddress"].endswith(":4317")
        assert isinstance(traced["spec"]["tracing"]["samplingRate"], str)


def test_keda_is_off_by_default() -> None:
    assert not of_kind(DEFAULT, "ScaledObject")
    assert not of_kind(DEFAULT, "TriggerAuthentication")


# Each worker scales on every task topic it subscribes to.
READ_BY = {
    dapr_names.SYNC_WORKER_APP_ID: {dapr_names.TASK_EVENTS_TOPIC, dapr_names.TASK_LIVE_TOPIC},
    dapr_names.BINDINGS_WORKER_APP_ID: {dapr_names.TASK_EVENTS_TOPIC},
}


def scaled_objects(sets: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The ScaledObjects by the app-id of the Deployment each scales, which they own."""
    found = by_name(list(deployments(sets).values()))
    scaled = {}
    for doc in of_kind(sets, "ScaledObject"):
        target = found[doc["spec"]["scaleTargetRef"]["name"]]
        app_id = target["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]
        assert "replicas" not in target["spec"], f"{app_id}: the ScaledObject owns replicas"
        assert (doc["spec"]["minReplicaCount"], doc["spec"]["maxReplicaCount"]) == (1, 50)
        scaled[app_id] = doc
    assert set(scaled) == set(READ_BY)
    return scaled


def test_scaled_objects_follow_each_consumer_group_on_redis() -> None:
    sets = (*EVERYTHING, *ON_BROKER["redis"])
    (auth,) = of_kind(sets, "TriggerAuthentication")
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "password", "name": "dapr-todo", "key": "redis-password"}
    ]
    for app_id, doc in scaled_objects(sets).items():
        triggers = doc["spec"]["triggers"]
        assert {trigger["metadata"]["stream"] for trigger in triggers} == READ_BY[app_id]
        for trigger in triggers:
            assert trigger["type"] == "redis-streams"
            assert trigger["metadata"]["consumerGroup"] == app_id
            assert trigger["metadata"]["pendingEntriesCount"] == "100"
            assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]


def test_scaled_objects_follow_each_queue_on_rabbitmq() -> None:
    """One rabbitmq trigger per queue Dapr declares ("<app-id>-<topic>"), over AMQP (no
    management plugin), its URL from the Secret."""
    sets = (*EVERYTHING, *ON_BROKER["rabbitmq"])
    (auth,) = of_kind(sets, "TriggerAuthentication")
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "host", "name": "dapr-todo", "key": "rabbitmq-url"}
    ]
    for app_id, doc in scaled_objects(sets).items():
        triggers = doc["spec"]["triggers"]
        queues = {trigger["metadata"]["queueName"] for trigger in triggers}
        assert queues == {f"{app_id}-{topic}" for topic in READ_BY[app_id]}
        for trigger in triggers:
            assert trigger["type"] == "rabbitmq"
            assert trigger["metadata"] == {
                "protocol": "amqp",
                "queueName": trigger["metadata"]["queueName"],
                "mode": "QueueLength",
                "value": "100",
            }
            assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]


def test_keda_hpa_scale_down_window_is_a_value() -> None:
    sets = (*EVERYTHING, "keda.scaleDownStabilizationSeconds=5")
    windows = {
        doc["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
            "stabilizationWindowSeconds"
        ]
        for doc in of_kind(sets, "ScaledObject")
    }
    assert windows == {5}
    (default,) = {
        doc["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
            "stabilizationWindowSeconds"
        ]
        for doc in of_kind(EVERYTHING, "ScaledObject")
    }
    assert default == 300  # Kubernetes' own default: unchanged unless set


def test_keda_metric_is_checked_on_redis() -> None:
    wrong = ("keda.enabled=true", "keda.metric=streamLength")
    assert "keda.metric must be" in failed_render(*wrong, *ON_BROKER["redis"])
    # RabbitMQ's trigger has no such metric: the value is not read there.
    assert of_kind((*wrong, *ON_BROKER["rabbitmq"]), "ScaledObject")


def test_webapp_scales_on_its_own_cpu() -> None:
    (hpa,) = of_kind(DEFAULT, "HorizontalPodAutoscaler")
    webapp = deployments(DEFAULT)[dapr_names.WEBAPP_APP_ID]
    assert hpa["spec"]["scaleTargetRef"]["name"] == webapp["metadata"]["name"]
    assert "replicas" not in webapp["spec"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["containerResource"]["name"] == "cpu"
    assert metric["containerResource"]["container"] == app_container(webapp)["name"]


def test_ingress_serves_both_services_on_one_host() -> None:
    assert not of_kind(DEFAULT, "Ingress")
    (ingress,) = of_kind(EVERYTHING, "Ingress")
    services = by_name(of_kind(EVERYTHING, "Service"))
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == HOST
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    app_of = {
        name: svc["spec"]["selector"]["app.kubernetes.io/component"]
        for name, svc in services.items()
    }
    assert app_of[routes["/ws/"]] == dapr_names.SYNC_WORKER_APP_ID
    assert app_of[routes["/"]] == dapr_names.WEBAPP_APP_ID
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


def test_browser_opens_the_socket_on_the_same_host() -> None:
    found = deployments(EVERYTHING)
    webapp = env_of(app_container(found[dapr_names.WEBAPP_APP_ID]))
    sync = env_of(app_container(found[dapr_names.SYNC_WORKER_APP_ID]))
    assert webapp["SYNC_WEBSOCKET_URL"]["value"] == "/ws/tasks/"
    assert sync["SYNC_ALLOWED_ORIGINS"]["value"] == f"https://{HOST}"
    assert HOST in sync["DJANGO_ALLOWED_HOSTS"]["value"].split(",")


def test_migrations_run_as_a_hook_without_a_sidecar() -> None:
    (job,) = of_kind(DEFAULT, "Job")
    assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
    pod = job["spec"]["template"]
    assert pod["metadata"]["annotations"].get("dapr.io/enabled") == "false"
    (container,) = pod["spec"]["containers"]
    assert container["args"][:3] == ["python", "manage.py", "migrate"]
    env = env_of(container)
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "dapr-todo"


def test_migrations_get_the_tokens_production_settings_require() -> None:
    (job,) = of_kind(DEFAULT, "Job")
    env = env_of(job["spec"]["template"]["spec"]["containers"][0])
    for variable, secret in (
        ("DAPR_API_TOKEN", "dapr-todo-api-token"),
        ("APP_API_TOKEN", "dapr-todo-app-token"),
    ):
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": secret, "key": "token"}


def test_sidecars_may_read_only_the_release_secret_and_the_audit_key() -> None:
    (role,) = of_kind(DEFAULT, "Role")
    (rule,) = role["rules"]
    assert rule["resources"] == ["secrets"]
    assert rule["resourceNames"] == ["dapr-todo", "audit-signing-key"]
    assert rule["verbs"] == ["get"]
    (account,) = of_kind(DEFAULT, "ServiceAccount")
    for doc in deployments(DEFAULT).values():
        assert doc["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]


def test_the_audit_signing_key_secret_is_one_value_end_to_end() -> None:
    """Renaming the Secret (a key rotation) moves the sealer, the secret scope and RBAC."""
    sets = ("audit.signingKeySecret=audit-key-2027",)
    for config in of_kind(sets, "Configuration"):
        scopes = config["spec"]["secrets"]["scopes"]
        (scope,) = [s for s in scopes if s["storeName"] == "auditkeys"]
        assert scope["allowedSecrets"] == ["audit-key-2027"]
    sealer = env_of(app_container(deployments(sets)["bindings-worker"]))
    assert sealer["AUDIT_SIGNING_KEY_NAME"]["value"] == "audit-key-2027"
    (role,) = of_kind(sets, "Role")
    assert "audit-key-2027" in role["rules"][0]["resourceNames"]

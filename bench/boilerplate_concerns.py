"""Which code and configuration does what, for SC-004's count (bench/boilerplate.py).

Each concern names, by `module:name`, the definitions of the no-Dapr baseline
(bench/direct/) and of the Dapr side (the gateway, common/dapr/, and the subscriber's
side of the pub/sub contract, common/cloudevents.py) that serve it, and the YAML nodes
in components/ that configure it on the Dapr side. Every top-level definition of those
modules is in exactly one concern or in IGNORED, so a new function cannot go uncounted and
a renamed one fails the count instead of silently dropping out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.loc import YamlSelection as Yaml
from devtools.topology import REPO_ROOT

# What the baseline does for a concern.
BOTH = "both"  # the baseline does what the product needs: the counts compare
LACKS = "baseline lacks"  # the product needs it; the baseline does it only partly or not
SIDECAR = "sidecar's own"  # exists only because there is a sidecar to talk to

BASELINE_MODULES = (
    "bench.direct",
    "bench.direct.lock",
    "bench.direct.publish",
    "bench.direct.redis_client",
    "bench.direct.state",
)
DAPR_MODULES = (
    "common.dapr",
    "common.dapr.actors",
    "common.dapr.bindings",
    "common.dapr.client",
    "common.dapr.errors",
    "common.dapr.guards",
    "common.dapr.invoke",
    "common.dapr.lock",
    "common.dapr.metadata",
    "common.dapr.publish",
    "common.dapr.secrets",
    "common.dapr.state",
    "common.cloudevents",
)
# Top-level definitions that serve no concern, and why.
IGNORED = {
    "bench.direct:SETTINGS": "selects the baseline in the benchmark; no product needs it",
}
# The baseline runs on Redis, so the Redis broker's component is counted (issue 15 moves it
# from components/ to components/brokers/redis/).
PUBSUB_YAML = next(
    (
        path
        for path in ("components/brokers/redis/pubsub.yaml", "components/pubsub.yaml")
        if (REPO_ROOT / path).is_file()
    ),
    "components/brokers/redis/pubsub.yaml",
)
# Each subscription, and what it has to do with dead letters: it names a dead-letter topic
# (DEAD_LETTERED), it is the dead-letter topic's own subscription (HANDLER), or neither.
DEAD_LETTERED, HANDLER, PLAIN = "dead-lettered", "handler", "plain"
SUBSCRIPTIONS = {
    "components/subscriptions.yaml": {
        "task-events-live-sync": DEAD_LETTERED,
        "task-events-sync": DEAD_LETTERED,
        "task-events-dead-letter": HANDLER,
        "user-events-sync": PLAIN,
    },
    "components/subscriptions-bindings.yaml": {
        "task-events-bindings": DEAD_LETTERED,
        "audit-bindings": DEAD_LETTERED,
    },
}
DEAD_LETTER_TOPIC = ("spec", "deadLetterTopic")
OUTBOX_METADATA = ("outboxPublishPubsub", "outboxPublishTopic", "outboxPubsub")


@dataclass(frozen=True)
class Concern:
    title: str
    status: str
    baseline: tuple[str, ...] = ()
    dapr: tuple[str, ...] = ()
    yaml: tuple[Yaml, ...] = ()
    note: str = ""


def _names(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{module}:{name}" for name in names)


def _subscriptions(dead_letter: bool) -> tuple[Yaml, ...]:
    """The subscriptions' lines about dead letters (dead_letter) or about everything else."""
    selected: list[Yaml] = []
    for file, documents in SUBSCRIPTIONS.items():
        for document, role in documents.items():
            if role == HANDLER and dead_letter:
                selected.append(Yaml(file, document))
            elif role == DEAD_LETTERED and dead_letter:
                selected.append(Yaml(file, document, DEAD_LETTER_TOPIC))
            elif role == DEAD_LETTERED:
                selected.append(Yaml(file, document, exclude=(DEAD_LETTER_TOPIC,)))
            elif role == PLAIN and not dead_letter:
                selected.append(Yaml(file, document))
    return tuple(selected)


_OUTBOX_ITEMS = tuple(("spec", "metadata", f"name={name}") for name in OUTBOX_METADATA)

CONCERNS = (
    Concern(
        "Connection pool per event loop, deadlines",
        BOTH,
        baseline=_names("bench.direct.redis_client", "_clients", "client"),
        dapr=_names(
            "common.dapr.client",
            "CONNECT_TIMEOUT_SECONDS",
            "MAX_CONNECTIONS",
            "_clients",
            "call_timeout",
            "sidecar_http_url",
            "SidecarClient",
            "sidecar_client",
        ),
        note="Dapr side: aiohttp's pool behind httpx's types (a CPU choice) with a deadline "
        "per call; baseline: redis-py's pool, no deadline",
    ),
    Concern(
        "State reads, bulk reads, key namespaces",
        BOTH,
        baseline=_names("bench.direct.state", "get_item", "get_bulk")
        + _names("bench.direct.redis_client", "KEY_PREFIX")
        + _names("common.dapr.state", "StateItem"),
        dapr=_names("common.dapr.state", "StateItem", "_path", "_item", "get_item", "get_bulk"),
        yaml=(
            Yaml("components/statestore.yaml"),
            Yaml("components/auditstore.yaml"),
            Yaml("components/taskstore.yaml", exclude=_OUTBOX_ITEMS),
        ),
        note="the baseline reuses the gateway's StateItem (counted on both sides)",
    ),
    Concern(
        "ETag concurrency (first-write saves)",
        BOTH,
        baseline=_names("bench.direct.state", "SET_SCRIPT", "save_item")
        + _names("common.dapr.errors", "DaprConflict"),
        dapr=_names(
            "common.dapr.state",
            "FIRST_WRITE",
            "LAST_WRITE",
            "_save_request",
            "save_item",
            "REDIS_TRANSACTION_ETAG_ERROR",
            "_check_write",
        )
        + _names("common.dapr.errors", "DaprConflict"),
        note="baseline: a Lua compare-and-set; Dapr side: options, and reading state.redis's "
        "conflict inside a transaction from its error text",
    ),
    Concern(
        "Distributed locks",
        BOTH,
        baseline=_names("bench.direct.lock", "try_lock", "unlock"),
        dapr=_names("common.dapr.lock", "LOCK_API", "LockUnavailable", "try_lock", "unlock"),
        yaml=(Yaml("components/lockstore.yaml"),),
        note="the baseline's unlock is GET then DELETE, not atomic (may free a successor's lock)",
    ),
    Concern(
        "Transactions",
        LACKS,
        baseline=_names("bench.direct.state", "transact"),
        dapr=_names("common.dapr.state", "Upsert", "Delete", "transact"),
        note="baseline: one save after another, no transaction",
    ),
    Concern(
        "Transactional outbox",
        LACKS,
        yaml=(
            *(Yaml("components/taskstore.yaml", path=path) for path in _OUTBOX_ITEMS),
            Yaml("components/outbox-pubsub.yaml"),
        ),
        note="baseline: missing (skips the projection; a crash between save and publish "
        "loses the event); Dapr side: component metadata only",
    ),
    Concern(
        "Publishing to a broker",
        LACKS,
        baseline=_names("bench.direct.publish", "publish_cloudevent"),
        dapr=_names("common.dapr.publish", "publish_cloudevent"),
        yaml=(Yaml(PUBSUB_YAML),),
        note="baseline: no broker; a live event goes to sync_worker's delivery in the same "
        "process, every other topic nowhere",
    ),
    Concern(
        "Consumer groups, competing consumers, subscriptions",
        LACKS,
        dapr=_names(
            "common.cloudevents",
            "REQUIRED_ATTRIBUTES",
            "MalformedEvent",
            "CloudEvent",
            "_json",
            "parse_cloudevent",
            "cloudevent_from",
            "BulkEntry",
            "parse_bulk",
        ),
        yaml=_subscriptions(dead_letter=False),
        note="baseline: missing (no consumer); Dapr side: the group is the app-id (no line), "
        "the code parses what the sidecar delivers",
    ),
    Concern(
        "Redelivery, retries, timeouts",
        LACKS,
        dapr=_names("common.cloudevents", "SUCCESS", "success", "retry", "bulk_answer"),
        yaml=(Yaml("components/resiliency.yaml"),),
        note="baseline: missing",
    ),
    Concern(
        "Dead letters",
        LACKS,
        dapr=_names("common.cloudevents", "drop"),
        yaml=_subscriptions(dead_letter=True),
        note="baseline: missing; the handler that records them (sync_worker/dead_letters.py) "
        "is product code either way, not counted",
    ),
    Concern(
        "Failure classes (retry later, conflict, refused, bug)",
        LACKS,
        dapr=_names(
            "common.dapr.errors",
            "DaprError",
            "DaprUnavailable",
            "DaprRefused",
            "DaprBadRequest",
            "REFUSED",
            "BAD_REQUEST",
            "error_for",
            "raise_for_status",
        )
        + _names("common.dapr.client", "request", "call"),
        note="baseline: missing (redis-py's errors reach callers as they are)",
    ),
    Concern(
        "Service discovery and invocation",
        LACKS,
        dapr=_names("common.dapr.invoke", "invocation_refused", "invoke_path", "invoke"),
        yaml=(Yaml("components/config.yaml", path=("spec", "nameResolution")),),
        note="baseline: missing (its runs keep invocation on Dapr)",
    ),
    Concern(
        "mTLS and caller identity",
        LACKS,
        dapr=_names("common.dapr.guards", "CALLER_HEADER", "from_app"),
        yaml=(Yaml("components/config.yaml", path=("spec", "accessControl")),),
        note="baseline: missing; local Sentry set-up (devtools/) not counted",
    ),
    Concern(
        "Secrets",
        LACKS,
        dapr=_names("common.dapr.secrets", "get_secret"),
        yaml=(
            Yaml("components/secretstore.yaml"),
            Yaml("components/auditkeys.yaml"),
            Yaml("components/config.yaml", path=("spec", "secrets")),
        ),
        note="baseline: missing (a Redis URL from settings)",
    ),
    Concern(
        "Trace context across services",
        LACKS,
        dapr=_names("common.dapr.client", "add_traceparent"),
        yaml=(Yaml("components/config.yaml", path=("spec", "tracing")),),
        note="baseline: missing; the async client's header is in the pool's count",
    ),
    Concern(
        "Actors and reminders",
        LACKS,
        dapr=_names(
            "common.dapr.actors",
            "TIMEOUT_SECONDS",
            "call",
            "_reminder_path",
            "register_reminder",
            "unregister_reminder",
            "runtime_client",
        ),
        note="baseline: missing (bindings-worker stays on Dapr)",
    ),
    Concern(
        "Cron and SMTP bindings",
        LACKS,
        dapr=_names("common.dapr.bindings", "invoke_binding"),
        yaml=(Yaml("components/digest-cron.yaml"), Yaml("components/smtp.yaml")),
        note="baseline: missing (bindings-worker stays on Dapr)",
    ),
    Concern(
        "Store readiness probe",
        LACKS,
        dapr=_names("common.dapr.metadata", "PROBE_KEY", "store_reachable"),
        note="baseline: missing (readiness stays on Dapr)",
    ),
    Concern(
        "Synchronous state path (sessions)",
        SIDECAR,
        dapr=_names(
            "common.dapr.client",
            "_sync_client",
            "sync_sidecar_client",
            "reset_sync_client",
            "call_sync",
        )
        + _names(
            "common.dapr.state", "get_item_sync", "save_item_sync_last_write", "delete_item_sync"
        ),
        note="without a sidecar Django's own Redis cache backend holds sessions, no code",
    ),
    Concern(
        "Sidecar API tokens, inbound guard",
        SIDECAR,
        dapr=_names("common.dapr.client", "api_token_headers")
        + _names(
            "common.dapr.guards",
            "AsyncView",
            "TOKEN_HEADER",
            "request_refused",
            "from_sidecar",
            "is_sidecar_only",
        ),
    ),
    Concern(
        "Sidecar health and metadata",
        SIDECAR,
        dapr=_names(
            "common.dapr.metadata",
            "OUTBOUND_HEALTH_PATH",
            "TIMEOUT_SECONDS",
            "outbound_ready",
            "sidecar_metadata",
        ),
    ),
)

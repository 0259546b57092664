"""Command lines (argv and environment) for every process of a Dapr Todo system.

The run command (devtools/run.py) and the integration-test fixtures build
their processes here, so tests start exactly what users run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from devtools import audit_keys, brokers, credentials, sentry
from devtools.credentials import kept_secret
from devtools.dapr_config import sidecar_config
from devtools.topology import COMPONENTS_DIR, DAPR_BIN_DIR, Service, Topology

LOOPBACK = "127.0.0.1"
# Names of the per-system secrets (devtools/credentials.py) that hold the two API tokens.
DAPR_API_TOKEN_NAME = "dapr-api-token"  # noqa: S105 (a file name, not a secret)
APP_API_TOKEN_NAME = "app-api-token"  # noqa: S105 (a file name, not a secret)


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def full_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}


def redis(topology: Topology) -> Command:
    """Redis on the project port with its own data directory and AOF on, requiring this
    system's password (from an owner-only file, never on the command line).

    Durability window: `appendfsync everysec` (docs/operator-guide.md#redis-durability).
    """
    data_dir = topology.state_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    return Command(
        "redis",
        [
            "redis-server",
            "--port", str(topology.redis_port),
            "--bind", LOOPBACK,
            "--include", str(credentials.redis_auth_config(topology)),
            "--dir", str(data_dir),
            "--appendonly", "yes",
            # A crash loses at most about the last second of acknowledged writes.
            "--appendfsync", "everysec",
            # Each task change rewrites its whole list (about 15 KB appended per write), so the
            # AOF outgrows the data fast, and Redis answers LOADING for as long as it replays
            # the file after a restart. Rewrite it (an RDB base, loaded at memory speed, plus
            # what came since) whenever it has doubled since the last rewrite, from 16 MB on
            # (Redis's default, 64 MB, is four times as much to replay before anything works).
            "--auto-aof-rewrite-percentage", "100",
            "--auto-aof-rewrite-min-size", "16mb",
            "--aof-use-rdb-preamble", "yes",
            # kill -9 can leave a half-written last command: load the rest instead of refusing.
            "--aof-load-truncated", "yes",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
        ],
    )  # fmt: skip


def epmd(topology: Topology) -> Command:
    """Erlang's port mapper for this system's RabbitMQ node, on loopback and a port of its own
    (the machine-wide 4369 would be shared with every other Erlang node), supervised here
    rather than left behind as the daemon the node would otherwise start."""
    return Command("epmd", ["epmd", "-address", LOOPBACK, "-port", str(topology.epmd_port)])


def rabbitmq(topology: Topology) -> Command:
    """RabbitMQ on loopback with its own data directory (durable queues, persistent
    messages), this system's user and password (an owner-only config file) and JSON logs.

    RUNNING_UNDER_SYSTEMD makes the start script exec the Erlang VM instead of keeping a
    shell in front of it, so a signal (or kill -9) reaches the broker itself. Schedulers
    sleep when idle instead of spinning: the broker shares two cores with everything else.
    """
    base = topology.state_dir / "rabbitmq"
    home = base / "home"  # where Erlang keeps this node's distribution cookie
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    plugins = base / "enabled_plugins"
    plugins.write_text("[].\n")  # no plugins: no management listener to secure
    erl_args = " ".join(
        (
            "-kernel inet_dist_use_interface {127,0,0,1}",
            "-start_epmd false",  # devtools epmd(), supervised, is already listening
            "+sbwt none +sbwtdcpu none +sbwtdio none",
        )
    )
    return Command(
        "rabbitmq",
        ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
        env={
            "HOME": str(home),
            "RUNNING_UNDER_SYSTEMD": "1",
            "RABBITMQ_CONFIG_FILE": str(credentials.rabbitmq_config(topology)),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_MNESIA_BASE": str(base / "data"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_NODENAME": f"rabbit-{topology.rabbitmq_port}@localhost",
            "RABBITMQ_DIST_PORT": str(topology.rabbitmq_dist_port),
            "ERL_EPMD_ADDRESS": LOOPBACK,
            "ERL_EPMD_PORT": str(topology.epmd_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": erl_args,
        },
    )


def rabbitmq_url(topology: Topology) -> str:
    """An AMQP URL of this system's RabbitMQ with its user and password (for KEDA's scaler
    and for tests that look into queues)."""
    password = credentials.rabbitmq_password(topology)
    return f"amqp://{credentials.RABBITMQ_USER}:{password}@{topology.rabbitmq_host}/"


def placement(topology: Topology) -> Command:
    return Command(
        "placement",
        [
            str(DAPR_BIN_DIR / "placement"),
            "--port", str(topology.placement_port),
            "--listen-address", LOOPBACK,
            "--healthz-port", str(topology.placement_healthz_port),
            "--healthz-listen-address", LOOPBACK,
            "--metrics-port", str(topology.placement_metrics_port),
            "--initial-cluster", f"dapr-placement-0={LOOPBACK}:{topology.placement_raft_port}",
            *control_plane_mtls_flags(topology),
            "--log-as-json",
        ],
        env=control_plane_mtls_env(topology, sentry.PLACEMENT_ID),
    )  # fmt: skip


def scheduler(topology: Topology) -> Command:
    """The scheduler (actor reminders, jobs); its etcd data directory persists across runs."""
    data_dir = topology.state_dir / "scheduler"
    data_dir.mkdir(parents=True, exist_ok=True)
    return Command(
        "scheduler",
        [
            str(DAPR_BIN_DIR / "scheduler"),
            "--port", str(topology.scheduler_port),
            "--listen-address", LOOPBACK,
            "--healthz-port", str(topology.scheduler_healthz_port),
            "--healthz-listen-address", LOOPBACK,
            "--metrics-port", str(topology.scheduler_metrics_port),
            "--etcd-data-dir", str(data_dir),
            "--etcd-client-port", str(topology.scheduler_etcd_client_port),
            "--etcd-client-listen-address", LOOPBACK,
            "--etcd-initial-cluster",
            f"dapr-scheduler-server-0=http://{LOOPBACK}:{topology.scheduler_etcd_peer_port}",
            *control_plane_mtls_flags(topology),
            # Where it keeps the certificate Sentry gave it (the default is under /tmp).
            "--identity-directory-write", str(scheduler_identity_dir(topology) / "current"),
            "--log-as-json",
        ],
        env=control_plane_mtls_env(topology, sentry.SCHEDULER_ID),
    )  # fmt: skip


def scheduler_identity_dir(topology: Topology) -> Path:
    """The scheduler writes each certificate Sentry gives it into a new directory here and
    points `current` at it; it deletes the one before only within one run."""
    return topology.state_dir / "scheduler-identity"


def clear_scheduler_identity(topology: Topology) -> bool:
    """Before each start of the scheduler: the certificates and keys of earlier runs go
    (it fetches a new one at start). True: a start condition that always holds."""
    identity = scheduler_identity_dir(topology)
    if identity.is_symlink():  # the earlier layout: a link to a version beside it
        identity.unlink()
    for stale in (identity, *topology.state_dir.glob("*-scheduler-identity")):
        shutil.rmtree(stale, ignore_errors=True)
    identity.mkdir(mode=0o700, parents=True)
    return True


def sentry_command(topology: Topology) -> Command:
    """Sentry, the certificate authority behind mTLS, on loopback and on ports that do not
    clash with daprd's default gRPC port (50001, also Sentry's default).

    Dapr 1.18.2's sentry accepts --healthz-listen-address but ignores it (cmd/sentry/app
    passes only the port), so its healthz answers on every interface (tests/integration/
    test_listeners.py expects that to be fixed one day).
    """
    sentry.trust_anchors_file(topology)
    return Command(
        "sentry",
        [
            str(DAPR_BIN_DIR / "sentry"),
            "--port", str(topology.sentry_port),
            "--listen-address", LOOPBACK,
            "--healthz-port", str(topology.sentry_healthz_port),
            "--healthz-listen-address", LOOPBACK,
            # Its metrics server ignores --metrics-listen-address (all interfaces), and
            # nothing scrapes it: off.
            "--enable-metrics=false",
            "--issuer-credentials", str(sentry.credentials_dir(topology)),
            "--trust-domain", sentry.TRUST_DOMAIN,
            "--config", str(sentry.write_configuration(topology)),
            "--log-as-json",
        ],
        env={"NAMESPACE": sentry.NAMESPACE},
    )  # fmt: skip


def control_plane_mtls_flags(topology: Topology) -> list[str]:
    """Placement and scheduler serve only clients with a certificate from this Sentry."""
    return [
        "--tls-enabled",
        "--trust-domain", sentry.TRUST_DOMAIN,
        "--trust-anchors-file", str(sentry.trust_anchors_file(topology)),
        "--sentry-address", sentry.sentry_address(topology),
    ]  # fmt: skip


def control_plane_mtls_env(topology: Topology, identity: str) -> dict[str, str]:
    token = sentry.control_plane_token_file(topology, identity)
    return {"DAPR_SENTRY_TOKEN_FILE": str(token), "NAMESPACE": sentry.NAMESPACE}


def sidecar(
    topology: Topology,
    service: Service,
    resources_dir: Path = COMPONENTS_DIR,
    secrets_file: Path | None = None,
    sampling_rate: str = "1",
) -> Command:
    """daprd beside `service`, loading components/, the `pubsub` component of this system's
    broker (devtools/brokers.py) and its copy of the Configuration (this system's
    name-resolution file, its Zipkin, `sampling_rate`; its app's policies)."""
    return Command(
        f"{service.app_id}-dapr",
        [
            str(DAPR_BIN_DIR / "daprd"),
            "--app-id", service.app_id,
            "--app-port", str(service.app_port),
            "--app-channel-address", LOOPBACK,
            "--app-protocol", "http",
            "--dapr-listen-addresses", LOOPBACK,
            "--dapr-http-port", str(service.dapr_http_port),
            "--dapr-grpc-port", str(service.dapr_grpc_port),
            "--dapr-internal-grpc-port", str(service.dapr_internal_grpc_port),
            "--dapr-internal-grpc-listen-address", LOOPBACK,
            "--metrics-port", str(service.dapr_metrics_port),
            # The default is 0.0.0.0: every host that reaches this one would read the metrics.
            "--metrics-listen-address", LOOPBACK,
            "--resources-path", str(resources_dir),
            "--resources-path", str(brokers.components_dir(topology.broker)),
            "--config", str(sidecar_config(topology, sampling_rate, service.app_id)),
            "--placement-host-address", f"{LOOPBACK}:{topology.placement_port}",
            "--scheduler-host-address", f"{LOOPBACK}:{topology.scheduler_port}",
            # Sidecar to sidecar, and to placement and scheduler: mTLS with Sentry's
            # certificates; the control plane's ids are checked in its trust domain.
            "--enable-mtls",
            "--sentry-address", sentry.sentry_address(topology),
            "--control-plane-trust-domain", sentry.TRUST_DOMAIN,
            "--control-plane-namespace", sentry.NAMESPACE,
            "--enable-app-health-check",
            "--app-health-check-path", "/healthz",
            # The 500 ms default marks a busy single-process Daphne app unhealthy, and an
            # unhealthy app gets no actor calls or reminders.
            "--app-health-probe-timeout", "2000",
            "--log-as-json",
        ],
        env={
            # Read by envRef in components/*.yaml.
            "REDIS_HOST": topology.redis_host,
            "RABBITMQ_HOST": topology.rabbitmq_host,
            "TODO_SECRETS_FILE": str(secrets_file or system_secrets_file(topology)),
            # components/auditkeys.yaml: the audit signing key (scoped to bindings-worker).
            "AUDIT_KEYS_FILE": str(audit_keys.ensure(topology)),
            **api_token_env(topology),
            "DAPR_TRUST_ANCHORS": sentry.trust_anchors(topology),
            # Part of the SPIFFE id: a NAMESPACE in the user's shell must not change it.
            "NAMESPACE": sentry.NAMESPACE,
            "DAPR_SENTRY_TOKEN_FILE": str(sentry.token_file(topology, service.app_id)),
        },
    )  # fmt: skip


def app(topology: Topology, service: Service, settings_module: str) -> Command:
    """The service's Django ASGI application under Daphne."""
    return Command(
        service.app_id,
        [
            sys.executable, "-m", "daphne",
            "--bind", LOOPBACK,
            "--port", str(service.app_port),
            # No --proxy-headers: nothing proxies the local apps, and with it Daphne takes
            # the client's address from the left-most X-Forwarded-For, which any client
            # writes (a forged address would dodge the per-address sign-in lock-out).
            # Daphne's own access log is not JSON; request logs come from Django.
            "-v", "0",
            f"{service.package}.asgi:application",
        ],
        env={
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DAPR_TODO_SERVICE": service.package,
            "APP_ID": service.app_id,
            "DAPR_HTTP_PORT": str(service.dapr_http_port),
            "DAPR_GRPC_PORT": str(service.dapr_grpc_port),
            "PYTHONUNBUFFERED": "1",
            "AUDIT_VERIFY_KEY_FILE": str(audit_keys.verify_key_file(topology)),
            **api_token_env(topology),
            **browser_facing_env(topology),
        },
    )  # fmt: skip


def api_token_env(topology: Topology) -> dict[str, str]:
    """This system's two API tokens, given to every sidecar and every app alike: daprd
    refuses API calls without DAPR_API_TOKEN and sends APP_API_TOKEN on each call into its
    app; the app sends the first (common/dapr/client.py) and checks the second
    (common/dapr/guards.py)."""
    return {
        "DAPR_API_TOKEN": kept_secret(topology, DAPR_API_TOKEN_NAME),
        "APP_API_TOKEN": kept_secret(topology, APP_API_TOKEN_NAME),
    }


def browser_facing_env(topology: Topology) -> dict[str, str]:
    """Where browsers reach the services locally (different ports, so absolute URLs)."""
    webapp, sync_worker = topology.service("webapp"), topology.service("sync_worker")
    return {
        "SYNC_WEBSOCKET_URL": f"ws://127.0.0.1:{sync_worker.app_port}/ws/tasks/",
        "SYNC_ALLOWED_ORIGINS": (
            f"http://127.0.0.1:{webapp.app_port},http://localhost:{webapp.app_port}"
        ),
        "CHANNEL_REDIS_URL": channel_redis_url(topology),
        "DATABASE_URL": f"sqlite:///{topology.state_dir / 'users.sqlite3'}",
    }


def channel_redis_url(topology: Topology) -> str:
    """The channel layer's Redis, with this system's password (read from the environment,
    which only the process's owner can read, unlike its command line)."""
    password = credentials.redis_password(topology)
    return f"redis://:{password}@127.0.0.1:{topology.redis_port}/1"


def migrate(topology: Topology, settings_module: str) -> Command:
    """Creates or updates the users database (the only data in Django's database)."""
    topology.state_dir.mkdir(parents=True, exist_ok=True)
    return Command(
        "migrate",
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        {"DJANGO_SETTINGS_MODULE": settings_module, **browser_facing_env(topology)},
    )


def mail_sink(topology: Topology) -> Command:
    """The local SMTP sink (devtools/mailsink.py) that the smtp binding sends to."""
    return Command(
        "mailsink",
        [
            sys.executable, "-m", "devtools.mailsink", "serve",
            "--port", str(topology.mail_sink_port),
            "--dir", str(topology.mail_dir),
        ],
        env={"PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def system_secrets_file(
    topology: Topology, template: Path = COMPONENTS_DIR / "secrets" / "local.json"
) -> Path:
    """components/secrets/local.json with this system's mail sink port (smtp-port), Redis
    and RabbitMQ passwords (redis-password, rabbitmq-password), readable by its owner only.

    The smtp component reads host and port only from the secret store, and every Redis
    component its password, so each system (tests, a moved DAPR_TODO_PORT_BASE) needs its
    own copy.
    """
    values = json.loads(template.read_text())
    values["smtp-port"] = str(topology.mail_sink_port)
    values[credentials.REDIS_PASSWORD] = credentials.redis_password(topology)
    values[credentials.RABBITMQ_PASSWORD] = credentials.rabbitmq_password(topology)
    topology.state_dir.mkdir(parents=True, exist_ok=True)
    path = topology.state_dir / "secrets.json"
    return credentials.write_owner_only(path, json.dumps(values, indent=2))

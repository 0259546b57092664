"""Starts a whole Dapr Todo system (Redis, RabbitMQ when it is the broker, Sentry and the
control plane, three apps with
sidecars, Zipkin and Prometheus), each process supervised and restarted when it crashes.

The same processes as the README's run command (devtools/run.py calls this too), on the
ports of a given topology; used by the integration tests and the benchmarks.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from devtools import commands, observability
from devtools.owner_only import keep_owner_only
from devtools.probes import (
    Probe,
    accepts_connections,
    broker_ready,
    http_ok,
    sentry_probe,
    system_probes,
    wait_until,
)
from devtools.supervise import SYSTEM_RESTART, ProcessGroup
from devtools.topology import Service, Topology, free_port


def start_system(
    group: ProcessGroup, topology: Topology, settings_module: str, app_env: dict[str, str]
) -> None:
    """Starts every process in `group` and returns once all of them are healthy."""
    keep_owner_only(topology.state_dir)
    # The JVM takes longest to be ready: start it first, wait for it last.
    group.start(observability.zipkin(topology), SYSTEM_RESTART)
    group.start(observability.prometheus(topology), SYSTEM_RESTART)
    migrate = commands.migrate(topology, settings_module)
    migrate.env.update(app_env)
    subprocess.run(migrate.argv, env=migrate.full_env(), cwd=group.cwd, check=True, timeout=120)
    group.start(commands.redis(topology), SYSTEM_RESTART)
    if topology.broker == "rabbitmq":
        group.start(commands.epmd(topology), SYSTEM_RESTART)
        group.start(
            commands.rabbitmq(topology),
            SYSTEM_RESTART,
            before_start=functools.partial(accepts_connections, topology.epmd_port),
        )
    # Placement, scheduler and every sidecar ask Sentry for their certificates at start.
    group.start(commands.sentry_command(topology), SYSTEM_RESTART)
    wait_until(sentry_probe(topology))
    group.start(commands.placement(topology), SYSTEM_RESTART)
    group.start(
        commands.scheduler(topology),
        SYSTEM_RESTART,
        before_start=functools.partial(commands.clear_scheduler_identity, topology),
    )
    group.start(commands.mail_sink(topology), SYSTEM_RESTART)
    for service in topology.services:
        start_service(group, topology, service, settings_module, app_env)
    for probe in system_probes(topology):
        wait_until(probe)


def start_service(
    group: ProcessGroup,
    topology: Topology,
    service: Service,
    settings_module: str,
    app_env: dict[str, str],
    replica: str = "",
) -> None:
    """Starts one app and its sidecar (also a restart, or a `replica` on other ports).

    TRACING_SAMPLING_RATE in `app_env` (else the environment, else 1) sets both.
    """
    rate = observability.sampling_rate({**os.environ, **app_env})
    app = commands.app(topology, service, settings_module)
    app.env.update(observability.tracing_env(topology, rate))
    app.env.update(app_env)
    sidecar = commands.sidecar(topology, service, sampling_rate=rate)
    group.start(replace(app, name=app.name + replica), SYSTEM_RESTART)
    # A sidecar started while Redis still loads its append-only file, or before RabbitMQ
    # takes clients, fails to initialise a component and exits: every start of it waits
    # until both are ready.
    group.start(
        replace(sidecar, name=sidecar.name + replica),
        SYSTEM_RESTART,
        before_start=functools.partial(broker_ready, topology),
    )


@contextmanager
def extra_instance(
    group: ProcessGroup,
    topology: Topology,
    package: str,
    settings_module: str,
    app_env: dict[str, str],
    suffix: str,
) -> Iterator[Service]:
    """Another instance of `package` (app and sidecar, process names ending in `suffix`) on
    ports of its own, as a scaled-out deployment runs it: healthy when the block starts,
    stopped after it."""
    first = topology.service(package)
    instance = Service(first.package, first.app_id, *(free_port() for _ in range(5)))
    start_service(group, topology, instance, settings_module, app_env, suffix)
    try:
        sidecar_health = functools.partial(http_ok, f"{instance.sidecar_url}/v1.0/healthz")
        wait_until(Probe(f"{package}{suffix} sidecar", sidecar_health, 60))
        app_ready = functools.partial(http_ok, f"{instance.app_url}/readyz")
        wait_until(Probe(f"{package}{suffix} app", app_ready, 60))
        yield instance
    finally:
        group.stop(f"{instance.app_id}-dapr{suffix}")
        group.stop(f"{instance.app_id}{suffix}")

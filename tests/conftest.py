"""A whole Dapr Todo system, real daprd, Redis and RabbitMQ included, for the integration and
e2e tests.

One system per broker per test session, on free ports, in a temporary directory; stopped
when the tests of that broker are done. It lives here, above tests/integration and
tests/e2e, so that both share it.

Tests marked `pubsub` run once per broker (devtools/brokers.py: `[rabbitmq]`, `[redis]`);
every other test runs on the default broker only. `-m pubsub` picks the former.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devtools import brokers, commands
from devtools.probes import NotReady
from devtools.supervise import ProcessGroup, Supervised
from devtools.system import extra_instance, start_service, start_system
from devtools.topology import REPO_ROOT, Service, Topology, free_topology
from tests import sidecar_tokens

TEST_SETTINGS = "config.settings.test"
# The process-name suffix of a second instance of a service (RunningSystem.replica).
REPLICA = "-replica-2"


@dataclass(frozen=True)
class RunningSystem:
    topology: Topology
    group: ProcessGroup
    app_env: dict[str, str] = field(default_factory=dict)

    def service(self, package: str) -> Service:
        return self.topology.service(package)

    def app_process(self, package: str) -> Supervised:
        return self.group[self.service(package).app_id]

    @property
    def mail_dir(self) -> Path:
        return self.topology.mail_dir

    @property
    def dapr_api_token(self) -> str:
        """What every sidecar of this system requires of its callers (dapr-api-token)."""
        return commands.api_token_env(self.topology)["DAPR_API_TOKEN"]

    @property
    def app_api_token(self) -> str:
        """What the sidecars send the apps, and the apps' sidecar-only routes require."""
        return commands.api_token_env(self.topology)["APP_API_TOKEN"]

    def manage(self, *args: str) -> str:
        """Runs manage.py against the apps' database, beside webapp's sidecar (as an operator
        does: what it records goes to the audit trail); returns its output."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": TEST_SETTINGS,
            **commands.browser_facing_env(self.topology),
            **self.app_env,
            **commands.api_token_env(self.topology),
            "DAPR_HTTP_PORT": str(self.service("webapp").dapr_http_port),
        }
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def create_user(self, username: str, email: str) -> int:
        """A user in the apps' database (the owner of test tasks); returns its id."""
        code = (
            "from django.contrib.auth.models import User; "
            f"print(User.objects.create_user({username!r}, {email!r}).pk)"
        )
        return int(self.manage("shell", "--no-imports", "-c", code).strip())

    def start_service(
        self, service: Service, replica: str = "", env: dict[str, str] | None = None
    ) -> None:
        sidecar_tokens.register(service, self.dapr_api_token)
        app_env = {**self.app_env, **(env or {})}
        start_service(self.group, self.topology, service, TEST_SETTINGS, app_env, replica)

    @contextmanager
    def replica(self, package: str, env: dict[str, str] | None = None) -> Iterator[Service]:
        """A second instance of `package` (app and sidecar, `env` added to the apps'
        environment) on ports of its own, healthy when the block starts, stopped after it."""
        app_env = {**self.app_env, **(env or {})}
        with extra_instance(
            self.group, self.topology, package, TEST_SETTINGS, app_env, REPLICA
        ) as replica:
            sidecar_tokens.register(replica, self.dapr_api_token)
            yield replica


def log_tails(group: ProcessGroup, lines: int = 15) -> str:
    return "\n".join(
        f"--- {name} ---\n" + "\n".join(process.lines[-lines:])
        for name, process in group.processes.items()
    )


@contextmanager
def running_system(state_dir: Path, broker: str = brokers.DEFAULT) -> Iterator[RunningSystem]:
    """A whole system in `state_dir` with `broker` behind `pubsub`, stopped when the block
    ends."""
    topology = free_topology(state_dir, broker)
    # Every test user's digest is due at once (their preferences are the defaults).
    app_env = {"DIGEST_DEFAULT_TIME": "00:00"}
    with ProcessGroup(state_dir / "logs", REPO_ROOT) as group:
        try:
            start_system(group, topology, TEST_SETTINGS, app_env)
        except NotReady as error:
            pytest.fail(f"{error}\n{log_tails(group)}")
        running = RunningSystem(topology, group, app_env)
        for package in ("webapp", "sync_worker", "bindings_worker"):
            sidecar_tokens.register(running.service(package), running.dapr_api_token)
        yield running


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that needs a system runs on every broker if marked `pubsub`, else on the
    default one. Session scope: pytest groups the tests by broker, so one system of each
    runs at a time."""
    if "broker" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("pubsub") is not None
        chosen = brokers.BROKERS if marked else (brokers.DEFAULT,)
        metafunc.parametrize("broker", chosen, indirect=True, scope="session")


@pytest.fixture(scope="session")
def broker(request: pytest.FixtureRequest) -> str:
    """The broker behind `pubsub` in this test's system (pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory, broker: str) -> Iterator[RunningSystem]:
    with running_system(tmp_path_factory.mktemp(f"system-{broker}"), broker) as running:
        yield running


@pytest.fixture(scope="module")
def faulted_system(
    tmp_path_factory: pytest.TempPathFactory, broker: str
) -> Iterator[RunningSystem]:
    """A system of its own for a module that injects faults: the shared one's logs, restart
    counts and timing stay those of a healthy system."""
    with running_system(tmp_path_factory.mktemp(f"faulted-{broker}"), broker) as running:
        yield running

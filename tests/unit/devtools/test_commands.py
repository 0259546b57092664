"""The Redis password reaches Redis, the components and the channel layer, never a command
line; every listener a command opens is on 127.0.0.1."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from devtools import commands
from devtools.credentials import redis_password
from devtools.topology import Topology, free_topology


def system(tmp_path: Path) -> Topology:
    return free_topology(tmp_path / "system")


def test_redis_reads_its_password_from_an_owner_only_include(tmp_path: Path) -> None:
    topology = system(tmp_path)
    argv = commands.redis(topology).argv
    include = Path(argv[argv.index("--include") + 1])
    assert include.read_text() == f"requirepass {redis_password(topology)}\n"
    assert stat.S_IMODE(include.stat().st_mode) == 0o600


def test_no_command_line_carries_the_password(tmp_path: Path) -> None:
    topology = system(tmp_path)
    password = redis_password(topology)
    built = [commands.redis(topology), commands.placement(topology), commands.scheduler(topology)]
    for service in topology.services:
        built += [commands.sidecar(topology, service), commands.app(topology, service, "x")]
    for command in built:
        assert not any(password in word for word in command.argv), command.name


def test_the_components_secret_file_holds_the_password_owner_only(tmp_path: Path) -> None:
    topology = system(tmp_path)
    path = commands.system_secrets_file(topology)
    assert json.loads(path.read_text())["redis-password"] == redis_password(topology)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_channel_layer_url_authenticates(tmp_path: Path) -> None:
    topology = system(tmp_path)
    url = commands.browser_facing_env(topology)["CHANNEL_REDIS_URL"]
    assert url == f"redis://:{redis_password(topology)}@127.0.0.1:{topology.redis_port}/1"


def test_sidecar_metrics_listen_on_loopback_only(tmp_path: Path) -> None:
    topology = system(tmp_path)
    argv = commands.sidecar(topology, topology.service("webapp")).argv
    assert argv[argv.index("--metrics-listen-address") + 1] == "127.0.0.1"

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator

import pytest

from devtools.probes import NotReady, Probe, redis_answers, redis_ready, redis_state, wait_until
from devtools.topology import free_port


def test_wait_until_names_what_never_became_healthy() -> None:
    probe = Probe("Redis at 127.0.0.1:1", lambda: False, timeout=0.2)
    with pytest.raises(NotReady, match=r"Redis at 127.0.0.1:1 is not healthy after 0 s"):
        wait_until(probe, interval=0.05)


def test_wait_until_returns_once_the_check_passes() -> None:
    answers = [False, False, True, False]
    asked: list[bool] = []

    def check() -> bool:
        asked.append(answers[len(asked)])
        return asked[-1]

    wait_until(Probe("flaky", check, timeout=5), interval=0.01)
    assert asked == [False, False, True]


def test_redis_answers_is_false_when_nothing_listens() -> None:
    assert redis_answers(free_port(), timeout=0.5) is False


class FakeRedis(socketserver.ThreadingTCPServer):
    """Answers PING and INFO persistence as a Redis in a given state would."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, pong: bytes, info: bytes, password: bytes = b"") -> None:
        self.pong, self.info, self.password = pong, info, password
        super().__init__(("127.0.0.1", 0), FakeRedisHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class FakeRedisHandler(socketserver.StreamRequestHandler):
    server: FakeRedis

    def handle(self) -> None:
        lines = iter(self.rfile)
        for line in lines:
            if line.startswith(b"AUTH"):
                next(lines)  # the password's length
                given = next(lines).rstrip(b"\r\n")
                right = self.server.password and given == self.server.password
                self.wfile.write(b"+OK\r\n" if right else b"-WRONGPASS invalid password\r\n")
            elif line.startswith(b"PING"):
                self.wfile.write(self.server.pong)
            elif line.startswith(b"INFO"):
                body = self.server.info
                self.wfile.write(b"$%d\r\n%s\r\n" % (len(body), body))


def persistence(loading: int) -> bytes:
    # Redis 7 has async_loading beside loading: only the latter says the data is there.
    return b"# Persistence\r\nloading:%d\r\nasync_loading:0\r\naof_enabled:1" % loading


@pytest.fixture
def fake_redis() -> Iterator[Callable[..., int]]:
    servers: list[FakeRedis] = []

    def start(pong: bytes, info: bytes, password: bytes = b"") -> int:
        server = FakeRedis(pong, info, password)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("pong", "info", "state"),
    [
        (b"-LOADING Redis is loading the dataset in memory\r\n", b"", "loading"),
        (b"+PONG\r\n", persistence(loading=1), "loading"),
        (b"+PONG\r\n", persistence(loading=0), "ready"),
        (b"-NOAUTH Authentication required.\r\n", b"", "denied"),
    ],
)
def test_redis_state_tells_loading_from_ready(
    fake_redis: Callable[..., int], pong: bytes, info: bytes, state: str
) -> None:
    port = fake_redis(pong, info)
    assert redis_state(port) == state
    assert redis_ready(port) is (state == "ready")
    assert redis_answers(port) is (state in ("loading", "ready"))


def test_redis_state_is_down_when_nothing_listens() -> None:
    assert redis_state(free_port(), timeout=0.5) == "down"


def test_redis_state_authenticates_with_the_password(
    fake_redis: Callable[..., int],
) -> None:
    port = fake_redis(b"+PONG\r\n", persistence(loading=0), b"s3cret")
    assert redis_state(port, password="s3cret") == "ready"
    assert redis_state(port, password="wrong") == "denied"

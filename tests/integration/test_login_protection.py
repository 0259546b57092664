"""Sign-in lock-out (django-axes) on the running webapp, at the limit it runs with by default:
failed sign-ins lock out an account from every address and an address for every account,
with a 429 sign-in page that says so, and an `auth.lock_out` audit record.

Each test signs in from a loopback address of its own (127.0.0.0/8 all reaches the webapp's
127.0.0.1), so the per-address counter it fills is its own and no other test is locked out.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings

from devtools.topology import Service
from tests.conftest import RunningSystem
from tests.integration.test_audit import wait_for_record
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-battery-42"
# The shipped default, which the test system does not override.
LIMIT = settings.AXES_FAILURE_LIMIT
_addresses = (
    f"127.0.{third}.{fourth}" for third, fourth in itertools.product(range(10, 250), range(2, 250))
)


# The second webapp instance's cool-off: short, so a test can see one end.
SHORT_COOLOFF_SECONDS = 3


@pytest.fixture(scope="module")
def second_webapp(system: RunningSystem) -> Iterator[Service]:
    """Another webapp instance on the same users database, with a short cool-off."""
    with system.replica("webapp", {"AXES_COOLOFF_SECONDS": str(SHORT_COOLOFF_SECONDS)}) as replica:
        yield replica


@pytest.fixture
def address() -> str:
    """A loopback source address no other test signs in from."""
    return next(_addresses)


def sign_in(
    base_url: str, source: str, username: str, password: str, forged_for: str = ""
) -> httpx.Response:
    """One sign-in attempt from `source`, with its own cookies (as a fresh browser);
    `forged_for` claims another client address in X-Forwarded-For."""
    transport = httpx.HTTPTransport(local_address=source)
    headers = {"X-Forwarded-For": forged_for} if forged_for else {}
    with httpx.Client(
        base_url=base_url, transport=transport, headers=headers, timeout=10
    ) as client:
        client.get("/accounts/login/").raise_for_status()
        return client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": base_url + "/"},
        )


def assert_locked_out(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "sessionid" not in response.cookies


def test_the_default_limit_is_what_the_system_runs_with(system: RunningSystem) -> None:
    assert LIMIT == 5
    assert "AXES_FAILURE_LIMIT" not in system.app_env


def test_failures_from_many_addresses_lock_the_account_out(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    base_url = system.service("webapp").app_url
    for _ in range(LIMIT - 1):
        wrong = sign_in(base_url, next(_addresses), webapp_user.username, "wrong-password-1")
        assert wrong.status_code == 200  # the form again: wrong credentials, not yet locked
        assert "didn" in wrong.text
    assert_locked_out(sign_in(base_url, next(_addresses), webapp_user.username, "wrong-pass-2"))
    # Locked: the right password from yet another address is refused too.
    assert_locked_out(sign_in(base_url, next(_addresses), webapp_user.username, PASSWORD))


def test_failures_for_many_accounts_lock_the_address_out(
    system: RunningSystem, webapp_user: WebappUser, address: str
) -> None:
    base_url = system.service("webapp").app_url
    for _ in range(LIMIT - 1):
        wrong = sign_in(base_url, address, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-password-1")
        assert wrong.status_code == 200
    assert_locked_out(sign_in(base_url, address, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-1"))
    # The address is locked for a real account with its right password, but the account is
    # not: from another address it signs in.
    assert_locked_out(sign_in(base_url, address, webapp_user.username, PASSWORD))
    assert sign_in(base_url, next(_addresses), webapp_user.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_dodge_the_address_lock_out(
    system: RunningSystem, webapp_user: WebappUser, address: str
) -> None:
    base_url = system.service("webapp").app_url
    for n in range(LIMIT):
        last = sign_in(
            base_url, address, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-1", f"10.9.8.{n}"
        )
    assert_locked_out(last)
    assert_locked_out(sign_in(base_url, address, webapp_user.username, PASSWORD, "10.9.9.9"))


def test_a_sign_in_under_the_limit_succeeds(
    system: RunningSystem, webapp_user: WebappUser, address: str
) -> None:
    base_url = system.service("webapp").app_url
    for _ in range(LIMIT - 1):
        sign_in(base_url, address, webapp_user.username, "wrong-password-1")
    assert sign_in(base_url, address, webapp_user.username, PASSWORD).status_code == 302


def test_the_lockout_page_names_the_cool_off(
    system: RunningSystem, webapp_user: WebappUser, address: str
) -> None:
    base_url = system.service("webapp").app_url
    for _ in range(LIMIT):
        locked = sign_in(base_url, address, webapp_user.username, "wrong-password-1")
    assert_locked_out(locked)
    minutes = int(settings.AXES_COOLOFF_SECONDS // 60)
    assert f"locked for {minutes} minutes" in locked.text


def test_a_lock_out_is_audited(
    system: RunningSystem, webapp_user: WebappUser, address: str
) -> None:
    base_url = system.service("webapp").app_url
    for _ in range(LIMIT):
        sign_in(base_url, address, webapp_user.username, "wrong-password-1")
    record = wait_for_record(
        system,
        lambda r: r["action"] == "auth.lock_out" and webapp_user.username in r["reason"],
    )
    assert record["outcome"] == "denied"
    assert record["source_ip"] == address
    assert "wrong-password-1" not in str(record)


def test_every_webapp_instance_counts_the_same_failures(
    system: RunningSystem, webapp_user: WebappUser, second_webapp: Service, address: str
) -> None:
    first = system.service("webapp").app_url
    for _ in range(LIMIT - 1):
        assert sign_in(first, address, webapp_user.username, "wrong-1").status_code == 200
    # The last failure lands on the other instance, which sees the first one's count.
    assert_locked_out(sign_in(second_webapp.app_url, address, webapp_user.username, "wrong-2"))
    assert_locked_out(sign_in(first, next(_addresses), webapp_user.username, PASSWORD))


def test_the_lock_ends_after_the_cool_off(
    webapp_user: WebappUser, second_webapp: Service, address: str
) -> None:
    base_url = second_webapp.app_url
    for _ in range(LIMIT):
        locked = sign_in(base_url, address, webapp_user.username, "wrong-1")
    assert_locked_out(locked)
    locked_at = time.monotonic()
    assert_locked_out(sign_in(base_url, address, webapp_user.username, PASSWORD))
    # Time itself is what is tested (no event marks a cool-off's end), and any attempt during
    # it would start it over: wait it out once, then the right password works.
    time.sleep(SHORT_COOLOFF_SECONDS + 1)
    assert time.monotonic() - locked_at > SHORT_COOLOFF_SECONDS
    assert sign_in(base_url, address, webapp_user.username, PASSWORD).status_code == 302

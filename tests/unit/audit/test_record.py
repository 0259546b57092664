from __future__ import annotations

from django.test import RequestFactory

from audit import record


def test_a_record_holds_only_whitelisted_fields_even_from_a_login_post() -> None:
    request = RequestFactory().post(
        "/accounts/login/",
        {"username": "ann", "password": "hunter2-secret"},
        HTTP_USER_AGENT="pytest",
        HTTP_COOKIE="sessionid=session-secret",
        HTTP_DAPR_API_TOKEN="token-secret",
    )
    built = record.build("auth.sign_in", "user", 1, request=request)
    assert tuple(built) == record.FIELDS
    text = repr(built)
    for secret in ("hunter2-secret", "session-secret", "token-secret"):
        assert secret not in text
    assert built["user_agent"] == "pytest"
    assert built["source_ip"] == "127.0.0.1"


def test_whitelisted_drops_members_a_sender_added() -> None:
    raw = {
        **record.build("task.created", "task", "t1"),
        "password": "x",
        "actor": {"user_id": 1, "session_key": "s"},
    }
    cleaned = record.whitelisted(raw)
    assert "password" not in cleaned
    assert set(cleaned["actor"]) == set(record.ACTOR_FIELDS)


def test_an_unknown_outcome_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="outcome"):
        record.build("x", "y", None, outcome="maybe")

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from common import env


def test_required_returns_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_SECRET", "s3cret")
    assert env.required("SOME_SECRET") == "s3cret"


@pytest.mark.parametrize("value", [None, ""])
def test_required_missing_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("SOME_SECRET", raising=False)
    else:
        monkeypatch.setenv("SOME_SECRET", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_SECRET"):
        env.required("SOME_SECRET")


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", True)]
)
def test_flag_parses_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("A_FLAG", raw)
    assert env.flag("A_FLAG", default=True) is expected


def test_flag_rejects_other_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="A_FLAG must be a boolean"):
        env.flag("A_FLAG", default=False)


def test_integer_rejects_non_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A_PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="A_PORT must be an integer"):
        env.integer("A_PORT", 80)


def test_listing_splits_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example, ,b.example")
    assert env.listing("HOSTS", []) == ["a.example", "b.example"]


def test_seconds_is_a_positive_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEADLINE", "2.5")
    assert env.seconds("DEADLINE", 1.0) == 2.5
    monkeypatch.delenv("DEADLINE")
    assert env.seconds("DEADLINE", 1.0) == 1.0
    for wrong in ("0", "-1", "soon"):
        monkeypatch.setenv("DEADLINE", wrong)
        with pytest.raises(ImproperlyConfigured, match="DEADLINE must be a positive number"):
            env.seconds("DEADLINE", 1.0)

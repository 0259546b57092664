"""A task request's JSON fields of the wrong type are refused, naming the field."""

from __future__ import annotations

import pytest

from webapp.todo import forms


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": ["a"]}, "title"),
        ({"notes": {"a": 1}}, "notes"),
        ({"due": 1700000000}, "due"),
        ({"priority": True}, "priority"),
        ({"idempotency_key": ["abcdefgh"]}, "idempotency_key"),
        ({"direction": 1}, "direction"),
        ({"version": [1]}, "version"),
        ({"version": 1.5}, "version"),
        ({"version": True}, "version"),
        ({"version": None}, "version"),
    ],
)
def test_check_json_types_refuses_wrong_type_naming_field(body: dict, field: str) -> None:
    with pytest.raises(forms.BadRequest, match=f"^{field} must be"):
        forms.check_json_types(body)


def test_check_json_types_accepts_right_types_and_ignores_unknown_fields() -> None:
    body = {"title": "t", "due": None, "version": 3, "extra": [1]}
    assert forms.check_json_types(body) is body
    assert forms.check_json_types({"version": "3"})["version"] == "3"

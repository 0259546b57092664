"""The verification link's token: the owner and address it was made for, or InvalidLink."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing

from webapp.preferences.verification import SALT, InvalidLink, make_token, read_token


def test_a_token_reads_back_as_its_owner_and_address() -> None:
    assert read_token(make_token(7, "ada@example.test")) == (7, "ada@example.test")


def test_a_tampered_token_is_invalid() -> None:
    token = make_token(7, "ada@example.test")
    with pytest.raises(InvalidLink, match="not valid"):
        read_token(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_an_expired_token_is_invalid(settings: object) -> None:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 3 * 86400):
        token = make_token(7, "ada@example.test")
    with pytest.raises(InvalidLink, match="expired"):
        read_token(token)


def test_a_token_signed_with_another_key_or_salt_is_invalid() -> None:
    with pytest.raises(InvalidLink):
        read_token(make_token(7, "ada@example.test", key="another-key"))
    with pytest.raises(InvalidLink):
        read_token(signing.dumps({"owner": 7, "email": "a@b.c"}, salt=SALT + "x"))


def test_a_signed_value_of_the_wrong_shape_is_invalid() -> None:
    with pytest.raises(InvalidLink):
        read_token(signing.dumps({"owner": "7", "email": "a@b.c"}, salt=SALT))

"""Without JavaScript every basic action is a plain form post and a redirect."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.conftest import User, create_complete_delete

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_create_complete_and_delete_without_javascript(sign_up: Callable[..., User]) -> None:
    page = sign_up(javascript=False).page

    create_complete_delete(page, "Post a letter")

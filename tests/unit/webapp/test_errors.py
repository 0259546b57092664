"""webapp answers errors no view answers with its own short messages, never a traceback."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from webapp import errors

pytestmark = pytest.mark.urls("webapp.urls")


def test_unknown_path_is_the_project_s_404() -> None:
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert response.content.decode() == errors.NOT_FOUND


def test_unknown_path_is_json_for_scripts() -> None:
    response = Client().get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json() == {"error": errors.NOT_FOUND}


def test_a_crash_is_the_project_s_500_without_a_traceback(rf: RequestFactory) -> None:
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert response.content.decode() == errors.SERVER_ERROR

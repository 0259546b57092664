"""Only the sidecar, with the app token, and only the named caller app may call in."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory
from pytest_django.fixtures import Settings

from common.dapr.guards import from_app, from_sidecar


async def view(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"called": True})


def call(guarded: object, **headers: str) -> HttpResponse:
    request = RequestFactory().post("/x", headers=headers)
    return async_to_sync(guarded)(request)  # type: ignore[arg-type]


def test_without_an_app_token_configured_the_sidecar_is_trusted(settings: Settings) -> None:
    settings.APP_API_TOKEN = ""
    assert call(from_sidecar(view)).status_code == 200


def test_a_wrong_or_missing_app_token_is_401(settings: Settings) -> None:
    settings.APP_API_TOKEN = "right"
    assert call(from_sidecar(view)).status_code == 401
    assert call(from_sidecar(view), **{"dapr-api-token": "wrong"}).status_code == 401
    assert call(from_sidecar(view), **{"dapr-api-token": "right"}).status_code == 200


def test_from_sidecar_views_need_no_csrf_token() -> None:
    assert from_sidecar(view).csrf_exempt  # type: ignore[attr-defined]


def test_from_app_answers_403_naming_the_caller(settings: Settings) -> None:
    settings.APP_API_TOKEN = ""
    guarded = from_app("webapp")
    response = call(guarded(view), **{"dapr-caller-app-id": "sync-worker"})
    assert response.status_code == 403
    assert b"only webapp may call this (caller: sync-worker)" in response.content
    assert call(guarded(view)).status_code == 403
    assert call(guarded(view), **{"dapr-caller-app-id": "webapp"}).status_code == 200


def test_from_app_checks_the_app_token_first(settings: Settings) -> None:
    settings.APP_API_TOKEN = "right"
    response = call(from_app("webapp")(view), **{"dapr-caller-app-id": "webapp"})
    assert response.status_code == 401

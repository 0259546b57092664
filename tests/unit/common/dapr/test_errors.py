"""Every failed sidecar answer maps to one error of the gateway's hierarchy."""

from __future__ import annotations

import httpx
import pytest

from common.dapr.errors import (
    DaprBadRequest,
    DaprConflict,
    DaprError,
    DaprRefused,
    DaprUnavailable,
    error_for,
    raise_for_status,
)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (409, DaprConflict),
        (401, DaprRefused),
        (403, DaprRefused),
        (400, DaprBadRequest),
        (404, DaprBadRequest),
        (405, DaprBadRequest),
        (413, DaprBadRequest),
        (500, DaprUnavailable),
        (502, DaprUnavailable),
        (503, DaprUnavailable),
        (504, DaprUnavailable),
        (429, DaprUnavailable),
    ],
)
def test_each_failed_status_is_its_error(status: int, error: type[DaprError]) -> None:
    assert type(error_for(status, "x")) is error


def test_a_success_raises_nothing() -> None:
    raise_for_status(httpx.Response(204), "save k")


def test_a_failure_names_the_call_its_status_and_the_sidecar_message() -> None:
    response = httpx.Response(403, text='{"errorCode":"ERR_DIRECT_INVOKE"}')
    with pytest.raises(DaprRefused, match=r"invoke webapp: 403 .*ERR_DIRECT_INVOKE"):
        raise_for_status(response, "invoke webapp")


def test_every_error_is_a_dapr_error() -> None:
    for error in (DaprConflict, DaprRefused, DaprBadRequest, DaprUnavailable):
        assert issubclass(error, DaprError)

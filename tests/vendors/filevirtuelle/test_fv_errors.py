"""Every documented error name maps to the interface's exceptions, in one table."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorError,
)
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.errors import ERRORS, ErrorTranslator

# the documented names, written out here so a missing table row fails a test
EXPECTED: dict[str, tuple[type[VendorError], str | None]] = {
    "NoAuthorizationHeaderError": (AuthFailed, None),
    "NoTwoPartAuthorizationError": (AuthFailed, None),
    "InvalidAPIKey": (AuthFailed, None),
    "InvalidSignature": (AuthFailed, None),
    "InvalidTimestamp": (ServiceUnavailable, None),
    "AccountIsLocked": (AuthFailed, None),
    "InvalidRoute": (AuthFailed, None),
    "RateLimitExceeded": (RateLimited, None),
    "InvalidOrganization": (NotFound, None),
    "InvalidSuborganization": (NotFound, None),
    "InvalidPrequalification": (NotFound, None),
    "InvalidDevice": (NotFound, None),
    "InvalidDesk": (NotFound, None),
    "InvalidDeviceType": (ServiceUnavailable, None),
    "InvalidLang": (InputRejected, "language"),
    "InvalidIso8601": (InputRejected, "appointment"),
    "InvalidContactInformation": (InputRejected, "contact_value"),
    "ContactModeUnavailable": (InputRejected, "contact_mode"),
    "FairUseExceeded": (InputRejected, "contact_mode"),
    "InvalidEntity": (NotFound, None),
}


def _response(name: str) -> httpx.Response:
    body = data.error_body(name)
    return httpx.Response(body["code"], json=body)


def test_the_table_holds_exactly_the_documented_names() -> None:
    assert set(ERRORS) == set(EXPECTED) == set(data.ERRORS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_error_name_maps(name: str) -> None:
    kind, field = EXPECTED[name]
    error = ErrorTranslator().translate(_response(name), now=1_699_999_980.0 + 30)
    assert type(error) is kind
    assert error.vendor == "filevirtuelle"
    if kind is InputRejected:
        assert isinstance(error, InputRejected)
        assert error.reason == data.ERRORS[name][1]  # the vendor's own text
        assert error.field == field
    if kind is RateLimited:
        assert isinstance(error, RateLimited)
        assert error.retry_after == pytest.approx(30.0)  # until the next minute


def test_configuration_errors_are_logged_loudly_once(caplog: pytest.LogCaptureFixture) -> None:
    translator = ErrorTranslator()
    with caplog.at_level(logging.DEBUG, logger="bot.vendors.filevirtuelle"):
        for _ in range(3):
            translator.translate(_response("InvalidSignature"), now=0.0)
        translator.translate(_response("InvalidContactInformation"), now=0.0)
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(loud) == 1 and "InvalidSignature" in loud[0].getMessage()


@pytest.mark.parametrize("response", [
    httpx.Response(422, json={"code": 422, "error": "SomethingNew", "message": "?"}),
    httpx.Response(500, text="oops"),
    httpx.Response(400, json=["not", "an", "object"]),
])
def test_undocumented_errors_are_left_to_the_status(response: httpx.Response) -> None:
    assert ErrorTranslator().translate(response, now=0.0) is None

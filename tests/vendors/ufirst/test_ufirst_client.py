"""Error translation at the client boundary, settings and registry wiring.

Statuses the simulator never answers (429, 5xx, odd bodies) come from an
``httpx.MockTransport`` plugged in through ``VendorDeps.transport``.
"""

from __future__ import annotations

import json
import os
from datetime import date

import httpx
import pytest

from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    SlotUnavailable,
)
from bot.vendors import Customer
from bot.vendors.registry import VendorDeps, build_enabled, load_settings
from bot.vendors.ufirst.adapter import UfirstVendor, pack_slot, unpack_slot
from bot.vendors.ufirst.config import Settings
from bot.vendors.ufirst.models import ParameterValue, ReservationRequest

ANNA = Customer(telegram_id=1, pseudonym="psd-anna")
ENV = {"UFIRST_ORGANIZATION_ID": "org-1", "UFIRST_PRIVATE_KEY_ID": "k-3c9a-secret",
       "UFIRST_CLIENT_EMAIL": "bot@example.com"}


def mocked(answer) -> UfirstVendor:  # answer(request) -> httpx.Response for every non-login call
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            assert request.headers["x-privatekeyid"] == "key"
            return httpx.Response(200, json="header.e30.sig")
        assert request.headers["authorization"] == "Bearer header.e30.sig"
        return answer(request)

    settings = Settings(_env_file=None, organization_id="org-1", private_key_id="key",
                        client_email="bot@example.com", base_url="https://ufirst.test/v1")
    deps = VendorDeps(tokens=MemoryTokenStore(), transport=httpx.MockTransport(handle))
    return UfirstVendor(settings, deps)


def reserve(vendor: UfirstVendor):
    request = ReservationRequest(values=[ParameterValue(parameter_id="x", value="1")])
    return vendor.client.create_reservation("psd-anna", "P", "S", request,
                                            timeslot_parameter="timeslot")


@pytest.mark.parametrize(("status", "payload", "error", "field"), [
    (400, {"reservationParameterID": "contact-phone-number", "message": "bad"}, InputRejected,
     "contact-phone-number"),
    (422, {"error": {"reservationParameterID": "notes", "message": "too long"}}, InputRejected,
     "notes"),
    (400, {"message": "no such timeslot", "reservationParameterID": "timeslot"},
     SlotUnavailable, None),
    (409, {"message": "the timeslot is full"}, SlotUnavailable, None),
    (400, "plain words", InputRejected, None),
    (404, {}, NotFound, None),
    (403, {}, AuthFailed, None),
    (429, {}, RateLimited, None),
    (503, {}, ServiceUnavailable, None),
])
async def test_reservation_errors_are_translated(status, payload, error, field):
    vendor = mocked(lambda request: httpx.Response(
        status, json=payload, headers={"retry-after": "7"}))
    with pytest.raises(error) as raised:
        await reserve(vendor)
    assert type(raised.value) is error
    if isinstance(raised.value, InputRejected):
        assert raised.value.field == field and raised.value.reason
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 7
    assert raised.value.vendor == "ufirst"
    await vendor.aclose()


async def test_odd_answers_and_transport_failures_are_service_unavailable():
    garbage = mocked(lambda request: httpx.Response(200, content=b"<html>"))
    with pytest.raises(ServiceUnavailable):
        await garbage.list_bookings(ANNA)
    wrong_shape = mocked(lambda request: httpx.Response(200, json={"points": "many"}))
    with pytest.raises(ServiceUnavailable):
        await wrong_shape.list_sites(ANNA)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    unreachable = mocked(down)
    with pytest.raises(ServiceUnavailable):
        await unreachable.list_bookings(ANNA)
    for vendor in (garbage, wrong_shape, unreachable):
        await vendor.aclose()


async def test_requests_carry_the_date_and_the_pseudonym():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if "reservations" in request.url.path else
                              {"id": "P", "name": "Point", "timezone": "Europe/Rome"})

    vendor = mocked(answer)
    await vendor.client.point("psd-anna", "P", date(2026, 12, 2))
    await vendor.list_bookings(ANNA)
    assert seen[0].url.params["date"] == "2026-12-02"
    assert seen[1].url.path == "/v1/organizations/org-1/users/psd-anna/reservations"
    await vendor.aclose()


def test_reservation_request_uses_the_documented_names():
    request = ReservationRequest.model_validate(json.loads("""{
        "reservationParametersValues": [
            {"reservationParameterID": "contact-phone-number", "reservationParameterValue": "0"},
            {"reservationParameterID": "timeslot", "selectedAvailability": {
                "resourceID": "R", "timeslotStartTimeRFC3339": "2026-11-25T11:00:00+01:00"}}],
        "notificationChannel": "mailto:mail@example.com"}"""))
    assert request.body() == {
        "reservationParametersValues": [
            {"reservationParameterID": "contact-phone-number", "reservationParameterValue": "0"},
            {"reservationParameterID": "timeslot", "selectedAvailability": {
                "resourceID": "R", "timeslotStartTimeRFC3339": "2026-11-25T11:00:00+01:00"}}],
        "notificationChannel": "mailto:mail@example.com"}


def test_slot_ids_round_trip():
    from datetime import datetime
    from zoneinfo import ZoneInfo
    start = datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Europe/Rome"))
    packed = pack_slot("R|with-bar", start)
    assert unpack_slot(packed) == ("R|with-bar", start.date(), start.time())
    with pytest.raises(SlotUnavailable):
        unpack_slot("nonsense")


def test_settings_enabled_only_with_all_credentials(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.upper().startswith("UFIRST_")]:
        monkeypatch.delenv(name)  # other tests in this process may have exported some
    monkeypatch.chdir(tmp_path)  # and no stray .env file is read
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = load_settings("ufirst")
    assert settings.enabled and settings.base_url == "https://api.ufirst.business/v1"
    assert "k-3c9a-secret" not in repr(settings)  # the key id is a secret
    monkeypatch.setenv("UFIRST_PRIVATE_KEY_ID", "")
    assert not load_settings("ufirst").enabled
    monkeypatch.delenv("UFIRST_PRIVATE_KEY_ID")
    assert not Settings(_env_file=None).enabled


async def test_registry_builds_the_vendor_from_the_environment(monkeypatch, sim):
    for name, value in sim.environment(sim.url).items():
        monkeypatch.setenv(name, value)
    vendors = build_enabled(VendorDeps(tokens=MemoryTokenStore()), names=("ufirst",))
    vendor = vendors.get("ufirst")
    assert isinstance(vendor, UfirstVendor)
    assert [s.id for s in await vendor.list_sites(ANNA)][0] == "UFROM001"
    assert vendor.title == "Ufirst Demo"
    await vendors.aclose()

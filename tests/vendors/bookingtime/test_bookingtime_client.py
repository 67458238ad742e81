"""How the client reads bookingtime: the document's own example payloads, every
error shape we translate, settings and registry wiring.

A scripted ``httpx.MockTransport`` (``Server`` below) plays both hosts here,
to answer what the simulator never does: bare payloads exactly as printed in
the document, errors inside a 200, rate limits and outages.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.bookingtime.adapter import BookingtimeVendor
from bot.vendors.bookingtime.client import BookingtimeClient
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.models import CustomerData
from bot.vendors import Customer, errors
from bot.vendors.registry import VendorDeps, build_enabled, load_settings

ORG = "f6123456789101112131415aBCdeFgH"
TEMPLATE = {  # the document's example, trimmed
    "class": "BOOKING_TEMPLATE", "id": "fc12345678910AbcDefGh1112", "customId": "",
    "name": "Test AppointmentTemplate", "nameI18nList": [], "location": "ORGANIZATION_ADDRESS",
    "duration": 60, "price": {"class": "PRICE", "priceGross": 99.99, "taxRate": 19,
                              "currency": "EUR"},
    "showPrice": True, "priceGross": 99.99, "currency": "EUR", "taxRate": 19,
    "description": "Zeile1 Zeile2", "descriptionI18nList": [],
    "appointmentAddressRequired": False, "customerAddressRequired": False,
    "customerEmailRequired": True, "customerMobileRequired": False,
    "additionalCustomerCountMax": 0, "bookingDayEarliest": 0, "bookingDayLatest": 14,
    "bookingLeadTime": 120,
    "address": {"class": "ADDRESS", "name": "Example Company", "street": "Street 1",
                "zip": "12345", "city": "New York", "country": "DE",
                "geoCoordinates": {"class": "GEO_COORDINATES", "latitude": 42.60389747,
                                   "longitude": 8.980361}},
}
SLOTS = {  # bare, as the document prints bookingSlot/earliest
    "rangeStart": "2021-01-01T08:00:00+02:00", "rangeEnd": "2021-01-02T08:15:00+02:00",
    "timeZone": "Europe/Berlin",
    "bookingSlotList": [
        {"class": "BOOKING_SLOT", "id": "4f6gl70xpd71eqiz0878651d90b04330",
         "timestamp": "2021-01-01T00:15:00+02:00", "bookingResourceCombination": ["br1"]},
        {"class": "BOOKING_SLOT", "id": "4f123456789101112131415aBCdeFgH",
         "timestamp": "2021-01-01T00:15:00+02:00", "bookingResourceCombination": ["br2"]},
    ],
}
APPOINTMENT = {  # bare, as the document prints appointment/add
    "class": "APPOINTMENT", "id": "ed123456789101112131415aBCdeFgH",
    "start": "2021-01-01T00:15:00+02:00", "end": "2021-01-01T00:45:00+02:00", "duration": 30,
    "name": "Demo Appointment 1",
    "customer": {"firstName": "John", "lastName": "Doe", "email": "jd@scrubs.doc"},
}


class Server:
    """Token endpoint plus a scripted API; records what the client sent."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.token_bodies: list[dict[str, list[str]]] = []
        self.token_answers: list[httpx.Response] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            fields = parse_qs(request.content.decode(), keep_blank_values=True)
            self.token_bodies.append(fields)
            if self.token_answers:
                return self.token_answers.pop(0)
            if fields["grant_type"] == ["client_credentials"]:
                return httpx.Response(200, json={"refresh_token": f"r{len(self.token_bodies)}",
                                                 "token_type": "Bearer", "expires_in": "1800"})
            return httpx.Response(200, json={"access_token": f"a{len(self.token_bodies)}",
                                             "token_type": "Bearer", "expires_in": 300})
        assert request.headers["authorization"].startswith("Bearer a")
        self.requests.append(request)
        return self.answer(request)


def client_for(answer, **settings) -> tuple[BookingtimeClient, Server]:
    server = Server(answer)
    values = {"client_id": "23-client", "organization_ids": ORG, "locales": "de,en",
              "auth_url": "https://auth.bt.test", "api_url": "https://api.bt.test"} | settings
    deps = VendorDeps(tokens=MemoryTokenStore(), transport=httpx.MockTransport(server))
    client = BookingtimeClient(Settings(_env_file=None, **values), deps)
    return client, server


def vendor_for(answer) -> BookingtimeVendor:
    settings = Settings(_env_file=None, client_id="c", organization_ids=ORG,
                        auth_url="https://auth.bt.test", api_url="https://api.bt.test")
    return BookingtimeVendor(settings, VendorDeps(tokens=MemoryTokenStore(),
                                       transport=httpx.MockTransport(Server(answer))))


def envelope(content, *messages, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"messageList": list(messages), "content": content})


def error(text: str, field: str | None = None, kind: str = "ERROR") -> dict:
    return {"class": "MESSAGE", "type": kind, "text": text} | ({"field": field} if field else {})


async def test_reads_the_documents_payloads():
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/bookingTemplate/list"):
            return envelope({"class": "LIST", "recordTotal": 1, "recordList": [TEMPLATE]})
        if path.endswith("/earliest"):
            return httpx.Response(200, json=SLOTS)
        if path.endswith("/listWeek"):
            return envelope({"timeZone": "Europe/Zurich", "list": SLOTS["bookingSlotList"][:1]})
        return httpx.Response(200, json=APPOINTMENT)

    client, server = client_for(answer)
    [template] = await client.templates(ORG, "de")
    assert template.localized_name("en") == "Test AppointmentTemplate"
    assert template.shown_price() == (Decimal("99.99"), "EUR")
    assert (template.booking_lead_time, template.booking_day_latest) == (120, 14)
    assert template.customer_email_required and not template.customer_mobile_required
    assert template.address.geo_coordinates.latitude == 42.60389747
    earliest = await client.earliest_slot(ORG, "de", template.id)
    assert earliest.time_zone == "Europe/Berlin" and len(earliest.slots) == 2
    assert earliest.slots[0].timestamp == datetime(2020, 12, 31, 22, 15, tzinfo=timezone.utc)
    week = await client.week_slots(ORG, "de", template.id, 2021, 53)
    assert week.time_zone == "Europe/Zurich" and [s.id for s in week.slots] == [
        "4f6gl70xpd71eqiz0878651d90b04330"]
    booked = await client.add_appointment(ORG, "de", "4f1234", CustomerData(
        first_name="John", last_name="Doe", email="jd@scrubs.doc"))
    assert (booked.id, booked.duration, booked.is_cancelled) == (
        "ed123456789101112131415aBCdeFgH", 30, False)

    paths = [r.url.path for r in server.requests]
    assert paths == [
        f"/module/v3/de/organization/{ORG}/bookingTemplate/list",
        f"/module/v3/de/organization/{ORG}/bookingTemplate/{template.id}/bookingSlot/earliest",
        f"/module/v3/de/organization/{ORG}/bookingTemplate/{template.id}/bookingSlot/year/2021"
        "/week/53/listWeek",
        f"/module/v3/de/organization/{ORG}/appointment/add",
    ]
    assert server.requests[-1].method == "POST"
    assert server.requests[-1].read() == (
        b'{"bookingSlotId":"4f1234","customer":{"firstName":"John","lastName":"Doe",'
        b'"email":"jd@scrubs.doc"}}')
    assert server.token_bodies == [
        {"grant_type": ["client_credentials"], "client_id": ["23-client"]},
        {"grant_type": ["refresh_token"], "client_id": ["23-client"], "refresh_token": ["r1"],
         "organization_id": [ORG]},
    ]
    await client.aclose()


async def test_the_secret_is_sent_when_configured():
    client, server = client_for(lambda r: envelope({"recordList": []}), client_secret="s3")
    assert await client.templates(ORG, "en") == []
    assert server.token_bodies[0]["client_secret"] == ["s3"]
    assert "client_secret" not in server.token_bodies[1]
    await client.aclose()


@pytest.mark.parametrize(("response", "raised", "field"), [
    (envelope(None, error("Termin nicht gefunden."), status=404), errors.NotFound, None),
    (envelope(None, error("Bitte E-Mail angeben.", "customer.email"), status=400),
     errors.InputRejected, "email"),
    (envelope(None, error("Adresse fehlt.", "customer.address.zip"), status=422),
     errors.InputRejected, "address"),
    (envelope(None, error("Ungültige Anfrage."), status=400), errors.InputRejected, None),
    (envelope(None, error("Slot vergeben.", "bookingSlotId"), status=400),
     errors.SlotUnavailable, None),
    (envelope(None, error("Slot vergeben."), status=409), errors.SlotUnavailable, None),
    (envelope(None, error("Mobilnummer fehlt.", "customer.mobile")),
     errors.InputRejected, "mobile"),
    (envelope(None, error("Kein Zugriff."), status=403), errors.AuthFailed, None),
    (httpx.Response(429, headers={"Retry-After": "7"}), errors.RateLimited, None),
    (httpx.Response(503, text="<html>down</html>"), errors.ServiceUnavailable, None),
    (httpx.Response(200, text="not json"), errors.ServiceUnavailable, None),
    (envelope({"id": 7}), errors.ServiceUnavailable, None),  # an appointment without a string id
])
async def test_errors_are_translated(response, raised, field):
    client, _ = client_for(lambda request: response)
    with pytest.raises(raised) as caught:
        await client.appointment(ORG, "de", "ed1")
    assert type(caught.value) is raised or raised is errors.AuthFailed
    if raised is errors.InputRejected:
        assert caught.value.field == field
        assert caught.value.reason == response.json()["messageList"][0]["text"]
    if raised is errors.NotFound:
        assert str(caught.value) == "Termin nicht gefunden."
    if raised is errors.RateLimited:
        assert caught.value.retry_after == 7
    await client.aclose()


async def test_warnings_do_not_fail_a_call():
    client, _ = client_for(lambda r: envelope(APPOINTMENT, error("Hinweis", kind="WARNING")))
    assert (await client.appointment(ORG, "de", "ed1")).id == APPOINTMENT["id"]
    await client.aclose()


async def test_a_refused_refresh_token_is_renewed_once_then_given_up():
    client, server = client_for(lambda r: envelope({"recordList": []}))
    server.token_answers = [
        httpx.Response(200, json={"refresh_token": "r-old", "expires_in": 1800}),
        httpx.Response(400, json={"error": "invalid_grant", "error_description": "expired"}),
    ]
    assert await client.templates(ORG, "de") == []
    grants = [b["grant_type"][0] for b in server.token_bodies]
    assert grants == ["client_credentials", "refresh_token", "client_credentials", "refresh_token"]
    assert server.token_bodies[3]["refresh_token"] == ["r3"]

    other, server = client_for(lambda r: envelope({"recordList": []}))
    refused = httpx.Response(400, json={"error": "invalid_grant"})
    server.token_answers = [httpx.Response(200, json={"refresh_token": "r1"}), refused,
                            httpx.Response(200, json={"refresh_token": "r2"}), refused]
    with pytest.raises(errors.AuthFailed):
        await other.templates(ORG, "de")
    assert len(server.token_bodies) == 4  # no loop
    await client.aclose()
    await other.aclose()


async def test_locale_follows_the_customer_when_served():
    client, _ = client_for(lambda r: envelope(None))
    assert [client.locale_for(x) for x in ("en", "en-GB", "DE", "fr", None)] == [
        "en", "en", "de", "de", "de"]
    await client.aclose()


def test_settings_from_the_environment(monkeypatch):
    for name in ("AUTH_URL", "API_URL", "CLIENT_ID", "CLIENT_SECRET", "ORGANIZATION_IDS",
                 "LOCALES"):
        monkeypatch.delenv(f"BOOKINGTIME_{name}", raising=False)
    assert not Settings(_env_file=None).enabled
    monkeypatch.setenv("BOOKINGTIME_CLIENT_ID", "23-client")
    assert not Settings(_env_file=None).enabled  # no organization yet
    monkeypatch.setenv("BOOKINGTIME_ORGANIZATION_IDS", " org-a, org-b ,,org-a")
    monkeypatch.setenv("BOOKINGTIME_LOCALES", "DE, en")
    monkeypatch.setenv("BOOKINGTIME_API_URL", "https://api.bt.test/")
    settings = Settings(_env_file=None)
    assert settings.enabled and settings.secret is None
    assert settings.organization_ids == ("org-a", "org-b") and settings.locales == ("de", "en")
    assert settings.api_url == "https://api.bt.test"
    assert settings.auth_url == "https://auth.bookingtime.com"
    assert Settings(_env_file=None, locales="").locales == ("de",)
    monkeypatch.setenv("BOOKINGTIME_API_URL", "")
    assert not Settings(_env_file=None).enabled


async def test_the_registry_builds_it_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOOKINGTIME_CLIENT_ID", "23-client")
    monkeypatch.setenv("BOOKINGTIME_ORGANIZATION_IDS", ORG)
    assert load_settings("bookingtime").enabled
    vendors = build_enabled(VendorDeps(tokens=MemoryTokenStore()), names=("bookingtime",))
    assert [v.name for v in vendors] == ["bookingtime"]
    await vendors.aclose()


async def test_adapter_dedupes_equal_starts_and_fills_the_end():
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime.now(berlin).date() + timedelta(days=2)
    ten = datetime.combine(day, time(10), tzinfo=berlin)
    day_slots = {"timeZone": "Europe/Berlin", "bookingSlotList": [
        {"id": "s1", "timestamp": ten.isoformat()},
        {"id": "s2", "timestamp": ten.astimezone(timezone.utc).isoformat()},  # same instant
        {"id": "s3", "timestamp": (ten + timedelta(hours=1)).isoformat()}]}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/list"):
            return envelope({"recordList": [TEMPLATE | {"bookingDayLatest": None}]})
        return envelope(day_slots)

    vendor = vendor_for(answer)
    anna = Customer(telegram_id=1, pseudonym="psd-anna")
    slots = await vendor.list_slots(anna, ORG, TEMPLATE["id"], day)
    assert [(s.id, s.start, s.end) for s in slots] == [
        ("s1", ten, ten + timedelta(minutes=60)),
        ("s3", ten + timedelta(hours=1), ten + timedelta(minutes=120))]
    site = await vendor.get_site(anna, ORG)
    assert (site.name, site.timezone, site.latitude) == ("Example Company", "Europe/Berlin",
                                                         42.60389747)
    await vendor.aclose()


@pytest.mark.parametrize(("earliest", "country", "zone"), [
    (envelope({"timeZone": "America/Toronto", "bookingSlotList": []}), "CH", "America/Toronto"),
    (envelope({"bookingSlotList": []}), "CH", "Europe/Zurich"),
    (envelope(None, error("Keine Slots."), status=404), "AT", "Europe/Vienna"),
    (envelope({"timeZone": "Mars/Olympus", "list": []}), "", "Europe/Berlin"),
])
async def test_site_timezone_is_reported_else_guessed(earliest, country, zone):
    template = TEMPLATE | {"address": TEMPLATE["address"] | {"country": country}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/list"):
            return envelope({"recordList": [template]})
        return earliest

    vendor = vendor_for(answer)
    [site] = await vendor.list_sites(Customer(telegram_id=1, pseudonym="psd-anna"))
    assert site.timezone == zone
    await vendor.aclose()

"""The simulator's own rules, over plain HTTP, as any bookingtime client would see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from bot.vendors.bookingtime import simulator_data as seed

BERLIN, ZURICH = seed.BERLIN.id, seed.ZURICH.id
HAIRCUT, COLOURING = seed.HAIRCUT.id, seed.COLOURING.id


class Api:
    """A bare client holding an access token per organization."""

    def __init__(self, sim, http: httpx.AsyncClient) -> None:
        self.sim, self.http, self.tokens = sim, http, {}

    async def token(self, org: str) -> str:
        if org not in self.tokens:
            refresh = (await self.http.post(f"{self.sim.url}/auth/oauth/token", data={
                "grant_type": "client_credentials", "client_id": seed.CLIENT_ID})).json()
            access = (await self.http.post(f"{self.sim.url}/auth/oauth/token", data={
                "grant_type": "refresh_token", "client_id": seed.CLIENT_ID,
                "refresh_token": refresh["refresh_token"], "organization_id": org})).json()
            self.tokens[org] = access["access_token"]
        return self.tokens[org]

    async def call(self, method: str, tail: str, org: str = BERLIN, locale: str = "en",
                   **kwargs) -> httpx.Response:
        url = f"{self.sim.url}/api/module/v3/{locale}/organization/{org}/{tail}"
        headers = {"Authorization": f"Bearer {await self.token(org)}"}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def slots(self, template: str, tail: str, org: str = BERLIN) -> dict:
        answer = await self.call("GET", f"bookingTemplate/{template}/bookingSlot/{tail}", org)
        assert answer.status_code == 200, answer.text
        return answer.json()["content"]


@pytest.fixture
async def api(sim) -> AsyncIterator[Api]:
    async with httpx.AsyncClient() as http:
        yield Api(sim, http)


def error_of(answer: httpx.Response) -> tuple[int, str, str | None]:
    [message] = answer.json()["messageList"]
    assert message["class"] == "MESSAGE" and message["type"] == "ERROR"
    assert answer.json()["content"] is None
    return answer.status_code, message["text"], message.get("field")


async def test_week_month_day_and_earliest_agree(api, sim, travel):
    monday = travel(1, 6, 59).date()  # 120 minutes before opening: every slot is bookable
    year, week, _ = monday.isocalendar()
    listed = await api.slots(HAIRCUT, f"year/{year}/week/{week}/listWeek")
    assert listed["timeZone"] == "Europe/Berlin"
    assert datetime.fromisoformat(listed["rangeStart"]).date() == monday
    assert datetime.fromisoformat(listed["rangeEnd"]).date() == monday + timedelta(days=7)
    starts = [datetime.fromisoformat(s["timestamp"]) for s in listed["bookingSlotList"]]
    assert len(starts) == 5 * 16 and starts[0].strftime("%a %H:%M") == "Mon 09:00"
    assert starts[0].utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    day = await api.slots(HAIRCUT, f"year/{monday.year}/month/{monday.month}/day/{monday.day}"
                                   "/listDay")
    assert day["bookingSlotList"] == listed["bookingSlotList"][:16]
    earliest = await api.slots(HAIRCUT, "earliest")
    assert earliest["bookingSlotList"] == listed["bookingSlotList"][:1]
    month = await api.slots(HAIRCUT, f"year/{monday.year}/month/{monday.month}/listMonth")
    assert listed["bookingSlotList"][0] in month["bookingSlotList"]

    sim.slot_list_key = "list"
    assert (await api.slots(HAIRCUT, "earliest"))["list"] == earliest["bookingSlotList"]


async def test_lead_time_is_enforced_when_booking_too(api, sim, travel):
    travel(3, 8, 59)
    [first] = (await api.slots(HAIRCUT, "earliest"))["bookingSlotList"]
    assert datetime.fromisoformat(first["timestamp"]).strftime("%a %H:%M") == "Wed 11:00"
    sim.clock.advance(minutes=1)  # 11:00 is now inside the 120 minute lead time
    answer = await api.call("POST", "appointment/add", json={
        "bookingSlotId": first["id"],
        "customer": {"firstName": "A", "lastName": "B", "email": "a@example.org"}})
    assert error_of(answer) == (409, "This booking slot is no longer available.", "bookingSlotId")


async def test_appointment_life_cycle_and_its_refusals(api, sim, travel):
    tuesday = travel(2, 8, 0).date() + timedelta(days=1)  # a Wednesday, bookable for colouring
    day = f"year/{tuesday.year}/month/{tuesday.month}/day/{tuesday.day}/listDay"
    first, second = (await api.slots(COLOURING, day))["bookingSlotList"][:2]
    haircut = (await api.slots(HAIRCUT, day))["bookingSlotList"][0]
    person = {"firstName": "Anna", "lastName": "Schmidt", "mobile": "+49 151 1234567"}

    assert error_of(await api.call("POST", "appointment/add", json={"bookingSlotId": "nope",
                                                                     "customer": person})
                    ) == (400, "This booking slot does not exist.", "bookingSlotId")
    assert error_of(await api.call("POST", "appointment/add", locale="de", json={
        "bookingSlotId": first["id"], "customer": {"firstName": "Anna", "lastName": "S"}})
    ) == (400, "Bitte geben Sie Ihre Handynummer an.", "customer.mobile")
    assert error_of(await api.call("POST", "appointment/add", content=b"[]")
                    )[0] == 400
    added = await api.call("POST", "appointment/add", json={"bookingSlotId": first["id"],
                                                             "customer": person})
    assert added.status_code == 200
    assert added.json()["messageList"][0]["type"] == "SUCCESS"
    booked = added.json()["content"]
    assert booked["customer"] == {"class": "CUSTOMER"} | person
    assert (booked["start"], booked["duration"], booked["name"]) == (
        first["timestamp"], 60, "Hair colouring")
    assert first not in (await api.slots(COLOURING, day))["bookingSlotList"]

    move = f"appointment/{booked['id']}/move"
    refused = await api.call("POST", move, json={"bookingSlotId": second["id"]})
    assert refused.status_code == 405  # move is PUT, as in bookingtime's own SDK
    assert sim.appointment(booked["id"]).start.isoformat() == first["timestamp"]
    assert error_of(await api.call("PUT", move, json={"bookingSlotId": haircut["id"]})
                    )[::2] == (400, "bookingSlotId")
    moved = (await api.call("PUT", move, json={"bookingSlotId": second["id"]})).json()["content"]
    assert (moved["id"], moved["start"]) == (booked["id"], second["timestamp"])
    assert first in (await api.slots(COLOURING, day))["bookingSlotList"]

    assert error_of(await api.call("GET", f"appointment/{booked['id']}/show", org=ZURICH)
                    )[0] == 404  # another organization's appointment
    cancel = f"appointment/{booked['id']}/cancel"
    assert (await api.call("POST", cancel)).status_code == 405  # cancel is PUT too
    assert sim.appointment(booked["id"]).status != "CANCELED"
    assert (await api.call("PUT", cancel)).json()["content"]["status"] == "CANCELED"
    assert error_of(await api.call("PUT", cancel))[0] == 400
    shown = await api.call("GET", f"appointment/{booked['id']}/show")
    assert shown.json()["content"]["status"] == "CANCELED"
    assert second in (await api.slots(COLOURING, day))["bookingSlotList"]


async def test_custom_ids_are_checked_and_identify_the_appointment(api, sim, travel):
    """``customId`` as the vendor's public SDK shows it: set on add, read with identify."""
    wednesday = travel(2, 8, 0).date() + timedelta(days=1)
    day = f"year/{wednesday.year}/month/{wednesday.month}/day/{wednesday.day}/listDay"
    first, second, third = (await api.slots(COLOURING, day))["bookingSlotList"][:3]
    person = {"firstName": "Anna", "lastName": "Schmidt", "mobile": "+49 151 1234567"}

    def add(slot: dict, custom_id: object) -> dict:
        return {"bookingSlotId": slot["id"], "customer": person, "customId": custom_id}

    assert error_of(await api.call("POST", "appointment/add", json=add(first, 42))
                    )[::2] == (400, "customId")
    assert error_of(await api.call("POST", "appointment/add", json=add(first, "a/b"))
                    )[::2] == (400, "customId")
    added = (await api.call("POST", "appointment/add", json=add(first, "claim-1"))).json()
    assert added["content"]["customId"] == "claim-1"
    assert error_of(await api.call("POST", "appointment/add", json=add(second, "claim-1"))
                    ) == (400, "The customId is already in use.", "customId")
    found = await api.call("GET", "appointment/claim-1/identify")
    assert found.status_code == 200 and found.json()["content"]["id"] == added["content"]["id"]
    assert error_of(await api.call("GET", "appointment/claim-2/identify"))[0] == 404
    assert error_of(await api.call("GET", "appointment/claim-1/identify", org=ZURICH))[0] == 404
    await api.call("PUT", f"appointment/{added['content']['id']}/cancel")
    again = (await api.call("POST", "appointment/add", json=add(third, "claim-1"))).json()
    found = (await api.call("GET", "appointment/claim-1/identify")).json()["content"]
    assert found["id"] == again["content"]["id"]  # a cancelled one frees its customId


async def test_unknown_paths_and_dates(api, sim):
    assert error_of(await api.call("GET", "bookingTemplate/list", locale="xx"))[0] == 404
    assert error_of(await api.call("GET", "bookingTemplate/nope/bookingSlot/earliest"))[0] == 404
    bad = f"bookingTemplate/{HAIRCUT}/bookingSlot/year/2030/month/2/day/30/listDay"
    assert error_of(await api.call("GET", bad)) == (400, "Invalid date.", None)
    assert error_of(await api.call("GET", f"bookingTemplate/{HAIRCUT}/bookingSlot/year/2030"
                                          "/week/54/listWeek"))[0] == 400
    assert error_of(await api.call("GET", "appointment/nope/show"))[0] == 404


async def test_access_tokens_expire_on_the_simulators_clock(api, sim):
    assert (await api.call("GET", "bookingTemplate/list")).status_code == 200
    sim.clock.advance(seconds=299)
    assert (await api.call("GET", "bookingTemplate/list")).status_code == 200
    sim.clock.advance(seconds=2)
    expired = await api.call("GET", "bookingTemplate/list")
    assert error_of(expired) == (401, "The access token has expired.", None)

"""The simulator enforces the documented reservation protocol."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

BASE = "/v1/organizations/ufirst-demo"
RESERVE = f"{BASE}/points/UFROM001/services/UFROM001-registry/reservations"
ENTRANCE = "UFROM001-T_entrance"


@pytest.fixture
async def http(sim):
    token = sim.issue_token("tester")
    async with httpx.AsyncClient(base_url=sim.url,
                                 headers={"authorization": f"Bearer {token}"}) as client:
        yield client


def rome(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("Europe/Rome"))


def body(start: str, phone: str | None = "0612345678", resource: str = ENTRANCE) -> dict:
    values: list[dict] = [{"reservationParameterID": "timeslot", "selectedAvailability": {
        "resourceID": resource, "timeslotStartTimeRFC3339": start}}]
    if phone is not None:
        values.insert(0, {"reservationParameterID": "contact-phone-number",
                          "reservationParameterValue": phone})
    return {"reservationParametersValues": values, "notificationChannel": "mailto:a@example.com"}


async def test_reservation_bodies_are_validated(http, sim, future_day):
    wednesday, sunday = future_day(3), future_day(7)
    at = rome(wednesday, 11).isoformat()
    refusals = {
        "missing phone": (body(at, phone=None), "contact-phone-number"),
        "bad phone": (body(at, phone="12ab"), "contact-phone-number"),
        "unknown resource": (body(at, resource="UFROM001-T_nope"), "timeslot"),
        "no offset": (body(f"{wednesday}T11:00:00"), "timeslot"),
        "not a timeslot": (body(rome(wednesday, 11, 30).isoformat()), "timeslot"),
        "closed on sunday": (body(rome(sunday, 11).isoformat()), "timeslot"),
        "in the past": (body("2020-01-08T11:00:00+01:00"), "timeslot"),
        "unknown parameter": ({"reservationParametersValues": [
            {"reservationParameterID": "shoe-size", "reservationParameterValue": "42"}]},
            "shoe-size"),
    }
    for case, (payload, parameter) in refusals.items():
        answer = await http.post(RESERVE, json=payload)
        assert answer.status_code == 400, case
        assert answer.json()["reservationParameterID"] == parameter, case
        assert answer.json()["message"], case
    assert (await http.post(RESERVE, content=b"not json")).status_code == 400
    assert sim.reservations_for("tester") == []


async def test_capacity_labels_and_deletion(http, sim, future_day):
    day = future_day(3)
    at = rome(day, 10).isoformat()
    made = [await http.post(RESERVE, json=body(at)) for _ in range(3)]
    assert [m.status_code for m in made] == [201] * 3
    assert [m.json()["label"] for m in made] == ["A1", "A2", "A3"]
    assert {m.json()["state"] for m in made} == {"waiting"}
    assert made[0].json()["scheduledServingTimeRFC3339"] == at
    utc = rome(day, 10).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    full = await http.post(RESERVE, json=body(utc))  # same instant, other offset
    assert full.status_code == 409 and "full" in full.json()["message"]
    assert sim.remaining("UFROM001", ENTRANCE, day, "10:00") == 0

    point = (await http.get(f"{BASE}/points/UFROM001", params={"date": day.isoformat()})).json()
    slots = point["services"][0]["reservationParameters"][1]["resourcesAvailability"][0]
    assert {t["startTimeISO8601"]: t["maxPartySize"] for t in slots["timeslots"]}["1000"] == 0
    undated = (await http.get(f"{BASE}/points/UFROM001")).json()
    assert undated["services"][0]["reservationParameters"][1]["resourcesAvailability"][0][
        "timeslots"][1]["maxPartySize"] == 3
    assert (await http.get(f"{BASE}/points/UFROM001", params={"date": "soon"})).status_code == 400

    mine = (await http.get(f"{BASE}/users/tester/reservations")).json()
    assert len(mine) == 3 and {r["userID"] for r in mine} == {"tester"}
    gone = await http.delete(f"{BASE}/users/tester/reservations/{made[0].json()['id']}")
    assert gone.status_code == 204 and gone.content == b""
    assert sim.remaining("UFROM001", ENTRANCE, day, "1000") == 1
    again = await http.delete(f"{BASE}/users/tester/reservations/{made[0].json()['id']}")
    assert again.status_code == 404


async def test_reservations_of_others_stay_invisible(http, sim, future_day):
    at = rome(future_day(4), 9).isoformat()
    other = {"authorization": f"Bearer {sim.issue_token('other')}"}
    theirs = (await http.post(RESERVE, json=body(at), headers=other)).json()
    assert (await http.get(f"{BASE}/users/tester/reservations")).json() == []
    stolen = await http.delete(f"{BASE}/users/tester/reservations/{theirs['id']}")
    assert stolen.status_code == 404
    assert len(sim.reservations_for("other")) == 1


async def test_inactive_service_and_unknown_paths(http):
    archive = f"{BASE}/points/UFROM001/services/UFROM001-archive/reservations"
    assert (await http.post(archive, json=body("2030-01-09T10:00:00+01:00"))).status_code == 400
    assert (await http.get(f"{BASE}/points/NOPE")).status_code == 404
    assert (await http.get("/v1/organizations/nope")).status_code == 404


async def test_organization_lists_points_without_services(http):
    organization = (await http.get(BASE)).json()
    assert organization["name"] == "Ufirst Demo"
    zones = {p["citySlug"]: p["timezone"] for p in organization["points"]}
    assert zones == {"rome": "Europe/Rome", "milan": "Europe/Rome", "paris": "Europe/Paris",
                     "lisbon": "Europe/Lisbon"}
    assert all("services" not in p and p["businessDays"] for p in organization["points"])
    assert [d["weekday"] for d in organization["points"][0]["businessDays"]] == [1, 2, 3, 4, 5, 6]


def test_environment_points_at_v1(sim):
    env = sim.environment("http://127.0.0.1:9")
    assert env["UFIRST_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert set(env) == {"UFIRST_BASE_URL", "UFIRST_ORGANIZATION_ID", "UFIRST_PRIVATE_KEY_ID",
                        "UFIRST_CLIENT_EMAIL"}
    assert datetime.now(timezone.utc) - sim.clock.now() < timedelta(seconds=5)

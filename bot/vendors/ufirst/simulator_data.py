"""Seed data of the ufirst simulator, the JSON it renders, its records and JWTs.

One demo organization with points in several cities and timezones. Every
bookable service has the documented ``contact-phone-number`` parameter and a
``timeslot`` parameter with one or two resources offering hourly timeslots
with small capacities, so a full timeslot is easy to reach in tests and the
demo. Business days are Monday to Saturday (ISO weekdays 1..6), shorter on
Saturday; Lisbon closes at 17:00 so its 17:00 timeslot is never bookable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ORGANIZATION_ID = "ufirst-demo"
ORGANIZATION_NAME = "Ufirst Demo"
PRIVATE_KEY_ID = "sim-private-key-0f3c9a"
CLIENT_EMAIL = "booking-bot@ufirst-demo.iam.example.com"
PHONE_REGEX = r"^[0-9]{9,40}$|^none$"
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
WEBHOOK_TARGETS = frozenset({"resourcesWithReservations"})

HOURLY = tuple(f"{hour:02d}00" for hour in range(9, 18))  # 0900 .. 1700
WEEKDAYS = {day: ("0900", "1800") for day in range(1, 6)} | {6: ("0900", "1300")}


@dataclass(frozen=True)
class SimParameter:
    id: str
    label: str
    placeholder: str = ""
    regex: str = ""


PHONE = SimParameter("contact-phone-number", "Your phone number", "1234567890", PHONE_REGEX)
EMAIL = SimParameter("contact-email", "Your e-mail address", "name@example.com", EMAIL_REGEX)
TIMESLOT = SimParameter("timeslot", "Select the day and hour for the service")


@dataclass(frozen=True)
class SimResource:
    id: str
    name: str
    capacity: int
    times: tuple[str, ...] = HOURLY


@dataclass(frozen=True)
class SimService:
    id: str
    name: str
    letter: str  # first character of reservation labels, e.g. "C" in C22
    resources: tuple[SimResource, ...]
    details: tuple[SimParameter, ...] = (PHONE,)
    active: bool = True

    def resource(self, resource_id: str) -> SimResource | None:
        return next((r for r in self.resources if r.id == resource_id), None)

    @property
    def parameters(self) -> tuple[SimParameter, ...]:
        return (*self.details, TIMESLOT)


@dataclass(frozen=True)
class SimPoint:
    id: str
    name: str
    city: str
    country: str
    timezone: str
    latitude: float
    longitude: float
    address: str
    services: tuple[SimService, ...]
    hours: dict[int, tuple[str, str]] = field(default_factory=lambda: dict(WEEKDAYS))
    category: str = "public-office"

    def service(self, service_id: str) -> SimService | None:
        return next((s for s in self.services if s.id == service_id), None)

    def is_open(self, moment: datetime) -> bool:
        """Whether local ``moment`` falls within that weekday's business hours."""
        hours = self.hours.get(moment.isoweekday())
        return hours is not None and hours[0] <= moment.strftime("%H%M") < hours[1]

    def business_days(self) -> list[dict[str, Any]]:
        return [
            {"weekday": day, "startTimeISO8601": start, "endTimeISO8601": end}
            for day, (start, end) in sorted(self.hours.items())
        ]

    def summary(self) -> dict[str, Any]:
        """The point as listed inside the organization (no geoPoint, no services)."""
        return {
            "id": self.id, "name": self.name, "categorySlug": self.category,
            "citySlug": self.city, "timezone": self.timezone, "isUfirstBusiness": True,
            "businessDays": self.business_days(),
        }

    def full(self, places: Any) -> dict[str, Any]:
        """The point with its services; ``places(service, resource, time)`` gives maxPartySize."""
        return self.summary() | {
            "geoPoint": {"latitude": self.latitude, "longitude": self.longitude,
                         "name": self.address},
            "countrySlug": self.country,
            "organization": organization_info(),
            "services": [_service_json(s, places) for s in self.services],
        }


def _service_json(service: SimService, places: Any) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"id": p.id, "label": p.label, "placeholder": p.placeholder, "regex": p.regex,
         "resourcesAvailability": []}
        for p in service.details
    ]
    parameters.append({
        "id": TIMESLOT.id, "label": TIMESLOT.label, "placeholder": "", "regex": "",
        "resourcesAvailability": [
            {"resourceID": r.id, "resourceName": r.name,
             "timeslots": [{"startTimeISO8601": t, "maxPartySize": places(service, r, t)}
                           for t in r.times]}
            for r in service.resources
        ],
    })
    return {"id": service.id, "name": service.name, "reservationParameters": parameters,
            "isActive": service.active, "isScheduled": True}


def organization_info() -> dict[str, Any]:
    return {"id": ORGANIZATION_ID, "name": ORGANIZATION_NAME,
            "fullName": "Ufirst Demo Public Offices",
            "headerImageURL": "https://example.com/ufirst-demo/header.png",
            "logoURL": "https://example.com/ufirst-demo/logo.png"}


def _point(code: str, name: str, city: str, country: str, tz: str, lat: float, lon: float,
           address: str, *services: SimService, **extra: Any) -> SimPoint:
    return SimPoint(code, name, city, country, tz, lat, lon, address, services, **extra)


ROME = _point(
    "UFROM001", "Ufirst Demo Roma Termini", "rome", "italy", "Europe/Rome", 41.902, 12.501,
    "Via Giovanni Amendola 46, 00185 Roma Italia",
    SimService("UFROM001-registry", "Registry office", "A", (
        SimResource("UFROM001-T_entrance", "Entrance", 3),
        SimResource("UFROM001-T_desk2", "Desk 2", 4),
    )),
    SimService("UFROM001-passport", "Passport pickup", "C", (
        SimResource("UFROM001-T_passport", "Passport desk", 3),
    )),
    SimService("UFROM001-archive", "Archive consultation", "Z", (
        SimResource("UFROM001-T_archive", "Archive", 3),
    ), active=False),
)
MILAN = _point(
    "UFMIL001", "Ufirst Demo Milano Centrale", "milan", "italy", "Europe/Rome", 45.4862, 9.2046,
    "Piazza Duca d'Aosta 1, 20124 Milano Italia",
    SimService("UFMIL001-banking", "Banking consultation", "B", (
        SimResource("UFMIL001-T_counter", "Counter", 5),
    )),
    SimService("UFMIL001-pharmacy", "Pharmacy pickup", "P", (
        SimResource("UFMIL001-T_pharmacy", "Pharmacy", 4),
    )),
)
PARIS = _point(
    "UFPAR001", "Ufirst Demo Paris Opéra", "paris", "france", "Europe/Paris", 48.8708, 2.3317,
    "8 Rue Auber, 75009 Paris France",
    SimService("UFPAR001-permits", "Residence permits", "R", (
        SimResource("UFPAR001-T_window1", "Window 1", 3),
        SimResource("UFPAR001-T_window2", "Window 2", 3),
    ), details=(PHONE, EMAIL)),
)
LISBON = _point(
    "UFLIS001", "Ufirst Demo Lisboa Baixa", "lisbon", "portugal", "Europe/Lisbon", 38.7107,
    -9.1366, "Rua Augusta 100, 1100-053 Lisboa Portugal",
    SimService("UFLIS001-citizen", "Citizen shop", "L", (
        SimResource("UFLIS001-T_entrance", "Entrance", 4),
    )),
    hours={day: ("0900", "1700") for day in range(1, 7)},
)

POINTS: dict[str, SimPoint] = {p.id: p for p in (ROME, MILAN, PARIS, LISBON)}


@dataclass
class SimReservation:
    """A reservation as the simulator keeps it, with what the client sent."""

    id: str
    label: str
    user_id: str
    point: SimPoint = field(repr=False)
    service: SimService = field(repr=False)
    resource_id: str
    start: datetime  # in the point's timezone
    sent_start: str  # timeslotStartTimeRFC3339 exactly as received
    created_at: datetime
    values: dict[str, str] = field(default_factory=dict)
    notification_channel: str | None = None
    state: str = "waiting"

    @property
    def slot_key(self) -> tuple[str, str, str, str]:
        return (self.point.id, self.resource_id, self.start.date().isoformat(),
                self.start.strftime("%H%M"))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label,
            "createdAtRFC3339": self.created_at.isoformat(timespec="milliseconds"),
            "pointID": self.point.id, "serviceID": self.service.id,
            "serviceName": self.service.name, "state": self.state, "userID": self.user_id,
            "scheduledServingTimeRFC3339": self.start.isoformat(),
        }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_jwt(secret: bytes, claims: dict[str, Any]) -> str:
    """An HS256 JWT carrying ``claims``."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def read_jwt(secret: bytes, token: str) -> dict[str, Any]:
    """The claims of a JWT signed by :func:`sign_jwt`; ValueError if not ours."""
    head, body, signature = token.split(".")
    expected = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    if json.loads(_unb64(head)).get("alg") != "HS256" or not hmac.compare_digest(
        _unb64(signature), expected
    ):
        raise ValueError("bad signature")
    claims = json.loads(_unb64(body))
    if not isinstance(claims, dict):
        raise ValueError("claims are not an object")
    return claims

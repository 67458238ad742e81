"""The office the Bookings ONE simulator serves: two buildings in two timezones.

Zurich (Europe/Zurich) and New York (America/New_York), each with rooms of
several sizes, desks and one deleted room. Appointments and visitor badges
are placed relative to the moment the simulator starts (``t0``), so "now"
always finds some rooms busy and some free, and moving the simulator's clock
makes meetings end and others begin. Badge codes are fixed so tests and the
demo can type them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

API_KEY = "b1-sim-key-0123456789abcdef"

ZURICH, NEW_YORK = 1, 2
ZONES = {ZURICH: "Europe/Zurich", NEW_YORK: "America/New_York"}

BUILDINGS: list[dict[str, Any]] = [
    {"id": ZURICH, "name": [{"languageCode": "en-US", "value": "Zurich HQ"},
                            {"languageCode": "de-CH", "value": "Hauptsitz Zürich"}],
     "address": "Bahnhofstrasse 1, 8001 Zürich", "shortName": "ZRH",
     "floors": [{"id": 11, "name": "1"}, {"id": 12, "name": "2"}], "isDeleted": False, "order": 1},
    {"id": NEW_YORK, "name": [{"languageCode": "en-US", "value": "New York Office"}],
     "address": "350 5th Ave, New York", "shortName": "NYC",
     "floors": [{"id": 21, "name": "21"}], "isDeleted": False, "order": 2},
]
FLOOR_BUILDING = {f["id"]: b["id"] for b in BUILDINGS for f in b["floors"]}


def _resource(rid: int, name: str, kind: int, capacity: int, floor: int,
              deleted: bool = False) -> dict[str, Any]:
    floor_doc = next(f for b in BUILDINGS for f in b["floors"] if f["id"] == floor)
    return {"id": rid, "accessId": f"R{rid}", "name": [{"languageCode": "en-US", "value": name}],
            "type": kind, "category": 0 if kind == 0 else 1, "description": [],
            "actualServiceItems": [], "floor": dict(floor_doc), "capacity": capacity,
            "isDeleted": deleted}


ROOM, DESK = 0, 1
RESOURCES: list[dict[str, Any]] = [
    _resource(101, "Alpha", ROOM, 8, 11), _resource(102, "Beta", ROOM, 6, 11),
    _resource(103, "Gamma", ROOM, 4, 12), _resource(104, "Delta", ROOM, 12, 12),
    _resource(105, "Epsilon", ROOM, 10, 12, deleted=True), _resource(106, "Zeta", ROOM, 6, 12),
    _resource(111, "Desk 1.01", DESK, 1, 11), _resource(112, "Desk 1.02", DESK, 1, 11),
    _resource(201, "Hudson", ROOM, 6, 21), _resource(202, "Liberty", ROOM, 10, 21),
    _resource(203, "Brooklyn", ROOM, 2, 21), _resource(211, "Desk 21.01", DESK, 1, 21),
]
BY_ID = {r["id"]: r for r in RESOURCES}

# (resource, start minutes from t0, end minutes from t0, subject)
APPOINTMENTS: list[tuple[int, int, int, str]] = [
    (101, -30, 45, "Sprint review"),  # Alpha: busy now, free in 45 min
    (102, 90, 150, "Board prep"),  # Beta: free now, until 90 min
    (104, -10, 20, "Stand-up"),  # Delta: busy now until 60 (touching meetings)
    (104, 20, 60, "Planning"),
    (106, 240, 300, "Interviews"),  # Zeta: free until 240 min
    (111, -60, 180, "Hot desk"),  # Desk 1.01 taken
    (202, -15, 30, "Client call"),  # Liberty: busy now
    (201, 120, 180, "Training"),  # Hudson: free until 120 min
]

# (code, state, building, start minutes from t0, end minutes, visitor)
BADGES: list[tuple[str, str, int, int, int, str]] = [
    ("FJUEIW", "visiting", ZURICH, -60, 120, "Ada Lovelace"),
    ("KQZRTA", "initial", ZURICH, 60, 180, "Alan Turing"),
    ("PLMNBV", "visited", ZURICH, -240, -120, "Grace Hopper"),
    ("XCVBNM", "noShow", NEW_YORK, -180, -60, "Edsger Dijkstra"),
    ("QWERTY", "initial", NEW_YORK, 30, 90, "Barbara Liskov"),
]
BADGE_STATES = ("initial", "visiting", "visited", "noShow")


@dataclass
class Appointment:
    id: int
    resource_id: int
    start: datetime
    end: datetime
    subject: str
    state: str = "booked"

    def doc(self) -> dict[str, Any]:
        resource = BY_ID[self.resource_id]
        return {"id": self.id, "subject": self.subject,
                "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
                "bookingState": self.state,
                "bookableResource": {"id": self.resource_id, "name": resource["name"],
                                     "type": resource["type"]}}


@dataclass
class Badge:
    id: int
    code: str
    state: str
    building_id: int
    start: datetime
    end: datetime
    visitor: str

    def doc(self) -> dict[str, Any]:
        return {"id": self.id, "uid": f"uid-{self.id}",
                "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
                "registrationCode": self.code, "state": BADGE_STATES.index(self.state),
                "visitor": {"id": 5000 + self.id, "name": self.visitor},
                "building": {"id": self.building_id},
                "checkInDate": self.start.isoformat() if self.state != "initial" else None,
                "checkOutDate": self.end.isoformat() if self.state == "visited" else None}


@dataclass
class Subscription:
    id: str
    resource_ids: frozenset[int]
    url: str
    expires_at: datetime


@dataclass
class Office:
    """The mutable state: appointments, badges and subscriptions."""

    t0: datetime
    appointments: dict[int, Appointment] = field(default_factory=dict)
    badges: dict[int, Badge] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t0 = self.t0.replace(second=0, microsecond=0)
        for n, (rid, start, end, subject) in enumerate(APPOINTMENTS, start=1):
            self.appointments[n] = Appointment(n, rid, t0 + timedelta(minutes=start),
                                               t0 + timedelta(minutes=end), subject)
        for n, (code, state, building, start, end, visitor) in enumerate(BADGES, start=1):
            self.badges[n] = Badge(n, code, state, building, t0 + timedelta(minutes=start),
                                   t0 + timedelta(minutes=end), visitor)

    def next_appointment_id(self) -> int:
        return max(self.appointments, default=0) + 1

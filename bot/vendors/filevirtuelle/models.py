"""FileVirtuelle payloads, as much of them as the bot reads.

Each GET model carries ``FIELDS``, the projection the client asks for, so
responses hold only what is parsed here. Names and texts are objects keyed
by upper-case language codes (``{"FR": ..., "EN": ...}``). Timestamps are
ISO 8601 in UTC; the API wants them written with a ``Z``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utc_iso(value: datetime) -> str:
    """``2018-06-25T15:15:00.000Z``: UTC, milliseconds, ``Z``; naive times are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no defined UTC instant")
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class _Fv(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True,
                              coerce_numbers_to_str=True, defer_build=True)


class FairUse(_Fv):
    sms: int | None = None
    email: int | None = None
    max_hits: int | None = None


class Urls(_Fv):
    next: str = ""
    processed: str = ""


class ApiInfo(_Fv):
    FIELDS: ClassVar[tuple[str, ...]] = ("name", "testing", "fairuse", "urls")

    name: str = ""
    testing: bool = False
    fairuse: FairUse = FairUse()
    urls: Urls = Urls()


class Activation(_Fv):
    activated: bool = False


class Suborganization(_Fv):
    """A store."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "_id", "name", "organization", "tz", "langs", "sms.activated", "email.activated",
        "undigital", "call_by_people", "ptc", "ttc",
    )

    id: str = Field(alias="_id")
    name: str = ""
    organization: str = ""
    tz: str = "UTC"
    langs: list[str] = []
    sms: Activation = Activation()
    email: Activation = Activation()
    undigital: bool = False
    call_by_people: bool = True
    ptc: int = 2
    ttc: int = 10


class DeviceStatus(_Fv):
    open: bool = True
    pause: bool = False


class Device(_Fv):
    """A ticket machine (``type`` ``machine``), a desk or a screen."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "_id", "suborganization", "name", "type", "html_name", "status",
    )

    id: str = Field(alias="_id")
    suborganization: str = ""
    name: str = ""
    type: str = ""
    html_name: dict[str, str] = {}
    status: DeviceStatus = DeviceStatus()


class Prequalification(_Fv):
    """A node of a store's "what do you come for" tree."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "_id", "suborganization", "name", "prequalifications", "root", "meeting", "waiting",
        "machine_order", "machines",
    )

    id: str = Field(alias="_id")
    suborganization: str = ""
    name: dict[str, str] = {}
    prequalifications: list[str] = []  # children, in the hierarchy
    root: bool = False
    meeting: bool = False
    waiting: int = 0  # estimated minutes to handle
    machine_order: int = 0
    machines: list[str] = []  # ticket machines showing it; empty = all


class Customer(_Fv):
    """A person in (or through) a store's queue."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "_id", "ticket", "called", "processed", "prioritized", "desk", "stimestamp",
        "ctimestamp", "utimestamp", "ttp",
    )

    id: str = Field(alias="_id")
    ticket: str = ""
    suborganization: str = ""
    called: bool = False
    processed: bool = False
    prioritized: bool = False
    desk: str = ""
    stimestamp: datetime | None = None
    ctimestamp: datetime | None = None
    utimestamp: datetime | None = None
    ttp: float | None = None  # minutes from call to done

    @field_validator("stimestamp", "ctimestamp", "utimestamp", "ttp", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("ticket", "desk", mode="before")
    @classmethod
    def _none_is_blank(cls, value: object) -> object:
        return "" if value is None else value

    @property
    def waiting(self) -> bool:
        return not self.called and not self.processed

    @property
    def called_at(self) -> datetime | None:
        return self.ctimestamp or self.utimestamp


class Registration(BaseModel):
    """The body of ``POST /register``; absent contact fields are left out."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    lang: str
    prequalification: str
    prequalifications_path: list[str]
    suborganization: str
    machine: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    meeting: bool | None = None
    mtimestamp: str | None = None
    external_meeting_id: str | None = None

    def body(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)


class Change(_Fv):
    """Answer of ``/register`` and ``/next``; ``entity`` is the customer."""

    message: str = ""
    entity: Customer | None = None

"""Bookings ONE payloads as the client reads them (pydantic, at the boundary).

The document's response samples elide nested objects (``"period": {}``,
``"data": [ ]``), so the shapes below read them tolerantly: names are
either a string or a list of ``{languageCode, value}`` translations;
a period is ``{start, end}`` (also accepted as ``from``/``to``); enum-like
fields (a resource's ``type``, a badge's ``state``) come as the documented
integer or as the word the search filters use. Unknown fields are ignored
and every field the bot does not strictly need is optional.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

# The integer codes in responses, in the order the search filters and the
# analytics name them (an assumption: the document shows only ``0``).
RESOURCE_TYPES = ("room", "desk", "equipment")
BADGE_STATES = ("initial", "visiting", "visited", "noShow")
# Appointment states that hold a resource; anything else (cancelled, ended...) frees it.
BUSY_STATES = ("booked", "using", "waitingCheckIn")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True,
                              defer_build=True)


def text_of(value: Any, language: str | None = None) -> str:
    """One string from a plain or a translated name, preferring ``language``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts: list[tuple[str, str]] = []
        for item in value:
            if isinstance(item, dict):
                lang = str(item.get("languageCode") or item.get("language") or "")
                text = item.get("value") or item.get("text") or item.get("name")
                if text:
                    texts.append((lang.lower(), str(text)))
            elif isinstance(item, str):
                texts.append(("", item))
        if language:
            for lang, text in texts:
                if lang.split("-")[0] == language.lower().split("-")[0]:
                    return text
        return texts[0][1] if texts else ""
    return "" if value is None else str(value)


def _word(value: Any, words: tuple[str, ...]) -> str:
    if isinstance(value, int) and 0 <= value < len(words):
        return words[value]
    return str(value) if value is not None else "unknown"


class SystemInfo(_Model):
    name: str = ""
    version: str = ""
    environment: str | None = None
    client_name: str | None = Field(default=None, alias="clientName")


class Ref(_Model):
    """A nested object of which only the id (and maybe a name) is read."""

    id: int
    name: Any = None


class Period(_Model):
    start: datetime = Field(validation_alias=AliasChoices("start", "from", "startTime"))
    end: datetime = Field(validation_alias=AliasChoices("end", "to", "endTime"))


class Floor(_Model):
    id: int
    name: Any = None


class Building(_Model):
    id: int
    name: Any = None
    address: str | None = None
    short_name: str | None = Field(default=None, alias="shortName")
    floors: list[Floor] = []
    is_deleted: bool = Field(default=False, alias="isDeleted")
    order: int = 0


class Resource(_Model):
    id: int
    access_id: str | None = Field(default=None, alias="accessId")
    name: Any = None
    type: str = "room"
    category: Any = None
    floor: Floor | None = None
    capacity: int | None = None
    is_deleted: bool = Field(default=False, alias="isDeleted")

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> str:
        return _word(value, RESOURCE_TYPES)


class Appointment(_Model):
    id: int
    subject: str | None = None
    period: Period
    booking_state: str = Field(default="booked", alias="bookingState")
    bookable_resource: Ref = Field(alias="bookableResource")


class Badge(_Model):
    id: int
    uid: str | None = None
    period: Period | None = None
    registration_code: str | None = Field(default=None, alias="registrationCode")
    state: str = "unknown"
    visitor: Ref | None = None
    building: Ref | None = None
    check_in_date: datetime | None = Field(default=None, alias="checkInDate")
    check_out_date: datetime | None = Field(default=None, alias="checkOutDate")

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> str:
        return _word(value, BADGE_STATES)


class VisitingAppointment(_Model):
    id: int
    subject: str | None = None
    period: Period
    booking_state: str | None = Field(default=None, alias="bookingState")
    building: Ref | None = None
    inviting_user: Ref | None = Field(default=None, alias="invitingUser")


class DailyVisitors(_Model):
    initial: int = Field(default=0, alias="numberOfInitial")
    visiting: int = Field(default=0, alias="numberOfVisiting")
    visited: int = Field(default=0, alias="numberOfVisited")
    no_show: int = Field(default=0, alias="numberOfNoShow")


class MetaData(_Model):
    page: int | None = None
    row: int | None = None
    total: int | None = Field(default=None,
                              validation_alias=AliasChoices("totalCount", "total", "count"))


class Page(_Model, Generic[T]):
    data: list[T] = []
    meta: MetaData = Field(default_factory=MetaData, alias="metaData")

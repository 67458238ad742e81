"""The booking being built, kept in ``user_data`` between steps.

Persistence stores user_data as JSON, so the draft holds plain dicts (the
vendor-neutral models dumped in JSON mode) and this module turns them back
into models. Lists shown as buttons are kept too, so a button carries only a
short index (callback data is limited to 64 bytes) and still means the same
thing after a restart.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.vendors import BookingDraft, DetailField, Service, Site, Slot

M = TypeVar("M", bound=BaseModel)
KEY = "booking"


class Draft:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def of(cls, user_data: dict[str, Any] | None, *, new: bool = False) -> "Draft":
        assert user_data is not None
        if new or KEY not in user_data:
            user_data[KEY] = {}
        return cls(user_data[KEY])

    @staticmethod
    def clear(user_data: dict[str, Any] | None) -> None:
        if user_data is not None:
            user_data.pop(KEY, None)

    # -- single values -------------------------------------------------
    def _get(self, name: str, model: type[M]) -> M | None:
        raw = self.data.get(name)
        return model.model_validate(raw) if raw is not None else None

    def _set(self, name: str, value: BaseModel | None) -> None:
        self.data[name] = value.model_dump(mode="json") if value is not None else None

    @property
    def vendor(self) -> str | None:
        return self.data.get("vendor")

    @vendor.setter
    def vendor(self, name: str) -> None:
        self.data["vendor"] = name

    @property
    def site(self) -> Site | None:
        return self._get("site", Site)

    @site.setter
    def site(self, value: Site | None) -> None:
        self._set("site", value)

    @property
    def service(self) -> Service | None:
        return self._get("service", Service)

    @service.setter
    def service(self, value: Service | None) -> None:
        self._set("service", value)

    @property
    def slot(self) -> Slot | None:
        return self._get("slot", Slot)

    @slot.setter
    def slot(self, value: Slot | None) -> None:
        self._set("slot", value)

    @property
    def day(self) -> date | None:
        raw = self.data.get("day")
        return date.fromisoformat(raw) if raw else None

    @day.setter
    def day(self, value: date | None) -> None:
        self.data["day"] = value.isoformat() if value else None

    # -- lists shown as buttons ---------------------------------------
    def remember(self, name: str, items: list[BaseModel]) -> None:
        self.data[name] = [item.model_dump(mode="json") for item in items]

    def listed(self, name: str, model: type[M]) -> list[M]:
        return [model.model_validate(raw) for raw in self.data.get(name, [])]

    def pick(self, name: str, model: type[M], index: int) -> M | None:
        items = self.data.get(name, [])
        return model.model_validate(items[index]) if 0 <= index < len(items) else None

    # -- details -------------------------------------------------------
    @property
    def fields(self) -> list[DetailField]:
        return self.listed("fields", DetailField)

    @property
    def field_index(self) -> int:
        return int(self.data.get("field_index", 0))

    @field_index.setter
    def field_index(self, value: int) -> None:
        self.data["field_index"] = value

    @property
    def details(self) -> dict[str, str]:
        return self.data.setdefault("details", {})

    # -- submission ----------------------------------------------------
    def new_key(self) -> str:
        """A fresh idempotency key, fixed when the summary is shown."""
        self.data["key"] = secrets.token_hex(8)
        return self.data["key"]

    @property
    def key(self) -> str | None:
        return self.data.get("key")

    def to_booking_draft(self) -> BookingDraft:
        site, service, slot, key = self.site, self.service, self.slot, self.key
        assert site and service and slot and key, "draft incomplete"
        return BookingDraft(
            site=site, service=service, slot=slot, details=dict(self.details), idempotency_key=key
        )

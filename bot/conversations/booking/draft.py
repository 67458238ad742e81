"""The booking being built, kept in ``user_data`` between steps (see
:class:`~bot.conversations.common.UserDataDraft` for why it holds dicts)."""

from __future__ import annotations

from datetime import date

from bot.ui import UserDataDraft
from bot.vendors import BookingDraft, DetailField, Service, Site, Slot


class Draft(UserDataDraft):
    KEY = "booking"

    @property
    def site(self) -> Site | None:
        return self.model("site", Site)

    @site.setter
    def site(self, value: Site | None) -> None:
        self.set_model("site", value)

    @property
    def service(self) -> Service | None:
        return self.model("service", Service)

    @service.setter
    def service(self, value: Service | None) -> None:
        self.set_model("service", value)

    @property
    def slot(self) -> Slot | None:
        return self.model("slot", Slot)

    @slot.setter
    def slot(self, value: Slot | None) -> None:
        self.set_model("slot", value)

    @property
    def day(self) -> date | None:
        raw = self.data.get("day")
        return date.fromisoformat(raw) if raw else None

    @day.setter
    def day(self, value: date | None) -> None:
        self.data["day"] = value.isoformat() if value else None

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
    def set_key(self, key: str) -> str:
        """The idempotency key, fixed when the summary is shown (see submit.new_key)."""
        self.data["key"] = key
        return key

    @property
    def key(self) -> str | None:
        return self.data.get("key")

    def to_booking_draft(self) -> BookingDraft:
        site, service, slot, key = self.site, self.service, self.slot, self.key
        assert site and service and slot and key, "draft incomplete"
        return BookingDraft(
            site=site, service=service, slot=slot, details=dict(self.details), idempotency_key=key
        )

"""The join request being built, kept in ``user_data`` between steps.

Persistence stores user_data as JSON, so this holds plain dicts (the
vendor-neutral models dumped in JSON mode) and turns them back into models.
Lists shown as buttons are kept too, so a button carries only a short index
(callback data is limited to 64 bytes) and means the same thing after a
restart. The choice tree is walked one level at a time: ``levels`` is the
stack of lists shown, ``path`` the choices taken, root first.
"""

from __future__ import annotations

from typing import Any

from bot.ui import UserDataDraft
from bot.vendors import Appointment, Choice, ContactMode, QueueSite


class QueueDraft(UserDataDraft):
    KEY = "queue"

    # -- site ----------------------------------------------------------------
    @property
    def sites(self) -> list[QueueSite]:
        return self.listed("sites", QueueSite)

    @sites.setter
    def sites(self, listed: list[QueueSite]) -> None:
        self.remember("sites", listed)

    @property
    def site(self) -> QueueSite | None:
        return self.model("site", QueueSite)

    @site.setter
    def site(self, value: QueueSite | None) -> None:
        self.set_model("site", value)
        self.data["levels"], self.data["path"] = [], []
        self.data.pop("appointment", None)
        self.data.pop("refused_modes", None)

    # -- the choice tree ---------------------------------------------------
    @property
    def levels(self) -> list[list[Choice]]:
        return [[Choice.model_validate(c) for c in level] for level in self.data.get("levels", [])]

    def push_level(self, choices: list[Choice]) -> None:
        self.data.setdefault("levels", []).append([c.model_dump(mode="json") for c in choices])

    def pop_level(self) -> None:
        levels = self.data.get("levels", [])
        if levels:
            levels.pop()

    @property
    def path(self) -> list[str]:
        return list(self.data.get("path", []))

    def choose(self, choice: Choice) -> None:
        self.data.setdefault("path", []).append(choice.id)
        self.data["leaf"] = choice.model_dump(mode="json")

    def unchoose(self) -> None:
        path = self.data.get("path", [])
        if path:
            path.pop()
        self.data.pop("leaf", None)
        self.data.pop("appointment", None)

    @property
    def leaf(self) -> Choice | None:
        return self.model("leaf", Choice)

    # -- appointment and contact ------------------------------------------
    @property
    def appointments(self) -> list[dict[str, Any]]:
        """Offered appointments: ``{"label", "external_id", "start"}`` each."""
        return list(self.data.get("appointments", []))

    @appointments.setter
    def appointments(self, offered: list[dict[str, Any]]) -> None:
        self.data["appointments"] = offered

    @property
    def appointment(self) -> Appointment | None:
        return self.model("appointment", Appointment)

    @appointment.setter
    def appointment(self, value: Appointment | None) -> None:
        self.set_model("appointment", value)

    @property
    def refused_modes(self) -> set[ContactMode]:
        return set(self.data.get("refused_modes", []))

    def refuse_mode(self, mode: ContactMode) -> None:
        self.data["refused_modes"] = sorted(self.refused_modes | {mode})

    def modes(self) -> list[ContactMode]:
        """The site's contact modes still worth offering, name first: the bot itself
        notifies on Telegram, so registering by name costs the business no SMS."""
        site = self.site
        if site is None:
            return []
        order: tuple[ContactMode, ...] = ("name", "phone", "email")
        return [m for m in order if site.accepts(m) and m not in self.refused_modes]

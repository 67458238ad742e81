"""Which appointments each customer booked through this adapter.

The Module API shows an appointment by id but cannot list a customer's, so
the adapter remembers, per customer pseudonym, the appointments it booked.
:class:`StoredAppointmentIndex` keeps them in the bot's database (the
application lends a :class:`~bot.vendors._refs.RefStore` as ``VendorDeps.refs``)
and so knows them after a restart; :class:`MemoryAppointmentIndex` knows only
what was booked since this process started and says so by answering ``None``
for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.vendors._refs import RefStore
from bot.vendors.bookingtime.client import VENDOR


@dataclass(frozen=True)
class AppointmentRef:
    organization_id: str
    appointment_id: str
    template_id: str | None = None


class AppointmentIndex(Protocol):
    """Per customer pseudonym, the appointments this adapter booked."""

    async def add(self, owner: str, ref: AppointmentRef) -> None: ...

    async def remove(self, owner: str, appointment_id: str) -> None: ...

    async def refs(self, owner: str) -> list[AppointmentRef] | None:
        """The owner's appointments; ``None`` when the index cannot know."""

    async def owner_of(self, appointment_id: str) -> str | None: ...


class MemoryAppointmentIndex:
    """The index of this process only; it knows owners who booked since start."""

    def __init__(self) -> None:
        self._by_owner: dict[str, dict[str, AppointmentRef]] = {}
        self._owners: dict[str, str] = {}

    async def add(self, owner: str, ref: AppointmentRef) -> None:
        self._by_owner.setdefault(owner, {})[ref.appointment_id] = ref
        self._owners[ref.appointment_id] = owner

    async def remove(self, owner: str, appointment_id: str) -> None:
        self._by_owner.get(owner, {}).pop(appointment_id, None)
        if self._owners.get(appointment_id) == owner:
            del self._owners[appointment_id]

    async def refs(self, owner: str) -> list[AppointmentRef] | None:
        known = self._by_owner.get(owner)
        return None if known is None else list(known.values())

    async def owner_of(self, appointment_id: str) -> str | None:
        return self._owners.get(appointment_id)


class StoredAppointmentIndex:
    """The index in the bot's database: it knows every appointment booked through it.

    An owner without rows has booked nothing (or everything was cancelled),
    so :meth:`refs` answers an empty list, never ``None``.
    """

    def __init__(self, store: RefStore) -> None:
        self._store = store

    async def add(self, owner: str, ref: AppointmentRef) -> None:
        data = {"organization": ref.organization_id, "template": ref.template_id}
        await self._store.add(VENDOR, owner, ref.appointment_id, data)

    async def remove(self, owner: str, appointment_id: str) -> None:
        await self._store.remove(VENDOR, owner, appointment_id)

    async def refs(self, owner: str) -> list[AppointmentRef] | None:
        rows = await self._store.list_for_owner(VENDOR, owner)
        return [
            AppointmentRef(str(row.data["organization"]), row.ref_id,
                           str(row.data["template"]) if row.data.get("template") else None)
            for row in rows if row.data.get("organization")
        ]

    async def owner_of(self, appointment_id: str) -> str | None:
        return await self._store.owner_of(VENDOR, appointment_id)

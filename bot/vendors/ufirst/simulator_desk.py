"""What happens at a ufirst point outside the API: the desk calls, moves and cancels.

ufirst pushes such changes to the point's one webhook (target
``resourcesWithReservations``); the document does not show the payload, so
the simulator posts what its name suggests (the point and its resources
with their reservations) and the bot must treat it as a hint only. Calls
are made in the background and logged in ``webhook_calls``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.vendors.ufirst import simulator_data as data


class DeskMixin:
    """Staff actions of the simulator; each change calls the point's webhook once."""

    _reservations: dict[str, data.SimReservation]
    _webhooks: dict[str, dict[str, str]]
    _booked: Any  # Counter of (point, resource, day, hhmm)
    call_back: Any  # Simulator.call_back
    clock: Any  # Simulator.clock

    def _init_desk(self) -> None:
        self.webhook_calls: list[tuple[str, dict[str, Any], int | str]] = []

    def call_reservation(self, reservation_id: str) -> int:
        """The desk calls the reservation; how many webhooks were called (0 or 1)."""
        reservation = self._reservations[reservation_id]
        reservation.state = "called"
        return self._push(reservation.point.id)

    def move_reservation(self, reservation_id: str, start: datetime) -> int:
        """The point moves the reservation to another of its timeslots."""
        reservation = self._reservations[reservation_id]
        self._booked[reservation.slot_key] -= 1
        reservation.start = start.astimezone(ZoneInfo(reservation.point.timezone))
        self._booked[reservation.slot_key] += 1
        return self._push(reservation.point.id)

    def cancel_reservation(self, reservation_id: str) -> int:
        """The point cancels it: it stays listed for its user, as ``cancelled``."""
        reservation = self._reservations[reservation_id]
        if reservation.state != "cancelled":
            reservation.state = "cancelled"
            self._booked[reservation.slot_key] -= 1
        return self._push(reservation.point.id)

    def fill_day(self, point_id: str, service_id: str, day: date,
                 user_id: str = "walk-ins") -> list[data.SimReservation]:
        """Other people take every place of the service's timeslots that day (the
        point open, the timeslot ahead); the reservations made, to cancel some later."""
        point = data.POINTS[point_id]
        service = point.service(service_id)
        assert service is not None, service_id
        made = []
        for resource in service.resources:
            for hhmm in resource.times:
                start = datetime.combine(day, time(int(hhmm[:2]), int(hhmm[2:])),
                                         tzinfo=ZoneInfo(point.timezone))
                if not point.is_open(start) or start <= self.clock.now():
                    continue
                key = (point.id, resource.id, day.isoformat(), hhmm)
                while self._booked[key] < resource.capacity:
                    self._booked[key] += 1
                    reservation = data.SimReservation(
                        id=secrets.token_hex(12), label=f"W{len(made) + 1}", user_id=user_id,
                        point=point, service=service, resource_id=resource.id, start=start,
                        sent_start=start.isoformat(), created_at=self.clock.now().astimezone(
                            ZoneInfo(point.timezone)))
                    self._reservations[reservation.id] = reservation
                    made.append(reservation)
        return made

    def _push(self, point_id: str) -> int:
        hook = self._webhooks.get(point_id)
        if hook is None:
            return 0
        resources: dict[str, list[dict[str, Any]]] = {}
        for reservation in self._reservations.values():
            if reservation.point.id == point_id:
                resources.setdefault(reservation.resource_id, []).append(
                    {"id": reservation.id, "label": reservation.label,
                     "state": reservation.state})
        payload = {"pointID": point_id, "target": hook["target"], "resources": [
            {"resourceID": rid, "reservations": items} for rid, items in resources.items()]}
        self.call_back(hook["url"], payload, self.webhook_calls)
        return 1

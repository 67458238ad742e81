"""How often each store of a queue vendor may be polled.

A vendor's :meth:`QueueRole.poll_interval` says at what spacing every
watched store may be polled for ever within its request budget, after what
people use (registering, staff calls). Each store gets that fair share:

* its **regular interval** is the fair share, never below
  QUEUE_POLL_MIN_SECONDS (with a roomy budget the floor governs, with a
  tight one the budget does);
* **pokes** (a vendor callback, a staff call, a new ticket, a Refresh press)
  bring the next snapshot forward, but never closer than the fair share to
  the previous one (and never closer than :data:`MIN_GAP`): a store called
  every two seconds with a budget for one snapshot every ten gets one every
  ten, right after a call, and polling as a whole cannot outrun the budget
  however many callbacks arrive.

Polling alone (no callback ever) delivers every notice at the regular interval.
"""

from __future__ import annotations

from bot.vendors import QueueRole

MIN_GAP = 0.05  # seconds: pokes closer than this share one snapshot, whatever the budget


def fair_share(vendor: QueueRole, stores: int) -> float:
    return vendor.poll_interval(max(1, stores))


def regular_interval(vendor: QueueRole, stores: int, floor: float) -> float:
    return max(floor, fair_share(vendor, stores))


def poke_gap(vendor: QueueRole, stores: int, floor: float) -> float:
    """The least time between two snapshots of one store while pokes keep coming."""
    return min(regular_interval(vendor, stores, floor), max(MIN_GAP, fair_share(vendor, stores)))

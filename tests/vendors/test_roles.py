"""The vendor roles: composable into one class, and their small pure rules."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

import bot.vendors as vendors
from bot.vendors import (
    BookingRole,
    BusyInterval,
    NoticeRule,
    Profile,
    QueueRole,
    QueueSnapshot,
    Space,
    Vendor,
    Vendors,
    availability,
)

ROLES = [getattr(vendors, name) for name in vendors.__all__ if name.endswith("Role")]
T0 = datetime(2030, 6, 25, 10, 0, tzinfo=timezone.utc)


def test_no_two_roles_share_a_method_so_one_class_can_play_several() -> None:
    own = {role: {n for n, _ in inspect.getmembers(role) if not n.startswith("_")}
           - {n for n, _ in inspect.getmembers(Vendor)} for role in ROLES}
    assert len(ROLES) == 7
    for role in ROLES:
        for other in ROLES:
            if role is not other and not issubclass(role, other) and not issubclass(other, role):
                assert not own[role] & own[other], (role.__name__, other.__name__)


def stand_in(role: type[Vendor], name: str) -> Vendor:
    """An instance playing ``role`` whose methods are never called."""
    cls = type(f"StandIn{role.__name__}", (role,), {"name": name})
    cls.__abstractmethods__ = frozenset()
    return cls()


def test_the_registry_answers_which_vendors_play_a_role() -> None:
    enabled = Vendors({"s": stand_in(BookingRole, "s"), "q": stand_in(QueueRole, "q")})
    assert list(enabled.playing(QueueRole)) == ["q"] and list(enabled.booking) == ["s"]
    assert enabled.queue("q") is enabled.enabled["q"] and enabled.queue("s") is None
    assert enabled.get("s") is enabled.enabled["s"] and enabled.get("q") is None
    assert [v.name for v in enabled] == ["s"] and len(enabled) == 1


@pytest.mark.parametrize(("rule", "ahead", "wait", "due"), [
    (NoticeRule(people_ahead=2), 2, 30.0, True),
    (NoticeRule(people_ahead=2), 3, 1.0, False),
    (NoticeRule(minutes_left=10, people_ahead=2), 5, 10.0, True),
    (NoticeRule(minutes_left=10, people_ahead=2), 1, 11.0, False),  # minutes rule, wait known
    (NoticeRule(minutes_left=10, people_ahead=2), 2, None, True),  # no estimate: people count
    (NoticeRule(minutes_left=10), 1, None, False),
    (NoticeRule(minutes_left=10), 0, None, True),
])
def test_notice_rule(rule: NoticeRule, ahead: int, wait: float | None, due: bool) -> None:
    assert rule.due(ahead, wait) is due


def test_a_notice_rule_needs_a_number_and_snapshots_default_to_two_people() -> None:
    with pytest.raises(ValidationError):
        NoticeRule()
    snapshot = QueueSnapshot(site_id="s", taken_at=T0, waiting=("a", "b", "c", "me"))
    assert snapshot.notice == NoticeRule(people_ahead=2) and not snapshot.notice_due("me")
    assert snapshot.notice_due("c")


def test_availability_merges_touching_bookings() -> None:
    room = Space(id="r1", building_id="b", name="Alpha", kind="room", capacity=6)
    hour = timedelta(hours=1)
    busy = [BusyInterval(space_id="r1", start=T0 + h * hour, end=T0 + (h + 1) * hour)
            for h in (1, 2, 5)] + [BusyInterval(space_id="other", start=T0, end=T0 + 9 * hour)]
    now = availability(room, busy, T0)
    assert now.free and now.until == T0 + timedelta(hours=1)
    taken = availability(room, busy, T0 + timedelta(minutes=90))
    assert not taken.free and taken.until == T0 + timedelta(hours=3)  # 11-12 and 12-13 are one run
    assert availability(room, busy, T0 + timedelta(hours=7)).until is None


def test_a_profile_prefills_only_what_it_has() -> None:
    remo = Profile(subject="3d92", display_name="Herr Remo Räber", first_name="Remo",
                   last_name="Räber", phone="+41441234567")
    assert remo.prefill() == {"first_name": "Remo", "last_name": "Räber", "phone": "+41441234567"}
    assert remo.full_name == "Remo Räber"
    assert Profile(subject="x", display_name="Dr. X").full_name == "Dr. X"

"""When reminders go: leads before the start, moved out of the site's quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.notifications.reminders import QuietHours, reminder_times

ROME = ZoneInfo("Europe/Rome")
NIGHT = QuietHours(time(21), time(8))
LEADS = (timedelta(hours=24), timedelta(hours=2))


def _at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = ROME) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)


def _local(times: list[tuple[timedelta, datetime]], zone: ZoneInfo = ROME) -> list[str]:
    return [f"{lead.total_seconds() / 3600:g}h@{due.astimezone(zone):%d %H:%M}" for lead, due in times]


def test_outside_quiet_hours_the_leads_are_kept() -> None:
    assert _local(reminder_times(_at(4, 15), "Europe/Rome", LEADS, NIGHT)) == [
        "24h@03 15:00", "2h@04 13:00"]


def test_a_reminder_due_in_quiet_hours_moves_to_their_end_in_the_sites_zone() -> None:
    # 9:30 in Rome: 2 h before is 7:30, quiet until 8:00; 24 h before is 9:30 the day before
    assert _local(reminder_times(_at(4, 9, 30), "Europe/Rome", LEADS, NIGHT)) == [
        "24h@03 09:30", "2h@04 08:00"]
    # 22:00: the day before at 22:00 is quiet until the booking day's 8:00
    assert _local(reminder_times(_at(4, 22, 30), "Europe/Rome", LEADS, NIGHT)) == [
        "24h@04 08:00", "2h@04 20:30"]
    # the same instant in another zone is judged by that site's night
    lisbon = ZoneInfo("Europe/Lisbon")
    start = _at(4, 9, 30, lisbon)
    assert _local(reminder_times(start, "Europe/Lisbon", LEADS, NIGHT), lisbon) == [
        "24h@03 09:30", "2h@04 08:00"]


def test_quiet_hours_ending_after_the_start_leave_nothing_to_remind() -> None:
    assert _local(reminder_times(_at(4, 7, 30), "Europe/Rome", LEADS, NIGHT)) == ["24h@03 08:00"]


def test_two_leads_moved_onto_one_time_give_one_reminder() -> None:
    leads = (timedelta(hours=3), timedelta(hours=2))
    assert _local(reminder_times(_at(4, 9, 30), "Europe/Rome", leads, NIGHT)) == ["3h@04 08:00"]


def test_quiet_hours_within_one_day_and_none() -> None:
    lunch = QuietHours(time(12), time(14))
    assert _local(reminder_times(_at(4, 15), "Europe/Rome", LEADS, lunch)) == [
        "24h@03 15:00", "2h@04 14:00"]
    assert _local(reminder_times(_at(4, 9), "Europe/Rome", LEADS, None)) == [
        "24h@03 09:00", "2h@04 07:00"]
    assert all(due.tzinfo == timezone.utc
               for _, due in reminder_times(_at(4, 9), "Europe/Rome", LEADS, NIGHT))

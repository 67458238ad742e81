"""Personal data at rest: what users typed is never in the database or its WAL in clear."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.world import LocalWorld
from bot.vendors.bookingtime import simulator_data as seed
from tests.conftest import RunningBot, book_until_summary, has_data
from tests.e2e.test_bookingtime_booking import confirm, give_details, labels_of, open_template

PHONE = "393331234567"  # shared with the contact button by book_until_summary
TYPED = ["Annelise", "Schmidtbauer", "annelise@example.org", "Rolfine", "Kuenzliger",
         "Dorfstrasse 5, 8700 Küsnacht"]


def database_bytes(folder: Path) -> bytes:
    files = sorted(folder.glob("bot.sqlite3*"))
    assert any(f.name.endswith("-wal") and f.stat().st_size > 0 for f in files), files
    return b"".join(f.read_bytes() for f in files)


async def test_no_name_phone_email_or_address_in_the_database_or_wal(
    world: LocalWorld, bot: RunningBot
) -> None:
    user = world.telegram.user(470, first_name="Zed", language_code="en")
    summary = await book_until_summary(user)  # ufirst: the phone
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_screen(lambda m: "You are booked" in (m.text or ""))
    for site, template, values in (
        ("Salon Mitte", seed.HAIRCUT, TYPED[:3]),  # names and an e-mail address
        ("Praxis am See", seed.PHYSIO, TYPED[3:]),  # names and a postal address
    ):
        days = await open_template(user, site, template.names["en"])
        user.press(labels_of(days, "bk:day:")[1], message_id=days.message_id)
        slots = await user.wait_screen(has_data("bk:slot:"))
        user.press(labels_of(slots, "bk:slot:")[0], message_id=slots.message_id)
        await confirm(user, await give_details(user, values))

    stored = database_bytes(bot.database.parent)
    assert "Praxis am See".encode() in stored  # the scan does see what was written
    for value in [PHONE, *TYPED, "Küsnacht", "example.org"]:
        assert value.encode() not in stored, f"{value!r} stored in clear"

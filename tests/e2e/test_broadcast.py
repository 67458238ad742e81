"""Staff /broadcast through the fake Bot API: audience, preview, progress, Pause/Stop,
blocked users, and a SIGKILL halfway that finishes with nobody missed or doubled."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.fake_telegram.errors import too_many_requests
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, RunningBot, bot_env, wait_until

STAFF = 900


def has_button(label: str):  # type: ignore[no-untyped-def]
    return lambda m: any(label in b for row in m.buttons for b in row)


def copies(world: LocalWorld, user_id: int, text: str) -> int:
    return sum(1 for e in world.telegram.transcript(user_id)
               if e.kind == "bot_message" and e.text == text)


async def customers(world: LocalWorld, first: int, count: int) -> list[int]:
    """People who wrote to the bot once (so it knows them), their welcome read."""
    ids = list(range(first, first + count))
    for uid in ids:
        user = world.telegram.user(uid, first_name=f"C{uid}")
        user.send_command("start")
    for uid in ids:
        await world.telegram.user(uid).wait_message(timeout=30)
    return ids


async def send_broadcast(world: LocalWorld, text: str, *, audience: str = "Everyone") -> int:
    """Walk staff through /broadcast; returns the progress message's id."""
    staff = world.telegram.user(STAFF, first_name="Staff")
    staff.send_command("broadcast")
    await staff.wait_screen(has_button(audience), timeout=20)
    staff.press(audience)
    await staff.wait_screen(lambda m: "Send the message" in (m.text or ""), timeout=20)
    staff.send_text(text)
    summary = await staff.wait_screen(has_button("✅ Send"), timeout=20)
    assert "Recipients:" in (summary.text or "")
    staff.press("✅ Send")
    progress = await staff.wait_screen(lambda m: "Broadcast #" in (m.text or ""), timeout=20)
    return progress.message_id


async def test_broadcast_reaches_everyone_once_and_skips_who_blocked_the_bot(
        world: LocalWorld, bot: RunningBot) -> None:
    ids = await customers(world, 5000, 11)
    # Blocked without the bot hearing of it yet: the send is refused with 403.
    world.telegram.user(ids[0]).chat.blocked = True
    progress = await send_broadcast(world, "Closed on Monday")
    staff = world.telegram.user(STAFF)
    await wait_until(lambda: all(copies(world, u, "Closed on Monday") == 1 for u in ids[1:]), 30)
    final = await staff.wait_edit(progress, timeout=30)
    while "Finished" not in (final.text or ""):
        final = await staff.wait_edit(progress, timeout=30)
    # Everyone the bot knows: the ten reachable customers and the staff member.
    assert "Sent: 11" in (final.text or "") and "Blocked the bot: 1" in (final.text or "")
    assert final.buttons == []
    # Next time the one who blocked the bot is not in the audience at all.
    staff.send_command("broadcast")
    screen = await staff.wait_screen(has_button("Everyone"), timeout=20)
    assert any("Everyone (11)" in b for row in screen.buttons for b in row)
    assert copies(world, ids[0], "Closed on Monday") == 0


async def test_a_paid_photo_broadcast_goes_past_the_free_limit_with_its_caption(
        world: LocalWorld, bot: RunningBot) -> None:
    ids = await customers(world, 5200, 35)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (2).to_bytes(4, "big") * 2
    photo = world.telegram.state.store_file("notice.png", "image/png", png)
    staff = world.telegram.user(STAFF, first_name="Staff")
    staff.send_command("broadcast")
    await staff.wait_screen(has_button("Everyone"), timeout=20)
    staff.press("Everyone")
    await staff.wait_screen(lambda m: "Send the message" in (m.text or ""), timeout=20)
    staff._send({"photo": [{"file_id": photo.file_id, "file_unique_id": photo.file_unique_id,
                            "width": 2, "height": 2}], "caption": "New opening hours"})
    await staff.wait_screen(has_button("Send fast"), timeout=20)
    throttled, billed = world.telegram.throttled["sendPhoto"], world.telegram.billed
    staff.press("Send fast")

    def photos(uid: int) -> int:
        return sum(1 for m in world.telegram.user(uid).bot_messages()
                   if m.photo is not None and m.text == "New opening hours")

    await wait_until(lambda: all(photos(u) == 1 for u in ids), 30)
    # 36 at once (the staff member too) is past Telegram's free 30: only as paid, no 429
    assert world.telegram.billed > billed
    assert world.telegram.throttled["sendPhoto"] == throttled


async def test_non_staff_cannot_broadcast(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(5100)
    user.send_command("broadcast")
    refused = await user.wait_message(timeout=20)
    assert "only for staff" in (refused.text or "")


def _sending_rows(database: str) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        return db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sending'").fetchone()[0]


async def test_sigkill_halfway_finishes_with_nobody_missed_or_doubled(
        world: LocalWorld, tmp_path: Path) -> None:
    env = bot_env(world, tmp_path, BROADCAST_RATE="10")
    process = BotProcess(env, tmp_path / "bot.log")
    await process.start(world)
    try:
        ids = await customers(world, 6000, 40)
        await send_broadcast(world, "Road works tomorrow")
        await wait_until(lambda: sum(copies(world, u, "Road works tomorrow") for u in ids) >= 10,
                         timeout=30)
        # Telegram asks for a pause; while the bot waits it out nothing is in flight.
        world.telegram.fail("sendMessage", too_many_requests(3))
        await wait_until(lambda: not world.telegram.faults.get("sendmessage"), timeout=20)
        await wait_until(lambda: _sending_rows(env["DATABASE_PATH"]) == 0, timeout=20)
        delivered_before = sum(copies(world, u, "Road works tomorrow") for u in ids)
        assert delivered_before < len(ids)  # really halfway
        await process.kill()
        await process.start(world)
        await wait_until(lambda: all(copies(world, u, "Road works tomorrow") >= 1 for u in ids),
                         timeout=60)
        await process.wait_processed(world)
        assert [copies(world, u, "Road works tomorrow") for u in ids] == [1] * len(ids)
    finally:
        await process.terminate()

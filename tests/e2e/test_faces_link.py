"""Linking an Umbrella Faces profile through the bot's redirect route, end to end.

The user's browser is an httpx client with its own cookies; the chat is the
fake Bot API; Faces is its simulator. Nothing here sleeps: every wait is on
a state with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from bot.fake_telegram import BotMessage, FakeUser
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld, free_port
from bot.vendors.bookingtime import simulator_data as seed
from bot.vendors.faces.simulator_keys import SigningKey
from tests.conftest import RunningBot, bot_running, has_data, start_booking
from tests.e2e.test_bookingtime_booking import at, berlin_today, confirm, next_weekday

REMO = "Herr Remo Räber"


@pytest.fixture
async def faces_bot(world: LocalWorld, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    port = free_port()
    async with bot_running(world, tmp_path, monkeypatch, WEB_PORT=str(port),
                           PUBLIC_URL=f"http://127.0.0.1:{port}") as running:
        yield running


def _expire_oauth_states(database: str) -> None:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db, db:
        past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
        db.execute("UPDATE oauth_states SET expires_at = ?", (past,))


def stored_tokens(bot: RunningBot) -> int:
    with contextlib.closing(sqlite3.connect(bot.env["DATABASE_PATH"], timeout=30)) as db:
        return db.execute("SELECT COUNT(*) FROM vendor_tokens WHERE vendor = 'faces'").fetchone()[0]


async def link_button(user: FakeUser) -> str:
    user.send_command("/link")
    screen = await user.wait_screen(lambda m: bool(m.raw.get("reply_markup")))
    return screen.raw["reply_markup"]["inline_keyboard"][0][0]["url"]


async def approve(browser: httpx.AsyncClient, start: str, decision: str = "approve") -> str:
    """Open the /link button, answer on Faces' page: the redirect back to the bot."""
    to_faces = await browser.get(start)
    assert to_faces.status_code == 302
    answer = await browser.post(to_faces.headers["location"],
                                data={"decision": decision, "user": "remo"})
    assert answer.status_code == 302
    return answer.headers["location"]


async def linked(user: FakeUser, browser: httpx.AsyncClient) -> BotMessage:
    page = await browser.get(await approve(browser, await link_button(user)))
    assert page.status_code == 200 and "Telegram" in page.text
    return await user.wait_screen(lambda m: bool(m.text and REMO in m.text))


async def test_link_then_ufirst_and_bookingtime_are_prefilled(world, faces_bot):  # type: ignore[no-untyped-def]
    user = world.telegram.user(501, language_code="en")
    async with httpx.AsyncClient() as browser:
        confirmation = await linked(user, browser)
    assert confirmation.labels == ["Keep", "Undo"]
    user.press("Keep", message_id=confirmation.message_id)
    await user.wait_edit(confirmation.message_id)

    # ufirst: the phone comes from the profile, confirmed with one tap
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Registry office")
    days = await user.wait_screen(has_data("bk:day:"))
    user.press(days.labels[0], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(slots.labels[0], message_id=slots.message_id)
    offer = await user.wait_screen(has_data("bk:known"))
    user.press("Use “+41441234567”", message_id=offer.message_id)
    summary = await user.wait_screen(has_data("bk:ok:"))
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_screen(lambda m: m.document is not None)
    [reservation] = world.simulators["ufirst"].reservations_for(
        pseudonym(faces_bot.env["BOT_SECRET_KEY"], user.id))
    assert "41441234567" in reservation.values.values()

    # bookingtime: first name, last name and e-mail, each confirmed, none typed
    await start_booking(user, "bookingtime")
    user.press("Salon Mitte")
    await user.wait_screen(has_data("bk:svc:"))
    user.press(seed.HAIRCUT.names["en"])
    days = await user.wait_screen(has_data("bk:day:"))
    start = at(next_weekday(berlin_today()), 11)
    from bot.i18n import format_day, format_time

    user.press(format_day(start.date(), "en"), message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(format_time(start, seed.BERLIN.timezone, "en"), message_id=slots.message_id)
    for value in ("Remo", "Räber", "remo.test@umbrella.ch"):
        offer = await user.wait_screen(has_data("bk:known"))
        user.press(f"Use “{value}”", message_id=offer.message_id)
    summary = await user.wait_screen(has_data("bk:ok:"))
    await confirm(user, summary)
    [appointment] = world.simulators["bookingtime"].appointments(seed.BERLIN.id)
    assert appointment.customer == {"firstName": "Remo", "lastName": "Räber",
                                    "email": "remo.test@umbrella.ch"}
    typed = [m.current["text"] for m in user.chat.messages.values()
             if not m.from_bot and m.current.get("text")
             and not m.current["text"].startswith("/")]
    assert typed == []  # nothing typed: commands and button presses only


async def test_replayed_other_users_and_expired_states_are_refused(world, faces_bot):  # type: ignore[no-untyped-def]
    anna, bruno = world.telegram.user(511), world.telegram.user(512)
    sim = world.simulators["faces"]
    async with httpx.AsyncClient() as anna_browser, httpx.AsyncClient() as bruno_browser:
        back = await approve(anna_browser, await link_button(anna))
        # Bruno's browser (with his own link's cookie) cannot use Anna's state
        await bruno_browser.get(await link_button(bruno))
        other = await bruno_browser.get(back)
        assert other.status_code == 403 and stored_tokens(faces_bot) == 0
        # not spent by the refusal: Anna's own browser completes her link
        assert (await anna_browser.get(back)).status_code == 200
        await anna.wait_screen(lambda m: bool(m.text and REMO in m.text))
        stored = stored_tokens(faces_bot)
        replay = await anna_browser.get(back)
        assert replay.status_code == 410 and stored_tokens(faces_bot) == stored
        assert sim.grant_count("authorization_code") == 1

        expiring = await approve(bruno_browser, await link_button(bruno))
        # In a thread: the bot runs in this test's event loop, and a blocking write here
        # would wait on a transaction the bot cannot finish while the loop is blocked.
        await asyncio.to_thread(_expire_oauth_states, faces_bot.env["DATABASE_PATH"])
        expired = await bruno_browser.get(expiring)
        assert expired.status_code == 410 and stored_tokens(faces_bot) == stored
        assert sim.grant_count("authorization_code") == 1


async def test_denied_consent_is_told_in_the_chat(world, faces_bot):  # type: ignore[no-untyped-def]
    user = world.telegram.user(521, language_code="de")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(await approve(browser, await link_button(user), "deny"))
    assert page.status_code == 200 and 'lang="de"' in page.text
    await user.wait_screen(lambda m: bool(m.text and "abgelehnt" in m.text))
    assert stored_tokens(faces_bot) == 0


async def test_an_id_token_signed_by_another_key_links_nothing(world, faces_bot):  # type: ignore[no-untyped-def]
    user = world.telegram.user(531)
    world.simulators["faces"].oauth.foreign_key = SigningKey("intruder")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(await approve(browser, await link_button(user)))
    assert page.status_code == 502
    await user.wait_screen(lambda m: bool(m.text and "did not work" in m.text))
    assert stored_tokens(faces_bot) == 0


async def open_details(user: FakeUser) -> BotMessage:
    await start_booking(user, "bookingtime")
    user.press("Salon Mitte")
    await user.wait_screen(has_data("bk:svc:"))
    user.press(seed.HAIRCUT.names["en"])
    days = await user.wait_screen(has_data("bk:day:"))
    user.press(days.labels[0], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(slots.labels[0], message_id=slots.message_id)
    return await user.wait_screen(has_data("bk:back"))


async def test_expired_token_refreshes_once_and_a_revoked_link_unlinks(world, faces_bot):  # type: ignore[no-untyped-def]
    user = world.telegram.user(541)
    sim = world.simulators["faces"]
    async with httpx.AsyncClient() as browser:
        await linked(user, browser)
    sim.expire_access_tokens()
    offer = await open_details(user)
    assert "Use “Remo”" in offer.labels
    assert sim.grant_count("refresh_token") == 1
    user.send_command("/cancel")
    await user.wait_message()

    sim.expire_access_tokens()  # the rotated refresh token was stored: it works, no reuse
    await open_details(user)
    assert sim.grant_count("refresh_token") == 2
    assert sim.grant_count("refresh_token", "invalid_grant") == 0
    user.send_command("/cancel")
    await user.wait_message()

    sim.revoke()
    sim.expire_access_tokens()
    offer = await open_details(user)
    assert "Use “Remo”" not in offer.labels
    assert any("/link" in (m.text or "") for m in user.bot_messages())
    assert stored_tokens(faces_bot) == 0


async def test_company_lookup_pages_and_waits_out_a_429(world, faces_bot):  # type: ignore[no-untyped-def]
    staff = world.telegram.user(900)
    sim = world.simulators["faces"]
    sim.throttle(retry_after=1)
    staff.send_command("/company", "acme")
    cards = await staff.wait_screen(lambda m: bool(m.text and "ACME Inc." in m.text))
    assert "Hardturmstrasse 161, 8005 Zürich, CH" in cards.text
    assert sim.statuses("GET", "/companies") == [429, 200] and sim.early == 0
    staff.press("Next ▶", message_id=cards.message_id)
    second = await staff.wait_edit(cards.message_id)
    assert "Acme Luzern AG" in second.text and "Next ▶" not in second.labels


async def test_linked_profile_prefills_the_queue_name_and_phone(world, faces_bot):  # type: ignore[no-untyped-def]
    from bot.vendors.filevirtuelle import simulator_data as queues
    from tests.e2e.queue_steps import LYON, PARIS as queues_paris

    user = world.telegram.user(551, first_name="Telegramname")
    async with httpx.AsyncClient() as browser:
        await linked(user, browser)
    sim = world.simulators["filevirtuelle"]

    # a store that calls people by name: the profile's name, not the Telegram one
    user.send_command("/queue")
    sites = await user.wait_screen(has_data("q:site:"))
    user.press(queues_paris, message_id=sites.message_id)
    level = await user.wait_screen(has_data("q:ch:"))
    user.press("Order pickup", message_id=level.message_id)
    offer = await user.wait_screen(has_data("q:use:"))
    assert offer.labels[0] == "Use “Remo Räber”"
    user.press(offer.labels[0], message_id=offer.message_id)
    await user.wait_message(predicate=has_data("tk:refresh:"))
    [paris] = [c for c in sim.queue(queues.PARIS) if c.get("type") == "name"]
    assert paris["name"] == "Remo Räber"

    # a store that takes phone numbers: the profile's phone offered next to the contact button
    user.send_command("/queue")
    sites = await user.wait_screen(has_data("q:site:"))
    user.press(LYON, message_id=sites.message_id)
    level = await user.wait_screen(has_data("q:ch:"))
    user.press("Retours", message_id=level.message_id)
    level = await user.wait_screen(lambda m: has_data("q:ch:")(m) and "Échange" in str(m.labels))
    user.press("Échange", message_id=level.message_id)
    offer = await user.wait_screen(has_data("q:use:"))
    assert offer.labels[0] == "Use “+41441234567”"
    user.press(offer.labels[0], message_id=offer.message_id)
    await user.wait_message(predicate=has_data("tk:refresh:"))
    [lyon] = sim.queue(queues.LYON)
    assert lyon["phone"] == "+41441234567"

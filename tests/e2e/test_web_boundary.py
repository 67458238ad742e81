"""The bot's web routes against what anyone on the internet may post, over real HTTP:
bodies too large (refused without being read), bodies that are not a JSON object or
not an update (400), never a traceback; and processed update ids pruned while running."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app.web import MAX_UPDATE_BYTES
from bot.notifications import callback_path
from bot.notifications.callbacks import MAX_BODY
from bot.sandbox.world import LocalWorld, free_port
from tests.conftest import BotProcess, bot_env, wait_until

NOT_OBJECTS = [
    b"[1,2]",
    b"null",
    b'"update"',
    b"17",
    b"not json",
    b'{"update_id": 1, "name": "\xff\xfe"}',  # invalid UTF-8
    b"[" * 50_000 + b"]" * 50_000,  # deep enough to exhaust the parser
]
NOT_UPDATES = [
    b"{}",
    b'{"update_id": "seven"}',
    b'{"update_id": -1}',
    b'{"update_id": 7, "message": "hello"}',
    b'{"update_id": 7, "message": {"message_id": 1}}',
    b'{"update_id": 7, "callback_query": [1]}',
]


async def unfinished_post(url: str, headers: dict[str, str], sent: int, *, declared: int | None = None) -> int:
    """POST ``sent`` bytes of a body that never ends, over a plain socket: with a
    Content-Length of ``declared`` (300 MB), else chunked without the final chunk. A server
    that waited for the whole body would never answer; the status it answers with."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    body = b'{"update_id": 1, "pad": "' + b"x" * max(0, sent - 25)
    with contextlib.suppress(ConnectionError):
        for start in range(0, len(body), 64 * 1024):
            chunk = body[start:start + 64 * 1024]
            writer.write(chunk if declared is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split()[1])


HUGE = 300 * 1024 * 1024


SECRET = "boundary-test-secret"
HOOK = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
async def webhook_bot(world: LocalWorld, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The bot as a process in webhook mode, behind its own web server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = bot_env(world, tmp_path, BOT_MODE="webhook", PUBLIC_URL=url, WEB_PORT=str(port),
                  WEBHOOK_SECRET=SECRET)
    process = BotProcess(env, tmp_path / "bot.log")
    await process.start_until(world, lambda: world.telegram.bot().webhook is not None)
    try:
        yield process, url
    finally:
        await process.terminate()


async def test_the_webhook_refuses_what_is_not_an_update(world: LocalWorld, webhook_bot) -> None:  # type: ignore[no-untyped-def]
    process, url = webhook_bot
    async with httpx.AsyncClient() as client:
        for body in NOT_OBJECTS + NOT_UPDATES:
            answer = await client.post(f"{url}/telegram", content=body, headers=HOOK)
            assert answer.status_code == 400, body[:40]
        fine = await client.post(f"{url}/telegram", json={"update_id": 99}, headers=HOOK)
        assert fine.status_code == 200  # an update of a kind we do not handle is still one
    user = world.telegram.user(521, first_name="Val", language_code="en")
    user.send_command("/start")  # delivered by the fake through the same route
    assert "Val" in (await user.wait_screen()).text
    assert "Traceback" not in process.logs()


async def test_the_webhook_stops_reading_a_body_past_its_limit(world: LocalWorld, webhook_bot) -> None:  # type: ignore[no-untyped-def]
    process, url = webhook_bot
    path = f"{url}/telegram"
    assert await unfinished_post(path, HOOK, 0, declared=HUGE) == 413  # by its declared length
    assert await unfinished_post(path, HOOK, 1000, declared=HUGE) == 413
    # chunked, so no length to go by: read up to the limit, then refused
    assert await unfinished_post(path, HOOK, MAX_UPDATE_BYTES + 64 * 1024) == 413
    async with httpx.AsyncClient() as client:
        wrong = await client.post(path, content=b"x" * (MAX_UPDATE_BYTES + 1), headers={})
        assert wrong.status_code == 403  # the secret is checked before any body is read
    user = world.telegram.user(522, first_name="Val", language_code="en")
    user.send_command("/start")
    assert "Val" in (await user.wait_screen()).text
    assert "Traceback" not in process.logs()


async def test_the_vendor_callback_route_takes_json_objects_only(world: LocalWorld, webhook_bot) -> None:  # type: ignore[no-untyped-def]
    process, url = webhook_bot
    route = url + callback_path(process.env["BOT_SECRET_KEY"], "filevirtuelle")
    async with httpx.AsyncClient() as client:
        for body in NOT_OBJECTS:
            answer = await client.post(route, content=body)
            assert answer.status_code in (400, 413), body[:40]  # the deep one is past 64 KB
            assert answer.status_code == 400 or len(body) > MAX_BODY
        assert (await client.post(route, json={"suborganization": "anything"})).status_code == 200
    assert await unfinished_post(route, {}, 0, declared=HUGE) == 413
    assert await unfinished_post(route, {}, MAX_BODY + 1024) == 413
    assert "Traceback" not in process.logs()


async def test_processed_update_ids_past_telegrams_redelivery_window_are_pruned(
    world: LocalWorld, tmp_path: Path
) -> None:
    process = BotProcess(bot_env(world, tmp_path), tmp_path / "bot.log")
    await process.start(world)
    user = world.telegram.user(523, first_name="Pru", language_code="en")
    user.send_command("/start")
    await user.wait_screen()
    await process.wait_processed(world)
    await process.terminate()

    database = process.env["DATABASE_PATH"]
    now = datetime.now(UTC)
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db, db:
        for update_id, age in ((1, timedelta(hours=25)), (2, timedelta(days=9)), (3, timedelta(hours=23))):
            db.execute("INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                       (update_id, (now - age).isoformat(timespec="microseconds")))

    def kept() -> set[int]:
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
            return {row[0] for row in db.execute("SELECT update_id FROM processed_updates")}

    assert {1, 2, 3} <= kept()
    await process.start(world)
    try:
        await wait_until(lambda: not {1, 2} & kept(), timeout=15, interval=0.05)
        assert 3 in kept() and len(kept()) >= 2  # within the window: kept, as is the /start
    finally:
        await process.terminate()

"""Turn notices go out at most once: claimed before sending, retried only when
Telegram surely delivered nothing, and one per ticket whichever way the news
arrives (staff /next, the vendor's callback, polling). Through the fake Bot API
and the FileVirtuelle simulator; the crash cases are in ``tests/e2e/test_queue_notices.py``.
"""

from __future__ import annotations

from pathlib import Path

from bot.fake_telegram import TelegramApiError
from bot.sandbox.world import LocalWorld
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import wait_until
from tests.e2e.queue_steps import (
    STAFF_ID,
    card_says,
    desk_calls,
    join_behind,
    more_rounds,
    notices,
    queue_env,
    running_bot,
    sim_of,
    staff_next,
)


async def test_a_notice_refused_by_a_bad_gateway_is_sent_again_and_arrives_once(
    world: LocalWorld, tmp_path: Path
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(711, first_name="Ida")
        card = await join_behind(world, user, 3)
        sends = world.telegram.calls["sendMessage"]
        world.telegram.fail("sendMessage", TelegramApiError(502, "Bad Gateway"))  # nothing delivered
        desk_calls(world)  # 2 before: Paris calls back at 2
        await world.telegram.wait_until(lambda: notices(user, "near"), timeout=10)
        await more_rounds(world)
        assert len(notices(user, "near")) == 1
        assert world.telegram.calls["sendMessage"] == sends + 2  # the refused try, then the notice


async def test_a_notice_refused_for_good_is_not_sent_again_and_the_card_says_it(
    world: LocalWorld, tmp_path: Path
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(712, first_name="Jon")
        card = await join_behind(world, user, 3)
        sends = world.telegram.calls["sendMessage"]
        world.telegram.fail("sendMessage", TelegramApiError(400, "Bad Request: chat not found"))
        desk_calls(world)
        await card_says(world, user, card.message_id, "please come back now")
        await more_rounds(world)
        desk_calls(world)  # another change: still no second try of the near notice
        await card_says(world, user, card.message_id, "1 person before you")
        await more_rounds(world)
        assert notices(user, "near") == []
        assert world.telegram.calls["sendMessage"] == sends + 1


async def test_one_called_notice_when_staff_callback_and_polling_all_see_the_call(
    world: LocalWorld, tmp_path: Path
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(713, first_name="Kai")
        card = await join_behind(world, user, 1)
        staff = world.telegram.user(STAFF_ID, first_name="Sam")
        await staff_next(staff, desk="Guichet 2")  # the walk-in
        answer = await staff_next(staff)  # Kai: the bot hears of it three ways at once
        assert "Called ticket" in answer.text
        [called] = await world.telegram.wait_until(lambda: notices(user, "called"), timeout=10)
        assert "Guichet 2" in called.text
        await card_says(world, user, card.message_id, "Please go to Guichet 2")
        await wait_until(lambda: len(sim_of(world).callbacks) >= 2, timeout=10)
        await more_rounds(world)
        assert len(notices(user, "called")) == 1 and len(notices(user, "near")) == 1

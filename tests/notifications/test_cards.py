"""The queue watcher's ticket cards: edited only when what they say changed, and
converging whatever Telegram refused on the way (a failed edit is made again
at the next round, a user who blocked the bot costs nothing until they return).

Through the fake Bot API and the FileVirtuelle simulator, with the bot running
in the test's loop (see ``tests/e2e/queue_steps.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.fake_telegram import TelegramApiError
from bot.sandbox.world import LocalWorld
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import wait_until
from tests.e2e.queue_steps import (
    card_says,
    current,
    desk_calls,
    join_behind,
    join_by_name,
    marked_blocked,
    more_rounds,
    notices,
    notices_claimed,
    queue_env,
    running_bot,
    snapshots,
)


def edits(world: LocalWorld) -> int:
    return world.telegram.calls["editMessageText"]


async def test_an_unchanged_queue_edits_nothing_and_a_change_edits_once(
    world: LocalWorld, tmp_path: Path
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(701, first_name="Ugo")
        card = await join_behind(world, user, 4)
        await more_rounds(world)
        before = edits(world)
        await more_rounds(world)
        assert edits(world) == before  # same people, same digest: the clock alone edits nothing

        desk_calls(world)
        desk_calls(world, data.PARIS_DESK_2)
        await card_says(world, user, card.message_id, "2 people before you")
        await more_rounds(world)
        # one or two edits (the two calls may fall into one snapshot or two), never one per round
        assert before + 1 <= edits(world) <= before + 2
        assert [c.message_id for c in user.bot_messages() if "Ticket" in (c.text or "")
                and c.buttons] == [card.message_id]  # edited in place, never re-sent


@pytest.mark.parametrize("refusal", [
    TelegramApiError(502, "Bad Gateway"),
    TelegramApiError(429, "Too Many Requests: retry after 1", retry_after=1),
], ids=["bad-gateway", "flood-wait"])
async def test_a_failed_edit_is_made_again_at_the_next_round(
    world: LocalWorld, tmp_path: Path, refusal: TelegramApiError
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(702, first_name="Eva")
        card = await join_behind(world, user, 3)
        await more_rounds(world, 1)
        before, polls = edits(world), snapshots(world)

        world.telegram.fail("editMessageText", refusal, times=2)
        called_at = polls()
        desk_calls(world)  # the only change in the queue from now on
        await wait_until(lambda: not world.telegram.faults["editmessagetext"], timeout=15)
        assert "3 people before you" in (current(user, card.message_id).text or "")

        await card_says(world, user, card.message_id, "2 people before you")
        assert edits(world) == before + 3  # two refused, the third one shown
        assert polls() >= called_at + 3  # one attempt per snapshot, not a loop
        await more_rounds(world)
        assert edits(world) == before + 3  # converged: nothing more to edit


@pytest.mark.parametrize("told", [True, False], ids=["my-chat-member", "only-403"])
async def test_a_user_who_blocked_the_bot_costs_nothing_until_they_return(
    world: LocalWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture, told: bool
) -> None:
    """Telegram answers 403 to every edit and message for that chat. Told by the
    ``my_chat_member`` update, or by the first refused edit alone, the bot marks the
    user blocked: from then on their card is not edited and their turn notice not
    claimed, while the watcher keeps serving the other people at the store. When
    they unblock the bot, their card catches up and the notice due goes out."""
    env = queue_env(world, tmp_path)
    desks = [data.PARIS_DESK_1, data.PARIS_DESK_2] * 2
    async with running_bot(world, env) as bot:
        gone = world.telegram.user(703, first_name="Bo")
        stays = world.telegram.user(704, first_name="Cy")
        gone_card = await join_behind(world, gone, 4)
        stays_card = await join_by_name(stays)
        await card_says(world, stays, stays_card.message_id, "5 people before you")
        gone.block_bot(tell_bot=told)
        if not told:  # a change (Bo 3 before, no notice due): his card's edit is refused
            desk_calls(world, desks.pop())
        await marked_blocked(bot, gone.id)
        before, seen = edits(world), current(stays, stays_card.message_id).edit_count

        while len(desks) > 1:  # until Bo has 1 before: his near notice is due
            desk_calls(world, desks.pop())
        await card_says(world, stays, stays_card.message_id, "2 people before you")
        await world.telegram.wait_until(lambda: notices(stays, "near"), timeout=10)
        await more_rounds(world)
        # Every edit since the block was Cy's; Bo's notice was never claimed
        assert edits(world) - before == current(stays, stays_card.message_id).edit_count - seen
        assert "4 people before you" in (current(gone, gone_card.message_id).text or "")
        assert notices_claimed(bot, gone.id) == []

        gone.unblock_bot()
        await card_says(world, gone, gone_card.message_id, "1 person before you")
        await world.telegram.wait_until(lambda: notices(gone, "near"), timeout=10)
        await marked_blocked(bot, gone.id, blocked=False)
        await more_rounds(world)
        assert len(notices(gone, "near")) == 1 and len(notices(stays, "near")) == 1
    tracebacks = [r for r in caplog.records if r.exc_info and r.name.startswith("bot")]
    assert tracebacks == []

"""The limiter as python-telegram-bot actually calls it, against the fake Bot API.

PTB drops a falsy ``rate_limit_args`` before calling the limiter, so "no
retry" has to be a :class:`~bot.throttle.Retries`; a bare ``0`` silently
meant the default retries and held a card-painting round through each flood wait.
"""

from __future__ import annotations

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.app.ratelimit import BookingRateLimiter
from bot.fake_telegram import FakeTelegram, FloodLimits, TelegramApiError
from bot.throttle import NO_RETRY, Retries

TOKEN = "123456:ratelimit-through-ptb"


def flood_wait() -> TelegramApiError:
    return TelegramApiError(429, "Too Many Requests: retry after 1", retry_after=1)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_no_retry_reaches_the_limiter_through_ptb() -> None:
    async with FakeTelegram(limits=FloodLimits.disabled()) as fake:
        fake.register_bot(TOKEN)
        ada = fake.user(5001)
        limiter = BookingRateLimiter(max_retries=2)
        async with ExtBot(TOKEN, base_url=fake.base_url, rate_limiter=limiter) as bot:
            sent = await bot.send_message(ada.id, "card")
            fake.fail("editMessageText", flood_wait(), times=3)
            with pytest.raises(RetryAfter):
                await bot.edit_message_text("new", chat_id=ada.id, message_id=sent.message_id,
                                            rate_limit_args=NO_RETRY)
            assert fake.calls["editMessageText"] == 1  # refused once, handed back at once

            fake.faults.clear()
            fake.fail("editMessageText", flood_wait(), times=1)
            await bot.edit_message_text("new", chat_id=ada.id, message_id=sent.message_id,
                                        rate_limit_args=Retries(1))
            assert fake.calls["editMessageText"] == 3  # one retry allowed, and it went through

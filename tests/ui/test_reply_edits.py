"""A step's reply skips an edit that would change nothing, and answers the button once."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram import MessageEntity, Update, User

from bot.ui.replies import reply


class StubBot:
    """Records the Bot API calls a query makes."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        self.calls.append("answerCallbackQuery")
        return True

    async def do_api_request(self, endpoint: str, *args: Any, **kwargs: Any) -> bool:
        self.calls.append(endpoint)
        return True


def markup(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d)] for d in data])


def pressed(query_id: str, text: str, shown: InlineKeyboardMarkup | None,
            entities: tuple[MessageEntity, ...] = ()) -> tuple[Update, StubBot]:
    user, chat = User(5, False, "U"), Chat(5, Chat.PRIVATE)
    message = Message(1, datetime.now(timezone.utc), chat, from_user=user, text=text,
                      entities=entities, reply_markup=shown)
    query = CallbackQuery(query_id, user, "c", message=message, data="a")
    bot = StubBot()
    query.set_bot(bot)  # type: ignore[arg-type]
    message.set_bot(bot)  # type: ignore[arg-type]
    return Update(1, callback_query=query), bot


async def test_the_same_text_and_keyboard_are_not_sent_again() -> None:
    update, bot = pressed("q1", "Which day? /cancel", markup("a", "b"),
                          (MessageEntity(MessageEntity.BOT_COMMAND, 11, 7),))
    await reply(update, None, "Which day? /cancel", markup("a", "b"))  # type: ignore[arg-type]
    assert bot.calls == ["answerCallbackQuery"]


async def test_a_changed_text_keyboard_or_formatting_is_edited() -> None:
    cases = [
        ("Which day?", markup("a"), "Which time?", markup("a"), ()),
        ("Which day?", markup("a"), "Which day?", markup("a", "b"), ()),
        ("Which day?", markup("a"), "Which day?", None, ()),
        ("Which day?", markup("a"), "Which day?", markup("a"),
         (MessageEntity(MessageEntity.BOLD, 0, 5),)),  # shown bold, asked plain
    ]
    for n, (shown_text, shown, text, wanted, entities) in enumerate(cases):
        update, bot = pressed(f"q-edit-{n}", shown_text, shown, entities)
        await reply(update, None, text, wanted)  # type: ignore[arg-type]
        assert bot.calls == ["answerCallbackQuery", "editMessageText"], (n, bot.calls)


async def test_a_second_reply_to_one_press_does_not_answer_again() -> None:
    update, bot = pressed("q-twice", "Which day?", markup("a"))
    await reply(update, None, "Which time?", markup("b"))  # type: ignore[arg-type]
    await reply(update, None, "Which time?", markup("c"))  # type: ignore[arg-type]
    assert bot.calls == ["answerCallbackQuery", "editMessageText", "editMessageText"]


def test_the_quick_keyboard_json_is_what_telegram_objects_give() -> None:
    from telegram import LoginUrl, WebAppInfo

    from bot.ui.replies import markup_json

    mixed = InlineKeyboardMarkup([
        [InlineKeyboardButton("Mon 3 ✓", callback_data="bk:day:x:0"),
         InlineKeyboardButton("Site", url="https://example.com/a?b=1")],
        [InlineKeyboardButton("App", web_app=WebAppInfo("https://example.com")),
         InlineKeyboardButton("Log in", login_url=LoginUrl("https://example.com/l"))],
        [InlineKeyboardButton("Share", switch_inline_query="x")],
    ])
    for shown in (mixed, markup("a", "b"), InlineKeyboardMarkup([])):
        assert markup_json(shown) == shown.to_dict()
    assert markup_json(None) is None

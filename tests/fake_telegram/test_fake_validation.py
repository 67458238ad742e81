"""Telegram's Bad Request / Forbidden answers, checked raw and through python-telegram-bot."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.fake_telegram import FakeTelegram, TelegramApiError

INLINE = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


@pytest.mark.parametrize(("params", "description"), [
    ({"text": ""}, "Bad Request: message text is empty"),
    ({"text": "   \n "}, "Bad Request: message text is empty"),
    ({"text": "<b> </b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"),
    ({"text": "x" * 4097}, "Bad Request: message is too long"),
    ({"text": "<b>open", "parse_mode": "HTML"},
     'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
    ({"text": "<b>x</i>", "parse_mode": "HTML"},
     'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
    ({"text": "line<br>break", "parse_mode": "HTML"},
     'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4'),
    ({"text": "stray</b>", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Unexpected end tag at byte offset 5"),
    ({"text": "Price: 5.00", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with "
     "the preceding '\\'"),
    ({"text": "*bold", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0"),
    ({"text": "é_x", "parse_mode": "Markdown"},
     "Bad Request: can't parse entities: Can't find end of the entity starting at byte "
     "offset 2"),
    ({"text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "B", "callback_data": "x" * 65}]]}},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "B", "callback_data": "é" * 33}]]}},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "B", "callback_data": ""}]]}},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "Plain"}]]}},
     "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
     "inline keyboard"),
    ({"text": "hi", "reply_markup": "{not json"},
     "Bad Request: can't parse reply_markup JSON object"),
    ({"text": "hi", "reply_parameters": {"message_id": 999}},
     "Bad Request: message to be replied not found"),
])
async def test_send_message_bad_requests(fake: FakeTelegram, api, params: dict[str, Any],
                                         description: str) -> None:
    ada = fake.user(4001)
    error = await api.error("sendMessage", chat_id=ada.id, **params)
    assert (error.status, error.description) == (400, description)
    assert ada.bot_messages() == []
    assert fake.state.refused[-1] == ("sendMessage", description)  # kept for tests to check


async def test_length_is_counted_in_utf16_units_as_telegram_does(fake: FakeTelegram, api) -> None:
    ada = fake.user(4010)
    error = await api.error("sendMessage", chat_id=ada.id, text="😀" * 2049)  # 4098 units
    assert error.description == "Bad Request: message is too long"
    await api.ok("sendMessage", chat_id=ada.id, text="😀" * 2048)


async def test_send_photo_takes_an_image_and_refuses_other_bytes(fake: FakeTelegram, api) -> None:
    ada = fake.user(4011)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (33).to_bytes(4, "big") * 2 + b"\x08\x02"
    files = {"photo": ("qr.png", png, "image/png")}
    sent = await api.client.post(f"/bot{api.token}/sendPhoto", data={"chat_id": str(ada.id), "caption": "QR"},
                                 files=files)
    assert sent.status_code == 200, sent.text
    assert sent.json()["result"]["photo"][0]["width"] == 33
    shown = await ada.wait_message(timeout=1)
    assert shown.photo is not None and shown.photo.data == png and shown.text == "QR"
    files = {"photo": ("qr.png", b"not an image", "image/png")}
    refused = await api.client.post(f"/bot{api.token}/sendPhoto", data={"chat_id": str(ada.id)}, files=files)
    assert refused.status_code == 400 and "IMAGE_PROCESS_FAILED" in refused.json()["description"]


@pytest.mark.parametrize(("params", "text"), [
    ({"text": "x" * 4096}, "x" * 4096),
    ({"text": f"<b>{'x' * 4096}</b>", "parse_mode": "HTML"}, "x" * 4096),  # limit after parsing
    ({"text": "Price: 5\\.00 *ok* [site](https://example.org)", "parse_mode": "MarkdownV2"},
     "Price: 5.00 ok site"),
    ({"text": "a &lt;b&gt; &amp; <i>c</i>", "parse_mode": "HTML"}, "a <b> & c"),
])
async def test_send_message_accepted_edge_cases(fake: FakeTelegram, api, params: dict[str, Any],
                                                text: str) -> None:
    ada = fake.user(4002)
    sent = await api.ok("sendMessage", chat_id=ada.id, **params)
    assert sent["text"] == text
    assert (await ada.wait_message(timeout=1)).text == text


async def test_callback_data_of_exactly_64_bytes_is_fine(fake: FakeTelegram, api) -> None:
    ada = fake.user(4003)
    markup = {"inline_keyboard": [[{"text": "B", "callback_data": "é" * 32}]]}
    await api.ok("sendMessage", chat_id=ada.id, text="ok", reply_markup=markup)
    assert ada.last_bot_message().callback_data == [["é" * 32]]  # type: ignore[union-attr]


async def test_unknown_chat_and_caption_too_long(fake: FakeTelegram, api) -> None:
    missing = await api.error("sendMessage", chat_id=777777, text="hello?")
    assert (missing.status, missing.description) == (400, "Bad Request: chat not found")
    ada = fake.user(4004)
    long_caption = await api.call("sendDocument", form=True, chat_id=str(ada.id),
                                  caption="c" * 1025)
    assert long_caption.status_code == 400  # no document: checked first
    files = {"document": ("a.txt", b"x", "text/plain")}
    response = await api.client.post(f"/bot{api.token}/sendDocument",
                                     data={"chat_id": str(ada.id), "caption": "c" * 1025},
                                     files=files)
    assert response.json()["description"] == "Bad Request: message caption is too long"


async def test_blocked_user_gives_forbidden(fake: FakeTelegram, api, ptb_bot) -> None:
    ada = fake.user(4005)
    earlier = await api.ok("sendMessage", chat_id=ada.id, text="card")
    ada.block_bot()
    edit = await api.error("editMessageText", chat_id=ada.id, message_id=earlier["message_id"], text="new")
    assert (edit.status, edit.description) == (403, "Forbidden: bot was blocked by the user")
    error = await api.error("sendMessage", chat_id=ada.id, text="still there?")
    assert (error.status, error.description) == (403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb_bot.send_message(ada.id, "still there?")
    ada.unblock_bot()
    await ptb_bot.send_message(ada.id, "welcome back")
    updates = [Update.de_json(u, ptb_bot) for u in await api.ok("getUpdates")]  # PTB reads both
    kinds = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert kinds == ["kicked", "member"]


async def test_injected_faults_answer_the_next_calls_then_stop(fake: FakeTelegram, api, ptb_bot) -> None:
    ada = fake.user(4008)
    fake.fail("sendMessage", TelegramApiError(502, "Bad Gateway"), times=2)
    for _ in range(2):
        assert (await api.error("sendMessage", chat_id=ada.id, text="x")).status == 502
    await ptb_bot.send_message(ada.id, "through")
    fake.fail("editMessageText", TelegramApiError(429, "Too Many Requests: retry after 1", retry_after=1))
    with pytest.raises(RetryAfter):
        await ptb_bot.edit_message_text("edited", chat_id=ada.id, message_id=(await ada.wait_message()).message_id)
    assert [m.text for m in ada.bot_messages()] == ["through"]  # nothing done by a refused call
    assert fake.calls["sendMessage"] == 3 and fake.throttled["editMessageText"] == 1


async def test_message_not_modified(fake: FakeTelegram, api) -> None:
    ada = fake.user(4006)
    sent = await api.ok("sendMessage", chat_id=ada.id, text="Pick", reply_markup=INLINE)
    same = await api.error("editMessageText", chat_id=ada.id, message_id=sent["message_id"],
                           text="Pick", reply_markup=INLINE)
    assert same.description.startswith("Bad Request: message is not modified: specified new "
                                       "message content and reply markup are exactly the same")
    same_markup = await api.error("editMessageReplyMarkup", chat_id=ada.id,
                                  message_id=sent["message_id"], reply_markup=INLINE)
    assert same_markup.description.startswith("Bad Request: message is not modified")
    changed = {"inline_keyboard": [[{"text": "No", "callback_data": "no"}]]}
    await api.ok("editMessageReplyMarkup", chat_id=ada.id, message_id=sent["message_id"],
                 reply_markup=changed)
    await api.ok("editMessageText", chat_id=ada.id, message_id=sent["message_id"],
                 text="Picked", reply_markup=changed)
    first = await ada.wait_edit(sent["message_id"], timeout=1)
    second = await ada.wait_edit(sent["message_id"], timeout=1)
    assert (first.text, first.buttons) == ("Pick", [["No"]])
    assert (second.text, second.buttons, second.edit_count) == ("Picked", [["No"]], 2)
    assert [e.kind for e in fake.transcript(ada.id)] == ["bot_message", "edit", "edit"]


async def test_ptb_sees_bad_request_exceptions(fake: FakeTelegram, ptb_bot) -> None:
    ada = fake.user(4007)
    message = await ptb_bot.send_message(ada.id, "Hi", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("A", callback_data="a")]]))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await message.edit_text("Hi", reply_markup=message.reply_markup)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await ptb_bot.send_message(ada.id, "<oops>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb_bot.send_message(31337, "nobody")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await ptb_bot.edit_message_text("x", chat_id=ada.id, message_id=999)


async def test_delete_message_and_missing_message(fake: FakeTelegram, api) -> None:
    ada = fake.user(4008)
    sent = await api.ok("sendMessage", chat_id=ada.id, text="temporary")
    assert await api.ok("deleteMessage", chat_id=ada.id, message_id=sent["message_id"]) is True
    again = await api.error("deleteMessage", chat_id=ada.id, message_id=sent["message_id"])
    assert again.description == "Bad Request: message to delete not found"
    assert ada.bot_messages() == []
    assert ada.bot_messages(include_deleted=True)[0].deleted
    assert [e.kind for e in fake.transcript(ada.id)] == ["bot_message", "delete"]


async def test_answer_callback_query_once(fake: FakeTelegram, api) -> None:
    ada = fake.user(4009)
    await api.ok("sendMessage", chat_id=ada.id, text="Pick", reply_markup=INLINE)
    query_id = ada.press("Yes")
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Done",
                        show_alert=True) is True
    answer = await ada.wait_callback_answer(query_id, timeout=1)
    assert (answer.text, answer.show_alert) == ("Done", True)
    twice = await api.error("answerCallbackQuery", callback_query_id=query_id)
    assert "query ID is invalid" in twice.description

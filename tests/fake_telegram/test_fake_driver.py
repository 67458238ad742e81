"""The user-side driver: cursors, predicates, edits, errors that explain themselves."""

from __future__ import annotations

import asyncio

import pytest

from bot.fake_telegram import FakeTelegram

MENU = {"inline_keyboard": [[{"text": "Mon 10:00", "callback_data": "slot:1"},
                             {"text": "Mon 11:00", "callback_data": "slot:2"}],
                            [{"text": "Help", "url": "https://example.org"}]]}


async def test_wait_message_returns_each_message_once_in_order(fake: FakeTelegram, api) -> None:
    ada = fake.user(7001)
    for text in ("one", "two", "three"):
        await api.ok("sendMessage", chat_id=ada.id, text=text)
    assert [(await ada.wait_message(timeout=1)).text for _ in range(3)] == ["one", "two", "three"]
    with pytest.raises(TimeoutError, match="no new bot message in chat 7001"):
        await ada.wait_message(timeout=0.05)


async def test_wait_message_wakes_up_on_a_later_message(fake: FakeTelegram, api) -> None:
    ada = fake.user(7002)
    waiter = asyncio.create_task(ada.wait_message(timeout=5))
    await asyncio.sleep(0)  # let the waiter start waiting; not a timing assumption
    assert not waiter.done()
    await api.ok("sendMessage", chat_id=ada.id, text="late")
    assert (await asyncio.wait_for(waiter, timeout=5)).text == "late"


async def test_predicate_skips_and_edits_are_not_new_messages(fake: FakeTelegram, api) -> None:
    ada = fake.user(7003)
    first = await api.ok("sendMessage", chat_id=ada.id, text="loading…")
    await api.ok("editMessageText", chat_id=ada.id, message_id=first["message_id"], text="done")
    await api.ok("sendMessage", chat_id=ada.id, text="Pick a slot", reply_markup=MENU)
    menu = await ada.wait_message(timeout=1, predicate=lambda m: bool(m.buttons))
    assert menu.text == "Pick a slot"
    with pytest.raises(TimeoutError):
        await ada.wait_message(timeout=0.05)  # "loading…" was skipped, the edit is no message
    edit = await ada.wait_edit(first["message_id"], timeout=1)
    assert (edit.text, edit.edit_count) == ("done", 1)


async def test_press_errors_list_available_labels(fake: FakeTelegram, api) -> None:
    ada = fake.user(7004)
    with pytest.raises(LookupError, match="no bot message with inline buttons"):
        ada.press("anything")
    await api.ok("sendMessage", chat_id=ada.id, text="Pick", reply_markup=MENU)
    with pytest.raises(LookupError, match=r"'Tue 10:00' not found .*\['Mon 10:00', 'Mon 11:00', 'Help'\]"):
        ada.press("Tue 10:00")
    with pytest.raises(LookupError, match="ambiguous"):
        ada.press("Mon")
    with pytest.raises(LookupError, match="no callback_data"):
        ada.press("Help")
    query_id = ada.press("Mon 11:00")
    update = (await api.ok("getUpdates"))[-1]["callback_query"]
    assert (update["id"], update["data"], update["from"]["id"]) == (query_id, "slot:2", ada.id)


async def test_press_targets_an_older_message_by_id(fake: FakeTelegram, api) -> None:
    ada = fake.user(7005)
    old = await api.ok("sendMessage", chat_id=ada.id, text="old", reply_markup=MENU)
    await api.ok("sendMessage", chat_id=ada.id, text="new", reply_markup={
        "inline_keyboard": [[{"text": "Mon 10:00", "callback_data": "other"}]]})
    ada.press("Mon 10:00", message_id=old["message_id"])
    ada.press("Mon 10:00")
    updates = [u["callback_query"] for u in await api.ok("getUpdates")]
    assert [(u["message"]["text"], u["data"]) for u in updates] == [("old", "slot:1"),
                                                                    ("new", "other")]


async def test_press_data_sends_any_payload_from_a_message(fake: FakeTelegram, api) -> None:
    ada = fake.user(7007)
    with pytest.raises(LookupError, match="no bot message"):
        ada.press_data("x")
    old = await api.ok("sendMessage", chat_id=ada.id, text="old", reply_markup=MENU)
    await api.ok("sendMessage", chat_id=ada.id, text="plain")
    first = ada.press_data("")
    ada.press_data("slot:" + "9" * 54, message_id=old["message_id"])
    with pytest.raises(LookupError, match="does not exist"):
        ada.press_data("x", message_id=999)
    updates = [u["callback_query"] for u in await api.ok("getUpdates")]
    assert [(u["message"]["text"], u["data"]) for u in updates] == [("plain", ""),
                                                                    ("old", "slot:" + "9" * 54)]
    await api.ok("answerCallbackQuery", callback_query_id=first, text="stale")
    assert (await ada.wait_callback_answer(first, timeout=1)).text == "stale"


async def test_user_messages_produce_realistic_updates(fake: FakeTelegram, api) -> None:
    ada = fake.user(7006, first_name="Ada", username="ada_l", language_code="de")
    ada.send_command("/book", args="tomorrow")
    ada.send_text("/help@test_bot")
    ada.share_contact("+15550123")
    ada.share_location(48.85, 2.35)
    ada.send_text("plain")
    messages = [u["message"] for u in await api.ok("getUpdates")]
    assert messages[0]["text"] == "/book tomorrow"
    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert messages[1]["entities"][0]["length"] == len("/help@test_bot")
    assert messages[0]["from"] == {"id": 7006, "is_bot": False, "first_name": "Ada",
                                   "username": "ada_l", "language_code": "de"}
    assert messages[2]["contact"] == {"phone_number": "+15550123", "first_name": "Ada",
                                      "user_id": 7006}
    assert messages[3]["location"] == {"latitude": 48.85, "longitude": 2.35}
    assert "entities" not in messages[4]
    assert [m["message_id"] for m in messages] == [1, 2, 3, 4, 5]


async def test_reply_parameters_and_reply_to(fake: FakeTelegram, api) -> None:
    ada = fake.user(7007)
    asked = ada.send_text("question")
    answer = await api.ok("sendMessage", chat_id=ada.id, text="answer",
                          reply_parameters={"message_id": asked})
    assert answer["reply_to_message"]["text"] == "question"
    assert (await ada.wait_message(timeout=1)).reply_to_message_id == asked
    lenient = await api.ok("sendMessage", chat_id=ada.id, text="orphan", reply_parameters={
        "message_id": 999, "allow_sending_without_reply": True})
    assert "reply_to_message" not in lenient


async def test_commands_per_scope_and_language(fake: FakeTelegram, ptb_bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    await ptb_bot.set_my_commands([BotCommand("start", "Start"), BotCommand("book", "Book")])
    await ptb_bot.set_my_commands([BotCommand("start", "Начать")], language_code="ru")
    private = BotCommandScopeAllPrivateChats()
    await ptb_bot.set_my_commands([BotCommand("help", "Help")], scope=private)
    assert [c.command for c in await ptb_bot.get_my_commands()] == ["start", "book"]
    assert [c.description for c in await ptb_bot.get_my_commands(language_code="ru")] == [
        "Начать"]
    assert [c.command for c in await ptb_bot.get_my_commands(scope=private)] == ["help"]
    await ptb_bot.delete_my_commands(language_code="ru")
    assert await ptb_bot.get_my_commands(language_code="ru") == ()
    from telegram.error import BadRequest
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await ptb_bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_menu_button_get_chat_and_chat_action(fake: FakeTelegram, ptb_bot) -> None:
    from telegram import MenuButtonCommands, MenuButtonDefault

    ada = fake.user(7008, username="ada")
    assert await ptb_bot.set_chat_menu_button(chat_id=ada.id, menu_button=MenuButtonCommands())
    assert isinstance(await ptb_bot.get_chat_menu_button(chat_id=ada.id), MenuButtonCommands)
    await ptb_bot.set_chat_menu_button(chat_id=ada.id, menu_button=MenuButtonDefault())
    chat = await ptb_bot.get_chat(ada.id)
    assert (chat.id, chat.type, chat.first_name, chat.username) == (ada.id, "private", "Ada",
                                                                    "ada")
    assert (await ptb_bot.get_chat("@ada")).id == ada.id
    assert await ptb_bot.send_chat_action(ada.id, "typing")
    assert fake.transcript(ada.id)[-1].kind == "chat_action"

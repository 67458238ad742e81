"""A real python-telegram-bot Application talks to the fake over HTTP, driven as a user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fake_telegram import FakeTelegram


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.from_user is not None
    who = " ".join(context.args or []) or update.message.from_user.first_name
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton("📅 Book", callback_data="book:42")],
        [InlineKeyboardButton("Cancel", callback_data="cancel"),
         InlineKeyboardButton("Site", url="https://example.org")],
    ])
    await update.message.reply_text(f"<b>Hello</b>, {who}!", parse_mode="HTML",
                                    reply_markup=keyboard)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"got {query.data}")
    await query.edit_message_text(f"Booked slot {query.data}")


async def ask_phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    button = KeyboardButton("Share phone", request_contact=True)
    await update.message.reply_text(
        "Your phone?", reply_markup=ReplyKeyboardMarkup([[button]], one_time_keyboard=True))


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.contact is not None
    contact = update.message.contact
    assert update.message.from_user is not None
    own = contact.user_id == update.message.from_user.id
    await update.message.reply_text(f"{contact.phone_number} own={own}",
                                    reply_markup=ReplyKeyboardRemove())


async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    message = await update.message.reply_document(b"a,b\n1,2\n", filename="report.csv",
                                                  caption="Your report")
    assert message.document is not None
    downloaded = await (await message.document.get_file()).download_as_bytearray()
    await update.message.reply_text(f"downloaded {len(downloaded)} bytes")


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application]:
    application = (ApplicationBuilder().token(fake.bot().token).base_url(fake.base_url)
                   .base_file_url(fake.base_file_url).build())
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("phone", ask_phone))
    application.add_handler(CommandHandler("report", send_report))
    application.add_handler(MessageHandler(filters.CONTACT, on_contact))
    application.add_handler(CallbackQueryHandler(on_press))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_start_and_inline_button_round_trip(
    fake: FakeTelegram, app: Application
) -> None:
    assert app.bot.username == fake.bot().username == "test_bot"
    ada = fake.user(1001, first_name="Ada")
    ada.send_command("/start")
    greeting = await ada.wait_message(timeout=5)
    assert greeting.text == "Hello, Ada!"
    assert greeting.source_text == "<b>Hello</b>, Ada!" and greeting.parse_mode == "HTML"
    assert greeting.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert greeting.buttons == [["📅 Book"], ["Cancel", "Site"]]
    assert greeting.callback_data == [["book:42"], ["cancel", None]]

    query_id = ada.press("Book")  # unambiguous substring of "📅 Book"
    edited = await ada.wait_edit(greeting.message_id, timeout=5)
    assert edited.text == "Booked slot book:42"
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert edited.edit_count == 1
    answer = await ada.wait_callback_answer(query_id, timeout=5)
    assert answer.text == "got book:42"

    kinds = [entry.kind for entry in fake.transcript(ada.id)]
    assert kinds == ["user_message", "bot_message", "callback_query", "callback_answer", "edit"]
    assert fake.calls["getMe"] == 1 and fake.calls["deleteWebhook"] == 1


async def test_command_arguments_reach_the_handler(
    fake: FakeTelegram, app: Application
) -> None:
    grace = fake.user(1002, first_name="Grace")
    grace.send_command("/start", args="Admiral Hopper")
    reply = await grace.wait_message(timeout=5)
    assert reply.text == "Hello, Admiral Hopper!"


async def test_contact_sharing_with_reply_keyboard(
    fake: FakeTelegram, app: Application
) -> None:
    alan = fake.user(1003, first_name="Alan")
    alan.send_command("/phone")
    question = await alan.wait_message(timeout=5)
    assert question.reply_keyboard == [["Share phone"]]
    assert alan.reply_keyboard == [["Share phone"]]
    alan.share_contact("+15550100")
    confirmation = await alan.wait_message(timeout=5)
    assert confirmation.text == "+15550100 own=True"
    assert confirmation.remove_keyboard and alan.reply_keyboard is None


async def test_document_upload_and_download(
    fake: FakeTelegram, app: Application
) -> None:
    linus = fake.user(1004)
    linus.send_command("/report")
    document = await linus.wait_document(timeout=5)
    assert document.document is not None
    assert document.document.file_name == "report.csv"
    assert document.document.mime_type == "text/csv"
    assert document.document.data == b"a,b\n1,2\n"
    assert document.text == "Your report"
    follow_up = await linus.wait_message(timeout=5)
    assert follow_up.text == "downloaded 8 bytes"

"""Bot API methods that create, change or remove messages, and the shared message builder.

Only methods that create a new message go through flood control, mirroring Telegram, where
edits, callback answers and chat actions do not count towards the message limits.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import bad_request
from .formatting import FormattedText, format_text, u16len
from .keyboards import validate_reply_markup
from .registry import Call, api_method
from .state import ChatState, FakeState, StoredFile, StoredMessage

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_VOLATILE_KEYS = ("message_id", "from", "chat", "date", "edit_date", "reply_to_message",
                  "forward_origin")


def new_message(state: FakeState, chat: ChatState, *, sender: dict[str, Any], from_bot: bool,
                content: dict[str, Any], source: tuple[str | None, str | None] = (None, None),
                keyboard: dict[str, Any] | None = None,
                file: StoredFile | None = None) -> StoredMessage:
    """Store a message in ``chat`` and log it; the caller decides whether it becomes an update."""
    message_id = chat.allocate_message_id()
    payload = {"message_id": message_id, "from": sender, "chat": chat.to_api(),
               "date": state.now(), **content}
    stored = StoredMessage(chat.id, message_id, from_bot, [payload], [source], keyboard,
                           file=file)
    chat.messages[message_id] = stored
    data = dict(payload)
    if keyboard is not None:
        data["reply_markup"] = keyboard
    state.record(chat, "bot_message" if from_bot else "user_message", message_id,
                 content.get("text", content.get("caption")), data)
    return stored


def _text(call: Call, key: str = "text") -> FormattedText:
    source = call.params.text(key)
    if source is None or not source.strip():
        raise bad_request("message text is empty")
    formatted = format_text(source, call.params.text("parse_mode"), call.params.json("entities"))
    if not formatted.text:
        raise bad_request("message text is empty")
    if u16len(formatted.text) > MAX_TEXT:  # Telegram counts UTF-16 code units
        raise bad_request("message is too long")
    return formatted


def _caption(call: Call) -> dict[str, Any]:
    source = call.params.text("caption")
    if not source:
        return {}
    formatted = format_text(source, call.params.text("parse_mode"),
                            call.params.json("caption_entities"))
    if u16len(formatted.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    content: dict[str, Any] = {"caption": formatted.text} if formatted.text else {}
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    return content


def _reply_to(call: Call, chat: ChatState) -> dict[str, Any]:
    params = call.params.json("reply_parameters") or {}
    message_id = params.get("message_id") or call.params.integer("reply_to_message_id")
    if not message_id:
        return {}
    target = chat.messages.get(int(message_id))
    if target is None or target.deleted:
        allow = params.get("allow_sending_without_reply") or call.params.flag(
            "allow_sending_without_reply")
        if allow:
            return {}
        raise bad_request("message to be replied not found")
    replied = {k: v for k, v in target.current.items() if k != "reply_to_message"}
    return {"reply_to_message": replied}


def _deliver(call: Call, chat: ChatState, content: dict[str, Any], *,
             source: tuple[str | None, str | None] = (None, None),
             file: StoredFile | None = None) -> dict[str, Any]:
    """Common tail of every send*: markup, reply, flood control, then store."""
    markup = validate_reply_markup(call.params.json("reply_markup"))
    content = {**content, **_reply_to(call, chat)}
    keyboard = None
    if markup is not None and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    else:
        keyboard = markup
    call.bot.flood.acquire(chat.id, paid=call.params.flag("allow_paid_broadcast"))
    stored = new_message(call.state, chat, sender=call.bot.to_api(), from_bot=True,
                         content=content, source=source, keyboard=keyboard, file=file)
    return stored.current


@api_method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    formatted = _text(call)
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    source = (call.params.text("text"), call.params.text("parse_mode"))
    return _deliver(call, chat, content, source=source)


def _editable(call: Call) -> tuple[ChatState, StoredMessage]:
    if call.params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the fake")
    chat = call.writable_chat()  # Telegram refuses edits in a chat that blocked the bot too
    message_id = call.params.integer("message_id", required=True)
    stored = chat.messages.get(message_id or 0)
    if stored is None or stored.deleted:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(call: Call, chat: ChatState, stored: StoredMessage, changes: dict[str, Any],
                source: tuple[str | None, str | None]) -> dict[str, Any]:
    """Build the next version; like Telegram, omitting reply_markup removes the keyboard."""
    markup = validate_reply_markup(call.params.json("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    replaced = ("edit_date", "reply_markup", *changes)
    edited = {k: v for k, v in stored.current.items() if k not in replaced}
    edited.update({k: v for k, v in changes.items() if v})
    if markup is not None and markup["inline_keyboard"]:
        edited["reply_markup"] = markup
    before = {k: v for k, v in stored.current.items() if k != "edit_date"}
    if edited == before:
        raise bad_request(NOT_MODIFIED)
    edited["edit_date"] = call.state.now()
    stored.versions.append(edited)
    stored.sources.append(source if source[0] is not None else stored.sources[-1])
    call.state.record(chat, "edit", stored.message_id,
                      edited.get("text", edited.get("caption")), edited)
    return edited


@api_method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    chat, stored = _editable(call)
    if "text" not in stored.current:
        raise bad_request("there is no text in the message to edit")
    formatted = _text(call)
    changes = {"text": formatted.text, "entities": formatted.entities}
    source = (call.params.text("text"), call.params.text("parse_mode"))
    return _apply_edit(call, chat, stored, changes, source)


@api_method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    chat, stored = _editable(call)
    if "text" in stored.current:
        raise bad_request("there is no caption in the message to edit")
    changes = {"caption": None, "caption_entities": None, **_caption(call)}
    source = (call.params.text("caption") or "", call.params.text("parse_mode"))
    return _apply_edit(call, chat, stored, changes, source)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    chat, stored = _editable(call)
    return _apply_edit(call, chat, stored, {}, (None, None))


@api_method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = call.chat()
    message_id = call.params.integer("message_id", required=True)
    stored = chat.messages.get(message_id or 0)
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    call.state.record(chat, "delete", stored.message_id)
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query_id = call.params.text("callback_query_id") or ""
    query = call.bot.callback_queries.get(query_id)
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    answer = {"text": call.params.text("text"), "show_alert": call.params.flag("show_alert"),
              "url": call.params.text("url"), "cache_time": call.params.integer("cache_time")}
    if len(answer["text"] or "") > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = answer
    chat = call.bot.chats[query.chat_id]
    call.state.record(chat, "callback_answer", query.message_id, answer["text"],
                      {"callback_query_id": query_id, **answer})
    return True


@api_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = call.writable_chat()
    action = call.params.text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.state.record(chat, "chat_action", None, action, {"action": action})
    return True


def _input_file(call: Call, field: str) -> StoredFile:
    """Resolve an upload, an ``attach://`` reference or a known file_id."""
    reference = call.params.text(field)
    upload = call.params.files.get(field)
    if reference and reference.startswith("attach://"):
        upload = call.params.files.get(reference.removeprefix("attach://"))
    if upload is not None:
        return call.state.store_file(upload.filename, upload.content_type, upload.data)
    if not reference:
        raise bad_request(f"there is no {field} in the request")
    known = call.state.files.get(reference)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return known


@api_method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    stored = _input_file(call, "document")
    document: dict[str, Any] = {"file_id": stored.file_id,
                                "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    if stored.data is not None:
        document["file_size"] = len(stored.data)
    content = {"document": document, **_caption(call)}
    return _deliver(call, chat, content, source=(call.params.text("caption"),
                                                 call.params.text("parse_mode")), file=stored)


def _image_size(data: bytes | None) -> tuple[int, int]:
    """Width and height of a PNG or JPEG upload; Telegram refuses anything else as a photo."""
    if data and data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data and data.startswith(b"\xff\xd8"):
        return 0, 0  # a JPEG: its size is not worth parsing here
    raise bad_request("IMAGE_PROCESS_FAILED")


@api_method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    stored = _input_file(call, "photo")
    width, height = _image_size(stored.data)
    photo = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
              "width": width, "height": height, "file_size": len(stored.data or b"")}]
    content = {"photo": photo, **_caption(call)}
    return _deliver(call, chat, content, source=(call.params.text("caption"),
                                                 call.params.text("parse_mode")), file=stored)


@api_method("sendLocation")
async def send_location(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    latitude = call.params.number("latitude", required=True)
    longitude = call.params.number("longitude", required=True)
    assert latitude is not None and longitude is not None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong coordinates specified")
    return _deliver(call, chat, {"location": {"latitude": latitude, "longitude": longitude}})


@api_method("sendContact")
async def send_contact(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    phone = call.params.text("phone_number")
    first_name = call.params.text("first_name")
    if not phone:
        raise bad_request("phone_number is empty")
    if not first_name:
        raise bad_request("first_name is empty")
    contact = {"phone_number": phone, "first_name": first_name}
    if call.params.text("last_name"):
        contact["last_name"] = call.params.text("last_name") or ""
    return _deliver(call, chat, {"contact": contact})


def _source_message(call: Call) -> StoredMessage:
    source_chat = call.chat("from_chat_id")
    message_id = call.params.integer("message_id", required=True)
    stored = source_chat.messages.get(message_id or 0)
    if stored is None or stored.deleted:
        raise bad_request("message to forward not found")
    return stored


@api_method("forwardMessage")
async def forward_message(call: Call) -> dict[str, Any]:
    chat = call.writable_chat()
    original = _source_message(call)
    content = {k: copy.deepcopy(v) for k, v in original.current.items()
               if k not in _VOLATILE_KEYS and k != "reply_markup"}
    sender = original.current.get("from", {})
    content["forward_origin"] = {"type": "user", "sender_user": sender,
                                 "date": original.current["date"]}
    return _deliver(call, chat, content, file=original.file)


@api_method("copyMessage")
async def copy_message(call: Call) -> dict[str, int]:
    chat = call.writable_chat()
    original = _source_message(call)
    content = {k: copy.deepcopy(v) for k, v in original.current.items()
               if k not in _VOLATILE_KEYS and k != "reply_markup"}
    if call.params.has("caption"):
        content.update(_caption(call))
    message = _deliver(call, chat, content, file=original.file)
    return {"message_id": message["message_id"]}

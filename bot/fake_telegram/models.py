"""Read-only views of stored messages, shaped for assertions rather than for the Bot API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from .keyboards import inline_rows
from .state import StoredMessage


class Document(BaseModel):
    model_config = ConfigDict(frozen=True, ser_json_bytes="base64")

    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    data: bytes | None = None


class CallbackAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


class BotMessage(BaseModel):
    """One version of a message; ``text`` is the rendered text (or caption) the user sees."""

    model_config = ConfigDict(frozen=True, ser_json_bytes="base64")

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = []
    buttons: list[list[str]] = []
    callback_data: list[list[str | None]] = []
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    force_reply: bool = False
    document: Document | None = None
    photo: Document | None = None  # the largest size, with the uploaded bytes
    location: dict[str, float] | None = None
    contact: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_count: int = 0
    deleted: bool = False
    raw: dict[str, Any] = {}

    @property
    def labels(self) -> list[str]:
        """All inline button labels, row by row, for quick ``in`` checks."""
        return [label for row in self.buttons for label in row]

    def data_for(self, label: str) -> str | None:
        for row_labels, row_data in zip(self.buttons, self.callback_data, strict=True):
            for text, data in zip(row_labels, row_data, strict=True):
                if text == label:
                    return data
        raise LookupError(f"no button {label!r}; available: {self.labels}")


def snapshot(stored: StoredMessage, version: int | None = None) -> BotMessage:
    """Freeze ``stored`` as it looked at ``version`` (default: now)."""
    index = stored.edit_count if version is None else version
    payload = stored.versions[index]
    source, parse_mode = stored.sources[index] if index < len(stored.sources) else (None, None)
    rows = inline_rows(payload.get("reply_markup"))
    keyboard = stored.keyboard or {}
    document = None
    if "document" in payload:
        doc = payload["document"]
        document = Document(file_id=doc["file_id"], file_name=doc.get("file_name"),
                            mime_type=doc.get("mime_type"),
                            data=stored.file.data if stored.file else None)
    photo = None
    if payload.get("photo"):
        size = payload["photo"][-1]
        photo = Document(file_id=size["file_id"], data=stored.file.data if stored.file else None)
    reply = payload.get("reply_to_message")
    return BotMessage(
        chat_id=stored.chat_id, message_id=stored.message_id, from_bot=stored.from_bot,
        date=payload["date"], text=payload.get("text", payload.get("caption")),
        source_text=source, parse_mode=parse_mode,
        entities=payload.get("entities", payload.get("caption_entities", [])),
        buttons=[[b["text"] for b in row] for row in rows],
        callback_data=[[b.get("callback_data") for b in row] for row in rows],
        reply_keyboard=[[b["text"] for b in row] for row in keyboard["keyboard"]]
        if "keyboard" in keyboard else None,
        remove_keyboard=bool(keyboard.get("remove_keyboard")),
        force_reply=bool(keyboard.get("force_reply")),
        document=document, photo=photo, location=payload.get("location"), contact=payload.get("contact"),
        reply_to_message_id=reply["message_id"] if reply else None,
        edit_count=index, deleted=stored.deleted, raw=payload,
    )

"""Bot-level Bot API methods: identity, updates, webhooks, commands, menu button, chats, files.

Importing this module (and :mod:`.messages`) fills the method registry.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import messages  # noqa: F401  (registers the message methods)
from .errors import TelegramApiError, bad_request, webhook_conflict
from .registry import Call, api_method
from .state import UPDATE_KINDS_BY_DEFAULT, BotAccount, FakeState, WebhookConfig

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 50


def update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def take_allowed(state: FakeState, bot: BotAccount, limit: int) -> list[dict[str, Any]]:
    """Pending updates the bot subscribed to; others are dropped as Telegram never sends them."""
    kept = [u for u in bot.pending_updates if update_kind(u) in bot.allowed_updates]
    if len(kept) != len(bot.pending_updates):
        bot.pending_updates[:] = kept
        state.changed.notify()
    return kept[:limit]


def _set_allowed(bot: BotAccount, allowed: Any) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    bot.allowed_updates = frozenset(allowed) if allowed else UPDATE_KINDS_BY_DEFAULT


def _confirm(state: FakeState, bot: BotAccount, offset: int | None) -> None:
    if not offset:
        return
    before = len(bot.pending_updates)
    if offset > 0:
        bot.pending_updates[:] = [u for u in bot.pending_updates if u["update_id"] >= offset]
    else:
        bot.pending_updates[:] = bot.pending_updates[offset:]
    if len(bot.pending_updates) != before:
        state.changed.notify()


@api_method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return {**call.bot.to_api(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


@api_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot, state = call.bot, call.state
    if bot.webhook is not None:
        raise webhook_conflict()
    limit = min(100, max(1, call.params.integer("limit") or 100))
    timeout = min(MAX_POLL_TIMEOUT, max(0, call.params.integer("timeout") or 0))
    _set_allowed(bot, call.params.json("allowed_updates"))
    _confirm(state, bot, call.params.integer("offset"))
    bot.poll_generation += 1
    generation = bot.poll_generation
    state.changed.notify()  # lets an older long poll notice it was superseded

    def ready() -> list[dict[str, Any]] | None:
        if state.closing:
            return []
        if bot.poll_generation != generation:
            raise TelegramApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
        if bot.webhook is not None:
            raise webhook_conflict()
        return take_allowed(state, bot, limit) or None

    return await state.changed.wait_for(ready, timeout) or []


@api_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.params.text("url") or ""
    if not url:
        return await delete_webhook(call)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.params.text("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if call.params.flag("drop_pending_updates"):
        call.bot.pending_updates.clear()
    allowed = call.params.json("allowed_updates")
    _set_allowed(call.bot, allowed)
    call.bot.webhook = WebhookConfig(url=url, secret_token=secret,
                                     max_connections=call.params.integer("max_connections") or 40,
                                     allowed_updates=allowed)
    call.state.changed.notify()
    call.webhooks.sync(call.bot)
    return True


@api_method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    if call.params.flag("drop_pending_updates"):
        call.bot.pending_updates.clear()
    call.bot.webhook = None
    call.state.changed.notify()
    call.webhooks.sync(call.bot)
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    webhook = call.bot.webhook
    info: dict[str, Any] = {"url": webhook.url if webhook else "",
                            "has_custom_certificate": False,
                            "pending_update_count": len(call.bot.pending_updates)}
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates is not None:
            info["allowed_updates"] = webhook.allowed_updates
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info


@api_method("logOut")
async def log_out(call: Call) -> bool:
    return True


@api_method("close")
async def close(call: Call) -> bool:
    return True


def _commands_key(call: Call) -> tuple[str, str]:
    scope = call.params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), call.params.text("language_code") or ""


@api_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON array")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned = []
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command["command"], "description": description})
    key = _commands_key(call)
    if cleaned:
        call.bot.commands[key] = cleaned
    else:
        call.bot.commands.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, Any]]:
    return list(call.bot.commands.get(_commands_key(call), []))


@api_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_commands_key(call), None)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    button = call.params.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands",
                                                                   "web_app"):
        raise bad_request("can't parse menu button JSON object")
    if call.params.has("chat_id"):
        call.chat().menu_button = button
    else:
        call.bot.default_menu_button = button
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    if call.params.has("chat_id"):
        button = call.chat().menu_button
        if button is not None and button.get("type") != "default":
            return button
    return call.bot.default_menu_button


@api_method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    chat = call.chat()
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False}}


@api_method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    stored = call.state.files.get(call.params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    result: dict[str, Any] = {"file_id": stored.file_id,
                              "file_unique_id": stored.file_unique_id,
                              "file_path": stored.file_path}
    if stored.data is not None:
        result["file_size"] = len(stored.data)
    return result

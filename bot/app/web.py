"""The bot's one web server: health, Telegram webhook, vendor callbacks.

One Starlette app served by uvicorn beside the bot in both modes (the
pattern python-telegram-bot documents for custom webhook servers: the
application runs with ``updater(None)`` and the route puts updates on
``update_queue``, through :class:`bot.app.receiving.Receiver`, which keeps each in
the inbox before Telegram is told it arrived). Vendor callbacks mount under ``/vendors/<name>``
and the OAuth redirect under ``/oauth``; each feature contributes its routes
through :func:`build_web_app`'s ``extra_routes``.

Whoever knows the URL can post anything, so the webhook reads at most
:data:`MAX_UPDATE_BYTES` (413 beyond, without reading the rest) and answers
400 to whatever is not a Telegram update, with a log line and no traceback.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from telegram import Bot, Update

from bot.app.receiving import Receiver
from bot.asgi import BodyRefused, read_json_object
from bot.runtime import BotApplication

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram"
_CHECKS = ("/healthz", "/readyz")
# Telegram does not document a maximum; a message is at most 4096 characters plus entities,
# so real updates are a few kilobytes and a megabyte leaves room for any of them.
MAX_UPDATE_BYTES = 1 << 20


def parse_update(payload: dict[str, Any], bot: Bot) -> Update:
    """The update in a JSON object, or :class:`BodyRefused` (400) when it is not one."""
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise BodyRefused(400, "no update_id")
    try:
        update = Update.de_json(payload, bot)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise BodyRefused(400, f"not an Update ({type(exc).__name__})") from None
    if update is None:
        raise BodyRefused(400, "not an Update")
    return update


def build_web_app(
    application: BotApplication,
    receiver: Receiver,
    *,
    webhook_secret: str | None,
    extra_routes: list[BaseRoute] | None = None,
    ready: Callable[[], bool] | None = None,
) -> Starlette:
    """``ready`` says whether this process serves the bot (the leader, started): until
    then ``/readyz`` answers 503, so a load balancer sends Telegram and vendors to the
    leader, and every route but the two checks answers 503 too (Telegram retries)."""
    is_ready = ready or (lambda: application.running)

    async def healthz(_: Request) -> Response:
        storage = application.services.storage
        try:
            await storage.db.fetchone("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            log.exception("health check failed")
            return JSONResponse({"status": "unhealthy"}, status_code=503)
        return JSONResponse({"status": "ok", "running": application.running})

    async def readyz(_: Request) -> Response:
        if is_ready():
            return JSONResponse({"status": "leader"})
        return JSONResponse({"status": "standby"}, status_code=503)

    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if webhook_secret is None or not hmac.compare_digest(given, webhook_secret):
            return Response(status_code=403)
        try:
            payload = await read_json_object(request, MAX_UPDATE_BYTES)
            update = parse_update(payload, application.bot)
        except BodyRefused as refused:
            log.info("webhook call refused (%d): %s", refused.status, refused.reason)
            return Response(status_code=refused.status)
        try:
            await receiver.receive([payload], [update])  # kept before Telegram hears 200
        except Exception:  # noqa: BLE001 - not kept: Telegram must send it again
            log.exception("update=%d not kept; answering 503 so Telegram resends it",
                          update.update_id)
            return Response(status_code=503)
        return Response(status_code=200)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route(TELEGRAM_WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
        # Vendor callbacks (/vendors/<name>/...) and the OAuth redirect
        # (/oauth/...) are added here by the features that need them.
        *(extra_routes or []),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_LeaderOnly, ready=is_ready)])


class _LeaderOnly:
    """Answers 503 to everything but the checks while this process is not serving."""

    def __init__(self, app: ASGIApp, ready: Callable[[], bool]) -> None:
        self._app, self._ready = app, ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in _CHECKS and not self._ready():
            response = JSONResponse({"status": "standby"}, status_code=503)
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)

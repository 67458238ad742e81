"""The bot's one web server: health, Telegram webhook, vendor callbacks.

One Starlette app served by uvicorn beside the bot in both modes (the
pattern python-telegram-bot documents for custom webhook servers: the
application runs with ``updater(None)`` in webhook mode and the route puts
updates on ``update_queue``). Vendor callbacks mount under ``/vendors/<name>``
and the OAuth redirect under ``/oauth``; each feature contributes its routes
through :func:`build_web_app`'s ``extra_routes``.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.runtime import BotApplication

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram"


def build_web_app(
    application: BotApplication,
    *,
    webhook_secret: str | None,
    extra_routes: list[BaseRoute] | None = None,
) -> Starlette:
    async def healthz(_: Request) -> Response:
        storage = application.services.storage
        try:
            await storage.db.fetchone("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            log.exception("health check failed")
            return JSONResponse({"status": "unhealthy"}, status_code=503)
        return JSONResponse({"status": "ok", "running": application.running})

    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if webhook_secret is None or not hmac.compare_digest(given, webhook_secret):
            return Response(status_code=403)
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            return Response(status_code=400)
        update = Update.de_json(payload, application.bot)
        if update is None:
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(TELEGRAM_WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
        # Vendor callbacks (/vendors/<name>/...) and the OAuth redirect
        # (/oauth/...) are added here by the features that need them.
        *(extra_routes or []),
    ]
    return Starlette(routes=routes)

"""Webhook delivery: POST pending updates one at a time, in order, retrying with backoff.

Telegram keeps an update until the webhook answers 2xx and never sends the next one before
that, so one worker task per bot preserves ordering and makes a failing handler visible
(``getWebhookInfo.last_error_message``) instead of silently losing updates.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from .methods import take_allowed
from .state import BotAccount, FakeState, WebhookConfig


class WebhookDispatcher:
    """Starts, replaces and stops the per-bot delivery workers."""

    def __init__(self, state: FakeState, *, client: httpx.AsyncClient | None = None,
                 retry_initial: float = 0.05, retry_max: float = 2.0,
                 request_timeout: float = 10.0) -> None:
        self.state = state
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self._client = client
        self._owns_client = client is None
        self._timeout = request_timeout
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._alive: set[asyncio.Task[None]] = set()  # includes cancelled-but-unfinished ones
        self.deliveries: list[dict[str, Any]] = []

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # trust_env=False: a proxy from the environment must not intercept loopback hooks.
            self._client = httpx.AsyncClient(timeout=self._timeout, trust_env=False)
        return self._client

    def sync(self, bot: BotAccount) -> None:
        """Make the running worker match ``bot.webhook`` (called after every webhook change)."""
        task = self._tasks.pop(bot.token, None)
        if task is not None:
            task.cancel()
        if bot.webhook is not None and not self.state.closing:
            task = asyncio.create_task(
                self._run(bot, bot.webhook), name=f"fake-telegram-webhook-{bot.username}")
            self._tasks[bot.token] = task
            self._alive.add(task)
            task.add_done_callback(self._alive.discard)

    async def _run(self, bot: BotAccount, config: WebhookConfig) -> None:
        delay = self.retry_initial

        def next_update() -> dict[str, Any] | bool | None:
            if self.state.closing or bot.webhook is not config:
                return False
            pending = take_allowed(self.state, bot, 1)
            return pending[0] if pending else None

        while True:
            update = await self.state.changed.wait_for(next_update, 3600.0)
            if update is False:
                return
            if not isinstance(update, dict):
                continue
            error = await self._post(config, update)
            if error is None:
                if bot.pending_updates and bot.pending_updates[0] is update:
                    bot.pending_updates.pop(0)
                self.deliveries.append(update)
                self.state.changed.notify()
                delay = self.retry_initial
                continue
            config.last_error_date = self.state.now()
            config.last_error_message = error
            self.state.changed.notify()
            await asyncio.sleep(delay)
            delay = min(self.retry_max, delay * 2)

    async def _post(self, config: WebhookConfig, update: dict[str, Any]) -> str | None:
        headers = {}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        try:
            response = await self._http().post(config.url, json=update, headers=headers)
        except httpx.HTTPError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"

    async def close(self) -> None:
        tasks = list(self._alive)
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

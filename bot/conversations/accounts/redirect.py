"""The OAuth routes on the bot's web server: start, and the provider's redirect.

``/oauth/<vendor>/start`` (the /link button) checks our signature on the
provider URL, sets a cookie holding that link's ``state`` and sends the
browser on. ``/oauth/<vendor>/callback`` is the registered redirect URI: the
``state`` must equal the cookie (RFC 9700 4.7.1: state bound to the user
agent, so a state sent by someone else or replayed in another browser is
refused without being spent), then it is consumed from storage (single use,
10 minutes; replayed, expired and unknown states are refused), the code is
exchanged and the tokens stored by the accounts vendor, and a custom update
(:class:`~.returns.AccountReturn`) tells the chat. Every answer is a small
page in the user's language; refusals change nothing.
"""

from __future__ import annotations

import hmac
import html
from datetime import datetime, timezone
import logging
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.conversations.accounts.link import link_signature, web_base
from bot.conversations.accounts.returns import AccountReturn, redirect_path, start_path
from bot.i18n import LANGUAGES, Translator, translator
from bot.runtime import BotApplication
from bot.vendors import AccountsRole, Customer, VendorError

log = logging.getLogger(__name__)

COOKIE = "link_state"


def account_routes(application: BotApplication) -> list[BaseRoute]:
    services = application.services
    vendors = services.vendors.playing(AccountsRole)

    async def start(request: Request) -> Response:
        go = request.query_params.get("go", "")
        sig = request.query_params.get("sig", "")
        t = _browser_translator(request)
        if request.path_params["vendor"] not in vendors or not hmac.compare_digest(
                sig.encode(), link_signature(services, go).encode()):
            return _page(t, t._("This link is not valid."), 400)
        state = parse_qs(urlsplit(go).query).get("state", [""])[0]
        response = RedirectResponse(go, status_code=302)
        response.set_cookie(COOKIE, state, max_age=600, httponly=True, samesite="lax",
                            secure=web_base(services).startswith("https://"))
        return response

    async def callback(request: Request) -> Response:
        name = request.path_params["vendor"]
        query = request.query_params
        state = query.get("state", "")
        t = _browser_translator(request)
        vendor = vendors.get(name)
        cookie = request.cookies.get(COOKIE, "")
        if vendor is None or not state:
            return _page(t, t._("This link is not valid."), 400)
        if not hmac.compare_digest(cookie.encode(), state.encode()):
            log.warning("oauth return refused: state not bound to this browser")
            return _page(t, t._("This link belongs to another chat or browser. Nothing was "
                                "changed: send /link in your own chat."), 403)
        pending = await services.storage.oauth.consume(state, datetime.now(timezone.utc))
        if pending is None or pending.vendor != name:
            return _page(t, t._("This link has expired or was already used. Nothing was "
                                "changed: send /link again."), 410)
        record = await services.storage.users.get(pending.telegram_id)
        t = translator(record.language if record and record.language else t.language)
        done = _page(t, t._("Done. You can go back to Telegram."))
        error = query.get("error")
        if error or not query.get("code"):
            await application.update_queue.put(
                AccountReturn(pending.telegram_id, name, error=error or "refused"))
            return done
        customer = Customer(telegram_id=pending.telegram_id, language=t.language,
                            pseudonym=services.pseudonym(pending.telegram_id))
        try:
            profile = await vendor.exchange_code(
                customer, query["code"], web_base(services) + redirect_path(name),
                pending.code_verifier or None)
        except VendorError as exc:
            log.warning("oauth code exchange failed: %r", exc)
            await application.update_queue.put(
                AccountReturn(pending.telegram_id, name, error="refused"))
            return _page(t, t._("Linking did not work. You can go back to Telegram and "
                                "try /link again."), 502)
        await application.update_queue.put(AccountReturn(pending.telegram_id, name, profile))
        return done

    return [
        Route(start_path("{vendor}"), start, methods=["GET"]),
        Route(redirect_path("{vendor}"), callback, methods=["GET"]),
    ]


def _browser_translator(request: Request) -> Translator:
    """The browser's preferred language among ours, before we know the user."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return translator(code)
    return translator("en")


def _page(t: Translator, text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="{t.language}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(t._('Booking bot'))}</title>"
        f"<p>{html.escape(text)}</p></html>",
        status_code=status,
    )

"""/qr for staff: a QR code to print for a door, opening the bot at that place.

Scanning it opens Telegram on a deep link (:mod:`bot.ui.links`): the booking
at a site, or the queue of a store, with no searching through lists. Staff
pick the place from every enabled vendor's sites and stores; the image is a
PNG made by ``segno`` (a maintained, dependency-free QR encoder), sent with
the link itself in the caption for sharing elsewhere.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.runtime import BotContext, services_of
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.access import staff_only
from bot.ui.answers import answer, answers_itself
from bot.ui.buttons import ButtonHandler, answer_stale
from bot.ui.limits import MAX_CAPTION, fit, shorten
from bot.ui.links import StartLink
from bot.vendors import VendorError

log = logging.getLogger(__name__)
PLACES = "qr_places"  # user_data: the places last listed, as the buttons' indexes mean them
PAGE_SIZE = 8
STAFF_ONLY = ("qr",)  # commands behind the STAFF_IDS filter (others: access.staff_refusals)


async def qr_command(update: Update, context: BotContext) -> None:
    if context.user_data is None:
        return
    places: list[dict[str, Any]] = []
    customer = context.customer(update.effective_user)
    for vendor in context.services.vendors:
        try:
            places += [{"kind": "book", "vendor": vendor.name, "id": s.id, "name": s.name}
                       for s in await vendor.list_sites(customer)]
        except VendorError as exc:
            log.warning("qr: sites of %s unavailable: %r", vendor.name, exc)
    for name, queue in context.services.vendors.queues.items():
        try:
            places += [{"kind": "queue", "vendor": name, "id": s.id, "name": s.name}
                       for s in await queue.queue_sites()]
        except VendorError as exc:
            log.warning("qr: stores of %s unavailable: %r", name, exc)
    context.user_data[PLACES] = places
    await _show_page(update, context, 0)


def _label(t: Translator, place: dict[str, Any]) -> str:
    if place["kind"] == "book":
        return t._("📅 Book at {place}", place=shorten(place["name"], 48))
    return t._("🎫 Queue at {place}", place=shorten(place["name"], 48))


async def _show_page(update: Update, context: BotContext, page: int) -> None:
    t = context.t
    places = (context.user_data or {}).get(PLACES, [])
    if not places:
        await reply(update, context, t._("There is no place to make a QR code for yet."))
        return
    pages = (len(places) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [[(_label(t, p), cb.QrPlace(index=start + i).encode())]
            for i, p in enumerate(places[start:start + PAGE_SIZE])]
    paging = ([("‹", cb.QrPage(page=page - 1).encode())] if page > 0 else []) + (
        [("›", cb.QrPage(page=page + 1).encode())] if page < pages - 1 else [])
    if paging:
        rows.append(paging)
    await reply(update, context, t._("Which QR code do you want to print?"), keyboard(rows))


async def on_page(update: Update, context: BotContext, button: cb.QrPage) -> None:
    await _show_page(update, context, button.page)


@answers_itself
async def on_place(update: Update, context: BotContext, button: cb.QrPlace) -> None:
    query = update.callback_query
    assert query is not None
    places = (context.user_data or {}).get(PLACES, [])
    if button.index >= len(places):
        await answer_stale(update, context)
        return
    await answer(update)  # before the image is drawn and sent
    await send_qr(update, context, places[button.index])


async def send_qr(update: Update, context: BotContext, place: dict[str, Any]) -> None:
    t = context.t
    link = StartLink.to(place["kind"], place["vendor"], place["id"])
    url = link.url(context.bot.username)
    image = io.BytesIO()
    import segno  # only staff /qr draws: not loaded at every start

    segno.make(url, error="m").save(image, kind="png", scale=10, border=4)
    if place["kind"] == "book":
        what = t._("Scanning this code opens the booking at {place}.", place=shorten(place["name"]))
    else:
        what = t._("Scanning this code joins the queue at {place}.", place=shorten(place["name"]))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(
        chat.id, InputFile(image.getvalue(), filename="qr.png"), caption=fit(f"{what}\n{url}", MAX_CAPTION)
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    staff = staff_only(services_of(application).settings.staff_ids)
    application.add_handler(CommandHandler("qr", qr_command, filters=staff))
    application.add_handler(ButtonHandler(cb.QrPage, on_page, users=staff))
    application.add_handler(ButtonHandler(cb.QrPlace, on_place, users=staff))

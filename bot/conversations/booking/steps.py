"""Showing each step of the booking flow.

Every ``show_*`` function renders its step from the draft and returns the
state the conversation moves to, so handlers read as "do this, then show
that" and Back is just calling the previous step's ``show_*`` again.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update

from bot.conversations.booking import views
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.states import Step
from bot.runtime import BotContext
from bot.ui import reply
from bot.ui.answers import answer
from bot.vendors import BookingRole, Capability, NotFound, Site, VendorError

OPEN_DAYS_SHOWN = 6


def vendor_of(context: BotContext, draft: Draft) -> BookingRole:
    vendor = context.services.vendors.get(draft.vendor or "")
    if vendor is None:
        raise NotFound("vendor no longer enabled")
    return vendor


def site_now(site: Site) -> datetime:
    return datetime.now(ZoneInfo(site.timezone))


async def show_businesses(update: Update, context: BotContext) -> Step:
    customer = context.customer(update.effective_user)
    titles = []
    for vendor in context.services.vendors:
        try:
            titles.append(await vendor.business_name(customer))
        except VendorError:
            titles.append(vendor.title)
    text, markup = views.businesses(context.t, Draft.of(context.user_data).flow, titles)
    await reply(update, context, text, markup)
    return Step.BUSINESS


async def show_sites(
    update: Update, context: BotContext, page: int = 0, *, fetch: bool = True
) -> Step:
    draft = Draft.of(context.user_data)
    vendor = vendor_of(context, draft)
    if fetch:
        draft.remember("sites", await vendor.list_sites(context.customer(update.effective_user)))
        draft.data.pop("distances", None)
    listed = draft.listed("sites", Site)
    text, markup = views.sites(
        context.t,
        draft.flow,
        listed,
        page,
        distances=draft.data.get("distances"),
        back=len(context.services.vendors) > 1,
        can_locate=vendor.can(Capability.COORDINATES),
    )
    if vendor.can(Capability.COORDINATES) and page == 0 and fetch and update.effective_chat:
        # The location button lives on the reply keyboard, so it comes first;
        # both are new messages, so the pressed button is answered here.
        await answer(update)
        await context.bot.send_message(
            update.effective_chat.id,
            context.t._("📍 Or share your location:"),
            reply_markup=views.location_keyboard(context.t),
        )
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    else:
        await reply(update, context, text, markup)
    return Step.SITE


def sort_by_distance(draft: Draft, latitude: float, longitude: float) -> None:
    listed = draft.listed("sites", Site)
    located = [s for s in listed if s.latitude is not None and s.longitude is not None]
    others = [s for s in listed if s.latitude is None or s.longitude is None]
    located.sort(key=lambda s: _km(latitude, longitude, s.latitude, s.longitude))  # type: ignore[arg-type]
    draft.remember("sites", located + others)
    draft.data["distances"] = [
        round(_km(latitude, longitude, s.latitude, s.longitude), 1) for s in located  # type: ignore[arg-type]
    ] + [None] * len(others)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; plenty precise for sorting shops."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


async def show_services(update: Update, context: BotContext) -> Step:
    draft = Draft.of(context.user_data)
    vendor = vendor_of(context, draft)
    site = draft.site
    assert site is not None
    listed = await vendor.list_services(context.customer(update.effective_user), site.id)
    draft.remember("services", listed)
    text, markup = views.services(context.t, draft.flow, site, listed, vendor.capabilities)
    await reply(update, context, text, markup)
    return Step.SERVICE


async def show_days(update: Update, context: BotContext) -> Step:
    draft = Draft.of(context.user_data)
    vendor = vendor_of(context, draft)
    site, service = draft.site, draft.service
    assert site is not None and service is not None
    open_days = await vendor.open_days(
        context.customer(update.effective_user), site.id, service.id,
        site_now(site).date(), OPEN_DAYS_SHOWN,
    )
    text, markup = views.days(context.t, draft.flow, open_days)
    await reply(update, context, text, markup)
    return Step.DAY


async def show_slots(update: Update, context: BotContext, *, edit: bool = True) -> Step:
    draft = Draft.of(context.user_data)
    vendor = vendor_of(context, draft)
    site, service, day = draft.site, draft.service, draft.day
    assert site is not None and service is not None and day is not None
    listed = await vendor.list_slots(context.customer(update.effective_user), site.id, service.id, day)
    draft.remember("slots", listed)
    # A full day can be watched, except while moving a booking ("move" in the draft,
    # see move.py): the notice books anew.
    watch = context.services.slot_watcher is not None and draft.data.get("move") is None
    text, markup = views.slots(context.t, draft.flow, site, day, listed, vendor.capabilities,
                               watch=watch)
    await reply(update, context, text, markup, edit=edit)
    return Step.SLOT

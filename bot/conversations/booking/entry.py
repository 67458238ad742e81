"""Ways into the booking besides /book, and taking the steps they already answer.

* Free text outside any flow that reads as a booking request ("haircut
  tomorrow at 11", "domani alle 11") starts the booking with that text kept
  as the user's *wish*: the business, site and service are picked when the
  words name exactly one of those offered, and once the service is known the
  day and time are applied as if typed at the day step.
* A deep link (``/start b_…``, printed as a QR code at a business's door)
  opens the booking at its site, or at its service there.

The wish is used once per step, on the way forward: after Back, the user
picks by hand what the words picked before.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import ConversationHandler, filters

from bot.conversations.booking import details, move, steps
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.states import Step
from bot.i18n.when import When, normalize, parse_when, pick_nearest
from bot.runtime import BotContext
from bot.ui import stay_on_vendor_error
from bot.ui.links import start_link
from bot.vendors import Slot

END = ConversationHandler.END
WISH = "wish"  # in the draft: {"text": what the user wrote, "left": steps it may still answer}
MAX_WISH = 300  # characters of a request kept and read (the day reader's own cap)
_LEVELS = ("site", "service", "day")
# 11:30, 11.30, 11h, 11h30, 11 am, 11 Uhr: a time written as one
_CLOCK = re.compile(r"\b\d{1,2}\s*(?:[:.h]\s*\d{2}|h\b|[ap]\.?m\b|uhr\b)", re.IGNORECASE)


# -- reading a request ----------------------------------------------------------------
def reads_as_booking(text: str, language: str) -> bool:
    """Whether free text names a day ("tomorrow at 11", "venerdì") or a clock time ("14:30").

    A number alone is no request outside a flow: "2 coffees" or "room 12"
    read as times to the day reader, which is right at the day step only.
    """
    when = parse_when(text[:MAX_WISH], language, datetime.now(UTC))
    if when is None:
        return False
    return when.day is not None or (when.time is not None and _CLOCK.search(text[:MAX_WISH]) is not None)


def has_time(when: When) -> bool:
    return any(v is not None for v in (when.time, when.after, when.before, when.part_of_day))


class BookingRequest(filters.MessageFilter):
    """Free text that :func:`reads_as_booking` in the sender's Telegram language."""

    def filter(self, message: Message) -> bool:
        if not message.text:
            return False
        language = message.from_user.language_code if message.from_user else None
        return reads_as_booking(message.text, language or "en")


def match_one(text: str, names: list[str]) -> int | None:
    """The name among ``names`` the text mentions most, by its words of 4+ letters.

    "haircut tomorrow" names "Haircut"; "registry office" names "Registry
    office" over "Passport office"; "office" alone names neither: only an
    unambiguous mention picks.
    """
    said = set(normalize(text).split())
    scores = [sum(1 for word in set(normalize(name).split()) if len(word) >= 4 and word in said)
              for name in names]
    best = max(scores, default=0)
    return scores.index(best) if best > 0 and scores.count(best) == 1 else None


# -- entering -------------------------------------------------------------------------
@stay_on_vendor_error(Step.BUSINESS)
async def book_from_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None and message.text is not None
    vendors = list(context.services.vendors)
    if not vendors:
        await message.reply_text(context.t._("No booking system is set up yet. Please come back later."))
        return END
    draft = Draft.of(context.user_data, new=True)
    text = message.text[:MAX_WISH]
    draft.data[WISH] = {"text": text, "left": list(_LEVELS)}
    index = 0 if len(vendors) == 1 else match_one(text, [v.title for v in vendors])
    if index is None:
        return await steps.show_businesses(update, context)
    draft.vendor = vendors[index].name
    return await after_business(update, context)


@stay_on_vendor_error(Step.BUSINESS)
async def book_from_link(update: Update, context: BotContext) -> object:
    """``/start b_…``: the booking at the link's site (and service), else from the start."""
    link = start_link(update)
    vendor = context.services.vendors.get(link.vendor) if link is not None else None
    draft = Draft.of(context.user_data, new=True)
    if link is not None and vendor is not None:
        customer = context.customer(update.effective_user)
        sites = await vendor.list_sites(customer)
        site = next((s for s in sites if link.names_site(s.id)), None)
        if site is not None:
            draft.vendor, draft.site = vendor.name, site
            draft.remember("sites", sites)
            if link.service is None:
                return await steps.show_services(update, context)
            services = await vendor.list_services(customer, site.id)
            service = next((s for s in services if link.names_service(s.id)), None)
            if service is not None:
                draft.service = service
                return await steps.show_days(update, context)
            return await steps.show_services(update, context)
    await _link_gone(update, context)
    vendors = list(context.services.vendors)
    if len(vendors) == 1:
        draft.vendor = vendors[0].name
        return await steps.show_sites(update, context)
    return await steps.show_businesses(update, context)


async def _link_gone(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.t._("This link does not lead anywhere any more; here is where you can book."))


# -- going forward with the wish --------------------------------------------------------
def _wish(context: BotContext, level: str) -> str | None:
    """The request's text if it may still answer ``level``; asking uses it up."""
    wish: dict[str, Any] | None = Draft.of(context.user_data).data.get(WISH)
    if not wish or level not in wish.get("left", []):
        return None
    wish["left"].remove(level)
    return str(wish.get("text") or "") or None


async def after_business(update: Update, context: BotContext) -> object:
    """The business is known: its site named by the request, else the list."""
    draft = Draft.of(context.user_data)
    text = _wish(context, "site")
    if text is None:
        return await steps.show_sites(update, context)
    vendor = steps.vendor_of(context, draft)
    sites = await vendor.list_sites(context.customer(update.effective_user))
    index = match_one(text, [site.name for site in sites])
    if index is None:
        return await steps.show_sites(update, context)
    draft.remember("sites", sites)
    draft.site = sites[index]
    return await after_site(update, context)


async def after_site(update: Update, context: BotContext) -> object:
    """The site is known: the service named by the request, else the list."""
    draft = Draft.of(context.user_data)
    text, site = _wish(context, "service"), draft.site
    if text is None or site is None:
        return await steps.show_services(update, context)
    vendor = steps.vendor_of(context, draft)
    services = await vendor.list_services(context.customer(update.effective_user), site.id)
    index = match_one(text, [service.name for service in services])
    if index is None:
        return await steps.show_services(update, context)
    draft.service = services[index]
    return await after_service(update, context)


async def after_service(update: Update, context: BotContext) -> object:
    """The service is known: the request's day and time applied, else the days."""
    text = _wish(context, "day")
    if text is not None:
        shown = await apply_when(update, context, text)
        if shown is not None:
            return shown
    return await steps.show_days(update, context)


# -- a day and maybe a time ---------------------------------------------------------------
async def apply_when(update: Update, context: BotContext, text: str) -> object | None:
    """Go to the day (and the nearest slot to the time) ``text`` names; None if it names none."""
    draft = Draft.of(context.user_data)
    site = draft.site
    assert site is not None
    now = steps.site_now(site)
    when = parse_when(text, context.language, now)
    if when is not None and when.day is None and has_time(when):
        # "at 11" alone: the day already picked, else today.
        when = dataclasses.replace(when, day=draft.day or now.date())
    if when is None or when.day is None:
        return None
    draft.day = when.day
    if not has_time(when):
        return await steps.show_slots(update, context)
    vendor = steps.vendor_of(context, draft)
    service = draft.service
    assert service is not None
    listed = await vendor.list_slots(context.customer(update.effective_user), site.id, service.id, when.day)
    draft.remember("slots", listed)
    chosen = pick_nearest([slot.start for slot in listed], when)
    if chosen is None:
        return await steps.show_slots(update, context)
    return await slot_chosen(update, context, next(s for s in listed if s.start == chosen))


async def slot_chosen(update: Update, context: BotContext, slot: Slot) -> object:
    """A slot is picked (button or words): the move's summary, or the details to ask."""
    draft = Draft.of(context.user_data)
    draft.slot = slot
    if move.moving(context) is not None:  # the vendor has the details already
        return await move.show_summary(update, context)
    vendor = steps.vendor_of(context, draft)
    site, service = draft.site, draft.service
    assert site is not None and service is not None
    fields = await vendor.required_details(context.customer(update.effective_user), site.id, service.id)
    draft.remember("fields", fields)
    draft.field_index = 0
    draft.details.clear()
    return await details.ask_detail(update, context)

"""How each step of joining a queue looks: text and buttons, in the user's language.

Pure functions of vendor-neutral models and a translator, so the flow's look
can be read (and tested) without a bot.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import Translator
from bot.ui import callbacks as cb
from bot.ui import keyboard
from bot.vendors import Choice, ContactMode, QueueSite

Rows = list[list[tuple[str, str]]]


def nav_row(t: Translator, flow: str, *, back: bool = True) -> list[tuple[str, str]]:
    """Back and Cancel; ``flow`` is the run's nonce every button of the flow carries."""
    row = [(t._("« Back"), cb.QueueBack(flow=flow).encode())] if back else []
    return row + [(t._("✖ Cancel"), cb.QueueQuit(flow=flow).encode())]


def businesses(t: Translator, flow: str, titles: list[str]) -> tuple[str, InlineKeyboardMarkup]:
    rows: Rows = [[(title, cb.QueueBusinessPick(flow=flow, index=i).encode())] for i, title in enumerate(titles)]
    return t._("Which business's queue would you like to join?"), keyboard(rows + [nav_row(t, flow, back=False)])


def sites(t: Translator, flow: str, listed: list[QueueSite], *, back: bool) -> tuple[str, InlineKeyboardMarkup]:
    rows: Rows = [[(site.name, cb.QueueSitePick(flow=flow, index=i).encode())] for i, site in enumerate(listed)]
    if not listed:
        return t._("No store has a queue open right now."), keyboard([nav_row(t, flow, back=back)])
    return t._("Which store's queue would you like to join?"), keyboard(rows + [nav_row(t, flow, back=back)])


def choices(t: Translator, flow: str, site: QueueSite, listed: list[Choice], *, first: bool) -> tuple[str, InlineKeyboardMarkup]:
    rows: Rows = [[(c.name + (" ›" if c.has_children else ""), cb.QueueChoicePick(flow=flow, index=i).encode())]
                  for i, c in enumerate(listed)]
    if first:
        text = t._("{site}: what do you come for?", site=site.name)
    else:
        text = t._("{site}: please be more precise.", site=site.name)
    if not listed:
        text = t._("{site} offers nothing to choose from here right now.", site=site.name)
    return text, keyboard(rows + [nav_row(t, flow)])


def appointments(t: Translator, flow: str, labels: list[str]) -> tuple[str, InlineKeyboardMarkup]:
    rows: Rows = [[(label, cb.QueueAppointmentPick(flow=flow, index=i).encode())]
                  for i, label in enumerate(labels)]
    if labels:
        text = t._("Which appointment are you coming for?")
    else:
        text = t._("I found no upcoming appointment of yours. Book one with /book, or go back and choose another reason.")
    return text, keyboard(rows + [nav_row(t, flow)])


def contact_prompt(t: Translator, modes: list[ContactMode]) -> str:
    """What to send, for the modes the store accepts (name preferred)."""
    if modes and modes[0] == "name":
        return t._("Which name should the store call you by? Type it, or tap the button.")
    if "phone" in modes and "email" in modes:
        return t._("The store needs a way to reach you: share your phone number with the button below, or type your email address.")
    if "phone" in modes:
        return t._("The store needs your phone number: share it with the button below, or type it.")
    return t._("The store needs your email address: please type it.")


def contact_buttons(t: Translator, flow: str, suggestions: list[tuple[str, ContactMode]]) -> InlineKeyboardMarkup:
    """One-tap answers (label, mode), then Back and Cancel."""
    rows: Rows = [[(t._("Use “{value}”", value=label), cb.UseContact(flow=flow, mode=mode).encode())]
                  for label, mode in suggestions]
    return keyboard(rows + [nav_row(t, flow)])


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t._("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def joined(t: Translator, site_name: str) -> str:
    return t._("✅ You are in the queue at {site}. I will keep the card below up to date and message you when your turn is near.", site=site_name)

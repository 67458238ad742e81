"""/next for staff at a desk: call the next customer of a queue.

The store and desk are picked once and remembered in ``user_data`` (a desk
is where somebody sits all day); after that /next, or the button under the
last call, calls at once. The called customer's notice does not wait for
the next poll: the queue watcher is told right away. Staff are the
STAFF_IDS: every handler here sits behind the one filter built from them
(:func:`bot.ui.access.staff_only`), and anyone else gets a polite refusal.
The command is in the menu of staff chats only.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import Application, CommandHandler

from bot.conversations.menu import COMMANDS
from bot.i18n import N_, translator
from bot.runtime import BotContext, services_of
from bot.ui import best_effort, keyboard, reply
from bot.ui import callbacks as cb
from bot.ui.access import staff_only
from bot.ui.buttons import ButtonHandler
from bot.ui.errors import user_message
from bot.vendors import NotFound, QueueRole, QueueSite, VendorError

log = logging.getLogger(__name__)

DESK = "desk"  # user_data: the remembered {vendor, site_id, site_name, desk_id, desk_name}
PICKING = "staff_pick"  # user_data: lists shown while picking
STAFF_COMMANDS = [
    ("next", N_("Call the next customer to your desk")),
    ("qr", N_("A QR code to print for your door")),
    ("broadcast", N_("Send a message to your customers")),  # bot.conversations.broadcast
]


def _picking(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(PICKING, {})


async def next_command(update: Update, context: BotContext) -> None:
    desk = (context.user_data or {}).get(DESK)
    try:
        if desk is None:
            await _pick_vendor(update, context)
        else:
            await _call(update, context, desk)
    except VendorError as exc:
        log.warning("staff /next failed: %r", exc)
        await reply(update, context, user_message(exc, context.t, queue=True), edit=False)


async def on_button(update: Update, context: BotContext, button: cb.DeskButton) -> None:
    """Every staff button; the staff filter is checked again on each press (see register)."""
    try:
        if isinstance(button, cb.StaffVendor):
            await _pick_site(update, context, _listed(context, "vendors", button.index))
        elif isinstance(button, cb.StaffSite):
            await _pick_desk(update, context, _listed(context, "sites", button.index))
        elif isinstance(button, cb.StaffDesk):
            await _desk_chosen(update, context, _listed(context, "desks", button.index))
        elif isinstance(button, cb.StaffCallNext):
            await next_command(update, context)
        elif isinstance(button, cb.StaffChangeDesk):
            if context.user_data is not None:
                context.user_data.pop(DESK, None)
            await _pick_vendor(update, context)
    except VendorError as exc:
        log.warning("staff step %s failed: %r", button.prefix, exc)
        await reply(update, context, user_message(exc, context.t, queue=True), edit=False)


def _listed(context: BotContext, name: str, index: int) -> Any:
    items = _picking(context).get(name, [])
    return items[index] if 0 <= index < len(items) else None


async def _pick_vendor(update: Update, context: BotContext) -> None:
    vendors = list(context.services.vendors.queues.values())
    if not vendors:
        await reply(update, context, context.t._("No queue is set up yet. Please come back later."))
        return
    _picking(context)["vendors"] = [v.name for v in vendors]
    if len(vendors) == 1:
        await _pick_site(update, context, vendors[0].name)
        return
    rows = [[(v.title, cb.StaffVendor(index=i).encode())] for i, v in enumerate(vendors)]
    await reply(update, context, context.t._("Which business do you work for?"), keyboard(rows))


def _vendor(context: BotContext, name: str | None) -> QueueRole:
    vendor = context.services.vendors.queue(name or "")
    if vendor is None:
        raise NotFound("queue vendor no longer enabled")
    return vendor


async def _pick_site(update: Update, context: BotContext, vendor_name: str | None) -> None:
    vendor = _vendor(context, vendor_name)
    sites = await vendor.queue_sites()
    _picking(context).update(vendor=vendor.name, sites=[s.model_dump(mode="json") for s in sites])
    rows = [[(s.name, cb.StaffSite(index=i).encode())] for i, s in enumerate(sites)]
    await reply(update, context, context.t._("Which store are you at?"), keyboard(rows))


async def _pick_desk(update: Update, context: BotContext, raw_site: dict[str, Any] | None) -> None:
    if raw_site is None:
        await _pick_vendor(update, context)
        return
    site = QueueSite.model_validate(raw_site)
    vendor = _vendor(context, _picking(context).get("vendor"))
    desks = await vendor.desks(site.id)
    _picking(context).update(site=raw_site, desks=[d.model_dump(mode="json") for d in desks])
    t = context.t
    rows = [[(d.name if d.open else t._("{desk} (closed)", desk=d.name), cb.StaffDesk(index=i).encode())]
            for i, d in enumerate(desks)]
    text = t._("{site}: which desk are you at?", site=site.name) if desks else t._("{site} has no desk.", site=site.name)
    await reply(update, context, text, keyboard(rows))


async def _desk_chosen(update: Update, context: BotContext, raw_desk: dict[str, Any] | None) -> None:
    picking = _picking(context)
    site = picking.get("site")
    if raw_desk is None or site is None or context.user_data is None:
        await _pick_vendor(update, context)
        return
    desk = {"vendor": picking.get("vendor"), "site_id": site["id"], "site_name": site["name"],
            "desk_id": raw_desk["id"], "desk_name": raw_desk["name"]}
    context.user_data[DESK] = desk
    context.user_data.pop(PICKING, None)
    await _call(update, context, desk)


async def _call(update: Update, context: BotContext, desk: dict[str, Any]) -> None:
    t = context.t
    vendor = _vendor(context, desk["vendor"])
    try:
        called = await vendor.call_next(desk["site_id"], desk["desk_id"])
    except NotFound:
        if context.user_data is not None:
            context.user_data.pop(DESK, None)  # the desk or store is gone: pick again
        raise
    if called is not None:
        watcher = context.services.queue_watcher
        if watcher is not None:
            try:
                await watcher.called(vendor.name, called)
            except Exception:  # noqa: BLE001 - the call happened; polling will notify
                log.exception("telling the watcher about a call failed")
        text = t._("📣 Called ticket {number} to {desk}.", number=called.number, desk=desk["desk_name"])
    else:
        text = t._("Nobody is waiting at {site} right now.", site=desk["site_name"])
    rows = [[(t._("📣 Call next"), cb.StaffCallNext().encode()),
             (t._("🔁 Change desk"), cb.StaffChangeDesk().encode())]]
    await reply(update, context, f"{text}\n{desk['site_name']} · {desk['desk_name']}", keyboard(rows), edit=False)


async def set_staff_menus(application: Application) -> None:  # type: ignore[type-arg]
    """The public menu plus the staff commands, in each staff chat only (optional)."""
    services = services_of(application)
    for staff_id in services.settings.staff_ids:
        record = await services.storage.users.get(staff_id)
        t = translator(record.language if record else None)
        commands = [BotCommand(n, t._(d)) for n, d in COMMANDS + STAFF_COMMANDS]
        await best_effort(application.bot.set_my_commands(commands, scope=BotCommandScopeChat(staff_id)))


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Everybody else is refused after every feature registered (bot.ui.access.staff_refusals).
    staff = staff_only(services_of(application).settings.staff_ids)
    application.add_handler(CommandHandler("next", next_command, filters=staff))
    application.add_handler(ButtonHandler(cb.DeskButton, on_button, users=staff))

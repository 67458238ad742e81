"""What the bot says without being asked: ticket cards, turn notices, broadcasts.

:mod:`.queue_watcher` is the long-running task (started by
:func:`bot.app.runner.run_bot`) that polls each store with watched tickets;
:mod:`.site_watch` is one store's loop; :mod:`.space_watch` watches busy rooms
until they free up, woken by :mod:`.vendor_events` (the one route vendors'
change events arrive on); :mod:`.delivery` edits cards and
sends notices (and says why notices are at most once); :mod:`.callbacks`
says how queue vendors' callbacks (answered on the generic route and the older
``/next/`` one, also in :mod:`.vendor_events`) reach the bot; they only make
polling happen sooner. The web server imports :mod:`.vendor_events` itself, when
it starts serving. :mod:`.outbox` sends
what :mod:`bot.storage.outbox` holds (broadcasts, and every other unprompted
message moving onto it); :mod:`.broadcast_progress` keeps each broadcast's
progress message current. :mod:`.reminders` and :mod:`.booking_watch` follow
bookings once made (reminders, the vendor's calls about them); :mod:`.slot_watch`
reads full days that users watch and tells them when a time frees up.
"""

from bot.notifications.booking_watch import BookingWatcher
from bot.notifications.broadcast_progress import BroadcastProgress
from bot.notifications.callbacks import callback_path, event_callback_path
from bot.notifications.outbox import OutboxSender
from bot.notifications.queue_watcher import QueueWatcher
from bot.notifications.reminders import QuietHours, Reminders
from bot.notifications.slot_watch import FreeSlotWatcher
from bot.notifications.space_watch import SpaceWatcher

__all__ = [
    "BookingWatcher", "BroadcastProgress", "FreeSlotWatcher", "OutboxSender", "QueueWatcher",
    "QuietHours", "Reminders", "SpaceWatcher", "callback_path", "event_callback_path",
]

"""The public command menu, in one place: (command, description).

Shown by /help and set per language with ``set_my_commands``. Staff-only
commands are not listed here; they are set for staff chats only.
"""

from bot.i18n import N_

COMMANDS: list[tuple[str, str]] = [
    ("book", N_("Book an appointment or a timeslot")),
    ("queue", N_("Join a store's queue from here")),
    ("my", N_("Your upcoming bookings")),
    ("link", N_("Link your travel profile to fill in bookings")),
    ("cancel", N_("Cancel a booking, or stop what you are doing")),
    ("language", N_("Change the language")),
    ("privacy", N_("What I keep about you")),
    ("forget", N_("Delete everything I keep about you")),
    ("help", N_("How to use this bot")),
    ("start", N_("Welcome and what I can do")),
]

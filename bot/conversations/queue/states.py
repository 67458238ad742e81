"""The join flow's named states, in the order the user meets them."""

import enum


class Step(enum.IntEnum):
    BUSINESS = 1
    SITE = 2
    CHOICE = 3
    APPOINTMENT = 4
    CONTACT = 5


# Callback data prefixes: every button of the join flow starts with "q:",
# every button of a ticket card with "tk:" (cards outlive the flow).
BACK = "q:back"
QUIT = "q:quit"

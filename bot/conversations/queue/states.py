"""The join flow's named states, in the order the user meets them."""

import enum


class Step(enum.IntEnum):
    BUSINESS = 1
    SITE = 2
    CHOICE = 3
    APPOINTMENT = 4
    CONTACT = 5


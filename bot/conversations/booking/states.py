"""The booking flow's named states, in the order the user meets them."""

import enum


class Step(enum.IntEnum):
    BUSINESS = 1
    SITE = 2
    SERVICE = 3
    DAY = 4
    SLOT = 5
    DETAIL = 6
    CONFIRM = 7


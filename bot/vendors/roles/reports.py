"""The reports role: figures staff read about a day, e.g. today's visitors.

Figures are named from a small neutral vocabulary (:data:`FigureKind`) so
the chat can word each one in the user's language whatever the vendor calls
it; a vendor reports the kinds it has and leaves out the rest.
"""

from __future__ import annotations

import abc
from datetime import date
from typing import Literal

from bot.vendors.roles.base import RoleModel, Vendor

FigureKind = Literal["visitors_expected", "visitors_in", "visitors_left", "no_shows"]


class DailyFigures(RoleModel):
    """A day's figures, the day being lived in ``timezone``."""

    day: date
    timezone: str
    figures: dict[FigureKind, int] = {}


class ReportsRole(Vendor):
    """A vendor that reports daily figures."""

    @abc.abstractmethod
    async def daily_figures(self, day: date, timezone: str) -> DailyFigures:
        """The figures of ``day`` from midnight to midnight in ``timezone``."""

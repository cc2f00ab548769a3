"""The one-year LPR in force on an evaluation date, and the staleness check of the table."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

from scoring.errors import LprError
from scoring.policy import LprEntry, RateRule

__all__ = ["lpr_in_force", "lpr_is_stale"]


def lpr_in_force(rate: RateRule, as_of: date) -> LprEntry:
    """The latest LPR entry dated on or before ``as_of`` (ledger-v1 rule 9).

    Raises:
        LprError: ``as_of`` precedes the first entry of the table.
    """
    dates = [entry.date for entry in rate.lpr]
    position = bisect.bisect_right(dates, as_of)
    if position == 0:
        raise LprError(
            "score.lpr.before_table", as_of=as_of.isoformat(), first=dates[0].isoformat()
        )
    return rate.lpr[position - 1]


def lpr_is_stale(rate: RateRule, as_of: date) -> bool:
    """Whether ``as_of`` lies more than ``stale_after_days`` after the newest entry."""
    return as_of > rate.lpr[-1].date + timedelta(days=rate.stale_after_days)

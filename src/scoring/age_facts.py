"""Age facts: what the age rule needs over a window of days, instead of the birth date.

The base item's age rule (``min_age`` ≤ age ≤ ``max_age`` in full years) only asks, for
an evaluation date inside the agreement's validity window, whether the resident is
eligible. Over a window of a year or so most residents are eligible on every day of it or
on none; only those whose ``min_age``-th birthday (first eligible day) or
``max_age + 1``-th birthday (first ineligible day) falls inside the window need a date.
So a sealed scoring group carries, instead of the exact birth date:

``age_status``  ``eligible`` / ``ineligible`` on every day of the window, or ``changes``
``age_from``    for ``changes``: the first eligible day, when it falls inside the window
                (null: eligible since before the window)
``age_until``   for ``changes``: the first ineligible day, when it falls inside the window
                (null: still eligible after the window)
``age_window``  ``<first day>/<last day>/<min_age>-<max_age>``, the same on every row

``age_facts`` computes them where the birth date is known (at the community);
``age_unmet`` is the engine's rule over them: it refuses an evaluation date outside the
window or a policy whose age range is not the one the facts were computed for, never
guessing. Birthdays follow the engine: born on 29 February, a year older on 1 March in
common years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import ScoringError

__all__ = ["AGE_COLUMNS", "AgeWindow", "age_facts", "age_unmet"]

AGE_COLUMNS = ("age_status", "age_from", "age_until", "age_window")
"""The columns ``age_facts`` adds, in order."""

_STATUSES = ("eligible", "ineligible", "changes")
_EPOCH = date(1970, 1, 1)
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AgeWindow:
    """The days the facts hold for (the agreement's validity) and the policy's age range."""

    start: date
    end: date
    min_age: int
    max_age: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("an age window ends before it starts")

    def label(self) -> str:
        """The ``age_window`` value of these facts."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}/{self.min_age}-{self.max_age}"

    @classmethod
    def from_label(cls, text: str) -> AgeWindow:
        """Parse an ``age_window`` value (ValueError if it is not one)."""
        start, end, ages = text.split("/")
        low, high = ages.split("-")
        return cls(date.fromisoformat(start), date.fromisoformat(end), int(low), int(high))


_FIRST_YEAR = 1800
# Days since 1970-01-01 of the first of each month from 1800 to 2300, by (year, month).
_MONTH_STARTS = (
    np.arange("1800-01", "2301-01", dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)
)


def _birthdays(year: IntArray, month: IntArray, day: IntArray, years: int) -> IntArray:
    """Each ``years``-th birthday as days since 1970-01-01; 29 February becomes 1 March in
    common years."""
    year = year + years
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    moved = (month == 2) & (day == 29) & ~leap
    index = (year - _FIRST_YEAR) * 12 + np.where(moved, 3, month) - 1
    if len(index) and (index.min() < 0 or index.max() >= len(_MONTH_STARTS)):
        raise ValueError("a birth date outside the years age facts cover")
    out: IntArray = _MONTH_STARTS[index] + np.where(moved, 1, day) - 1
    return out


def age_facts(birth: pa.Array | pa.ChunkedArray, window: AgeWindow) -> dict[str, pa.Array]:
    """The age columns for these birth dates (no nulls) over ``window``.

    Raises:
        ValueError: a birth date is missing (the ledger check refuses that before).
    """
    if birth.null_count:
        raise ValueError("age facts need every birth date")
    size = len(birth)
    if isinstance(birth, pa.ChunkedArray):
        birth = birth.combine_chunks()
    year, month, day = (
        np.asarray(part(birth).to_numpy(zero_copy_only=False), dtype=np.int64)
        for part in (pc.year, pc.month, pc.day)
    )
    first_ok = _birthdays(year, month, day, window.min_age)  # first eligible day
    first_out = _birthdays(year, month, day, window.max_age + 1)  # first ineligible day
    start = (window.start - _EPOCH).days
    end = (window.end - _EPOCH).days
    becomes = (first_ok > start) & (first_ok <= end)
    leaves = (first_out > start) & (first_out <= end)
    eligible = (first_ok <= start) & (first_out > end)
    status = np.full(size, _STATUSES.index("ineligible"), dtype=np.int8)
    status[eligible] = _STATUSES.index("eligible")
    status[becomes | leaves] = _STATUSES.index("changes")
    names = pa.array(list(_STATUSES), pa.string())
    return {
        "age_status": names.take(pa.array(status)),
        "age_from": pa.array(first_ok.astype(np.int32), pa.int32(), mask=~becomes).cast(
            pa.date32()
        ),
        "age_until": pa.array(first_out.astype(np.int32), pa.int32(), mask=~leaves).cast(
            pa.date32()
        ),
        "age_window": pa.repeat(pa.scalar(window.label(), pa.string()), size),
    }


def age_unmet(scoring: pa.Table, min_age: int, max_age: int, as_of: date) -> npt.NDArray[np.bool_]:
    """Whether each subject fails the age rule on ``as_of``, from its age facts.

    Raises:
        ScoringError: the facts are incomplete or malformed, cover another window than one
            holding ``as_of`` (``score.input.age_window``), or were computed for another age
            range than the policy's (``score.input.age_range``).
    """
    labels = pc.unique(scoring["age_window"]).to_pylist()
    try:
        (label,) = labels
        window = AgeWindow.from_label(str(label))
    except (TypeError, ValueError):
        raise ScoringError("score.input.age_facts") from None
    if (window.min_age, window.max_age) != (min_age, max_age):
        raise ScoringError(
            "score.input.age_range",
            found=f"{window.min_age}-{window.max_age}",
            policy=f"{min_age}-{max_age}",
        )
    if not window.start <= as_of <= window.end:
        raise ScoringError(
            "score.input.age_window",
            as_of=as_of.isoformat(),
            start=window.start.isoformat(),
            end=window.end.isoformat(),
        )
    status = scoring["age_status"]
    known = pc.is_in(status, pa.array(list(_STATUSES), pa.string()))
    if status.null_count or not pc.all(known).as_py():
        raise ScoringError("score.input.age_facts")
    first_ok = scoring["age_from"].cast(pa.date32())
    first_out = scoring["age_until"].cast(pa.date32())
    changes = pc.equal(status, "changes")
    dated = pc.or_(pc.is_valid(first_ok), pc.is_valid(first_out))
    if not pc.all(pc.equal(changes, dated)).as_py():  # a date exactly where it changes
        raise ScoringError("score.input.age_facts")
    day = pa.scalar(as_of, pa.date32())
    too_young = pc.fill_null(pc.less(day, first_ok), False)
    too_old = pc.fill_null(pc.greater_equal(day, first_out), False)
    unmet = pc.or_(pc.equal(status, "ineligible"), pc.or_(too_young, too_old))
    return np.asarray(unmet.to_numpy(zero_copy_only=False), dtype=bool)

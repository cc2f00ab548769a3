"""The Annex 2 scoring engine: scoring + evaluations tables in, explained decisions out.

Vectorised over subjects and records (pyarrow.compute + numpy); the only Python loops run
over the policy's items, conditions and statuses. Integers throughout: points, whole yuan,
basis points. Rules are those of ledger-v1.md "Scoring rules", every number taken from
the ``Policy``.

Reasons grammar (column ``reasons``)::

    reasons = entry *( "; " entry )         entries in this order:
    1. base      "BASE+30" when the base item is met; otherwise one entry per unmet
                 condition: "E_AGE" first, then the policy's conditions in order
                 ("E_CAPACITY", "E_RESIDENCE", "E_INCOME", "E_BAD_CREDIT")
    2. items     in policy order (B1 … B9, D1 … D12, V1 … V7), whatever the status:
                 levelled, counted once   "<code>@<level>+<points>"  e.g. "B1@市级+30";
                                          a level above the code's table "B2@市级→县级+30",
                                          below it "B1@镇级+0" (revision 2)
                 fixed, counted once      "<code>+<points>"          e.g. "B5.1+10", "D4-10"
                 counted per record       one "<code>±<points>" per record, input order,
                                          e.g. "B9+15; B9+5", "D12-5"
                 veto                     "<code>" once per code recorded, e.g. "V2"
                 (a deduction is written with "-" and its magnitude; "once" or per record
                 is the item's ``counting`` setting)
    3. limits    "INITIAL_CAP_<subject type>" when the type's cap cut the initial line
                 (eligible, not vetoed); approved only: "LIMIT_ONLINE_MAX" when the online
                 ceiling cut the evaluated line; under the revision-1 reading (caps on the
                 evaluated line too) "LIMIT_CAP_<subject type>" when the type's cap did
    4. rate      approved only: "RATE_FLOOR_LPR" when the LPR floor raised the rate
    (5. the bank's adjustments, appended later by ``scoring.adjust``: "ADJ:RATE=450@PANEL")

The rate steps themselves are not listed: they follow from ``bonus_points`` (as in the
spec's example ``BASE+30; B1@市级+30; B5.1+10; D4-10; LIMIT_ONLINE_MAX``); the status is
its own column. Evaluations whose subject is not in the scoring table are ignored (the
ledger check refuses them before). Base conditions that are null count as unmet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from scoring._explain import Explainer
from scoring._records import Records, index_of, level_table, subject_index, to_records
from scoring.age_facts import AGE_COLUMNS, age_unmet
from scoring.errors import ScoringError
from scoring.lpr import lpr_in_force, lpr_is_stale
from scoring.policy import BaseRule, Item, Policy
from secure_exchange.i18n import t

__all__ = ["DECISION_SCHEMA", "ScoreResult", "score", "score_warnings"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DECISION_SCHEMA = pa.schema(
    [
        ("subject", pa.string()),
        ("source_row", pa.int32()),
        ("community", pa.string()),
        ("subject_type", pa.string()),
        ("status", pa.string()),
        ("base_points", pa.int32()),
        ("bonus_points", pa.int32()),
        ("deduction_points", pa.int32()),
        ("total_points", pa.int32()),
        ("initial_limit_yuan", pa.int64()),
        ("credit_limit_yuan", pa.int64()),
        ("rate_bp", pa.int32()),
        ("reasons", pa.string()),
        ("policy", pa.string()),
        ("as_of", pa.date32()),
        ("panel", pa.string()),
    ]
)
"""Decision columns in order; ``source_row`` only when the scoring input has it, ``panel``
only when it has ``panel_sittings`` (the 评议小组 sittings that evaluated the subject:
``"2022-06-28 5 支书/主任、…"`` entries joined by ``"; "``, no names)."""

_SCORING_COLUMNS = ("subject", "community", "subject_type")
STALE_LPR = "score.lpr.stale"
OUTSIDE_LEVEL = "score.level.outside"
_EVALUATION_COLUMNS = ("subject", "code", "level", "points")


@dataclass(frozen=True)
class ScoreResult:
    """Decisions (one row per subject, input order) and rendered warnings; ``outside``:
    the records counted outside a level table, per code (policy order), that a warning
    names (kept as numbers so that scorings of parts of the subjects add up)."""

    decisions: pa.Table
    warnings: tuple[str, ...]
    warning_keys: tuple[str, ...]
    outside: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class _Points:
    bonus: IntArray
    deduction: IntArray
    vetoed: BoolArray
    outside: tuple[tuple[str, int], ...]  # (code, records) counted outside the level table


def score(scoring: pa.Table, evaluations: pa.Table, policy: Policy, as_of: date) -> ScoreResult:
    """Score every subject of ``scoring`` with its ``evaluations`` under ``policy``.

    Args:
        scoring: the scoring column group (``subject``, ``birth_date`` or the age facts
            of ``scoring.age_facts``, ``community``, ``subject_type``, the base-condition
            booleans; optional ``source_row``).
        evaluations: ``subject``, ``code``, ``level``, ``points`` (extra columns ignored).
        policy: a loaded policy.
        as_of: the evaluation date (ages, LPR in force).

    Raises:
        LprError: ``as_of`` precedes the policy's LPR table.
        ScoringError: a column is missing, a subject repeats, a record is invalid.
    """
    lpr = lpr_in_force(policy.rate, as_of)
    _require(scoring, (*_SCORING_COLUMNS, *(c.column for c in policy.base.conditions)))
    if "birth_date" not in scoring.column_names:  # a sealed group carries age facts
        _require(scoring, AGE_COLUMNS)
    _require(evaluations, _EVALUATION_COLUMNS)
    size = scoring.num_rows
    records = to_records(
        evaluations, subject_index(scoring["subject"], evaluations["subject"]), policy
    )
    explain = Explainer(size)
    base_met = _base(scoring, policy.base, as_of, explain)
    points = _items(records, policy, size, explain)
    total = policy.base.points + points.bonus - points.deduction
    status = _status(policy, base_met, points.vetoed, total)
    approved = status == policy.statuses.index("approved")
    granted = (base_met & ~points.vetoed, approved)
    initial, limit = _limit(scoring["subject_type"], policy, granted, total, explain)
    rate = _rate(policy, approved, points.bonus, lpr.bp, explain)
    columns = _Columns(base_met, points, total, status, initial, limit, rate, explain.build())
    texts, keys = score_warnings(policy, as_of, points.outside)
    return ScoreResult(_table(scoring, policy, as_of, columns), texts, keys, points.outside)


def score_warnings(
    policy: Policy, as_of: date, outside: tuple[tuple[str, int], ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The warnings of a scoring (texts, keys): a stale LPR table, then each code with
    records counted outside its level table (``outside``, in policy order)."""
    warned: list[tuple[str, str]] = []
    if lpr_is_stale(policy.rate, as_of):
        newest = policy.rate.lpr[-1].date.isoformat()
        days = policy.rate.stale_after_days
        warned.append((STALE_LPR, t(STALE_LPR, newest=newest, as_of=as_of.isoformat(), days=days)))
    for code, count in outside:
        warned.append((OUTSIDE_LEVEL, t(OUTSIDE_LEVEL, code=code, count=count)))
    return tuple(text for _, text in warned), tuple(key for key, _ in warned)


def _require(table: pa.Table, columns: tuple[str, ...]) -> None:
    for column in columns:
        if column not in table.column_names:
            raise ScoringError("score.input.missing_column", column=column)


def _ages(birth: pa.ChunkedArray, as_of: date) -> IntArray:
    """Age in full years; born 29 Feb → a year older on 1 March in common years."""
    if birth.null_count:
        raise ScoringError("score.input.missing_birth_date", count=birth.null_count)
    year = np.asarray(pc.year(birth).to_numpy(), dtype=np.int64)
    month = np.asarray(pc.month(birth).to_numpy(), dtype=np.int64)
    day = np.asarray(pc.day(birth).to_numpy(), dtype=np.int64)
    before = (month > as_of.month) | ((month == as_of.month) & (day > as_of.day))
    ages: IntArray = as_of.year - year - before.astype(np.int64)
    return ages


def _base(scoring: pa.Table, base: BaseRule, as_of: date, explain: Explainer) -> BoolArray:
    """Base item met per subject; records ``BASE+30`` or the unmet conditions."""
    if "birth_date" in scoring.column_names:
        ages = _ages(scoring["birth_date"], as_of)
        too_young_or_old = (ages < base.min_age) | (ages > base.max_age)
    else:
        too_young_or_old = age_unmet(scoring, base.min_age, base.max_age, as_of)
    unmet = [(base.age_reason, too_young_or_old)]
    for condition in base.conditions:
        column = pc.cast(scoring[condition.column], pa.bool_())
        ok = pc.fill_null(pc.equal(column, condition.required), False)
        unmet.append((condition.reason, ~np.asarray(ok.to_numpy(), dtype=bool)))
    met = np.ones(scoring.num_rows, dtype=bool)
    for _, mask in unmet:
        met &= ~mask
    explain.add_mask(met, f"BASE+{base.points}")
    for reason, mask in unmet:
        explain.add_mask(mask, reason)
    return met


def _items(records: Records, policy: Policy, size: int, explain: Explainer) -> _Points:
    """Bonus, deductions and vetoes per subject, adding each item's reasons in order."""
    bonus = np.zeros(size, dtype=np.int64)
    deduction = np.zeros(size, dtype=np.int64)
    vetoed = np.zeros(size, dtype=bool)
    outside: list[tuple[str, int]] = []
    for number, item in enumerate(policy.items):
        part = slice(int(records.bounds[number]), int(records.bounds[number + 1]))
        if part.stop == part.start:
            continue
        subjects = records.subject[part]
        if item.kind == "veto":
            hit = np.unique(subjects)
            vetoed[hit] = True
            explain.add(hit, np.full(hit.size, explain.label(item.code), dtype=np.int64))
            continue
        labels, off_table = _labels(item, policy, records, part, explain)
        if off_table:
            outside.append((item.code, off_table))
        who, points = _count(item, subjects, records.value[part], labels, explain)
        (bonus if item.sign > 0 else deduction)[who] += points
    return _Points(bonus, deduction, vetoed, tuple(outside))


def _count(
    item: Item, subjects: IntArray, values: IntArray, labels: IntArray, explain: Explainer
) -> tuple[IntArray, IntArray]:
    """One item's points for the subjects it scores (each once, ascending); once: the
    highest record (the first of them in input order names the reason), each_record:
    the sum (a reason per record, in input order)."""
    once = item.counting == "once"
    high = int(values.max()) if once else 0
    order = _by_subject(subjects, high - values if once else None)
    ordered = subjects[order]
    starts = np.ones(ordered.size, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    if once:
        first = order[starts]
        explain.add(subjects[first], labels[first])
        return subjects[first], values[first]
    explain.add(ordered, labels[order])
    at = np.flatnonzero(starts)
    return ordered[at], np.add.reduceat(values[order], at)


def _by_subject(subjects: IntArray, then: IntArray | None) -> IntArray:
    """The order of records by subject, then by ``then`` (small, >= 0) if given, then
    input order: one sort of a packed key when it fits 63 bits."""
    count = subjects.size
    span = int(then.max()) + 1 if then is not None else 1
    if (int(subjects.max()) + 1) * span * count < 2**62:
        key = subjects * (span * count) + np.arange(count, dtype=np.int64)
        if then is not None:
            key += then * count
        key.sort()
        order: IntArray = key % count
        return order
    if then is None:
        return np.argsort(subjects, kind="stable")
    return np.lexsort((then, subjects))


def _labels(
    item: Item, policy: Policy, records: Records, part: slice, explain: Explainer
) -> tuple[IntArray, int]:
    """Label id per record of one item, and how many records lie outside its level table.

    Levelled: ``B1@市级+30``; above the table ``B2@市级→县级+30``; below it ``B1@镇级+0``.
    """
    sign = "+" if item.sign > 0 else "-"
    values = records.value[part]
    if item.kind != "levelled":
        texts = {int(v): f"{item.code}{sign}{int(v)}" for v in _distinct(values)}
        lookup = np.full(max(texts) + 1, -1, dtype=np.int64)
        for value, text in texts.items():
            lookup[value] = explain.label(text)
        return lookup[values], 0
    table = level_table(item, policy)
    ids = np.empty(len(policy.levels), dtype=np.int64)
    for j, name in enumerate(policy.levels):
        counted = int(table.counted[j])
        shown = name if counted in (j, -1) else f"{name}→{policy.levels[counted]}"
        ids[j] = explain.label(f"{item.code}@{shown}{sign}{int(table.points[j])}")
    levels = records.level[part]
    off_table = int(np.count_nonzero(table.counted[levels] != levels))
    return ids[levels], off_table


def _distinct(values: IntArray) -> IntArray:
    """The distinct values, ascending (points: small and >= 0, counted directly)."""
    if int(values.min()) >= 0 and int(values.max()) < 1 << 16:
        distinct: IntArray = np.flatnonzero(np.bincount(values))
        return distinct
    return np.unique(values)


def _status(policy: Policy, base_met: BoolArray, vetoed: BoolArray, total: IntArray) -> IntArray:
    """Status index into ``policy.statuses``; the first matching status wins."""
    matches = {
        "vetoed": vetoed,
        "ineligible": ~base_met,
        "declined": base_met & (total <= policy.base.declined_at_or_below),
    }
    status = np.full(base_met.size, policy.statuses.index("approved"), dtype=np.int64)
    for number in reversed(range(len(policy.statuses))):
        mask = matches.get(policy.statuses[number])
        if mask is not None:
            status[mask] = number
    return status


def _limit(
    subject_type: pa.ChunkedArray,
    policy: Policy,
    granted: tuple[BoolArray, BoolArray],
    total: IntArray,
    explain: Explainer,
) -> tuple[IntArray, IntArray]:
    """The two lines in whole yuan (rule 7): the initial line and the evaluated one.

    ``granted`` is (eligible and not vetoed, approved). The type caps bound the initial
    line; the evaluated line only the online ceiling, unless the policy's
    ``caps_apply_to`` names ``credit`` too (the revision-1 reading).
    """
    types = list(policy.limit.caps)
    kind = index_of(subject_type, pa.array(types, type=pa.string()))
    if (kind < 0).any():
        bad = subject_type.filter(pa.array(kind < 0)).to_pylist()[0]
        raise ScoringError(
            "score.input.unknown_subject_type", subject_type=str(bad), policy=policy.id
        )
    caps = np.array([policy.limit.caps[name] for name in types], dtype=np.int64)[kind]
    online = policy.limit.online_ceiling_yuan
    per_point = policy.limit.yuan_per_point
    eligible, approved = granted
    first = np.where(eligible, policy.base.points * per_point, 0)
    for number, name in enumerate(types):
        explain.add_mask(eligible & (first > caps) & (kind == number), f"INITIAL_CAP_{name}")
    initial = np.minimum(np.minimum(first, caps), online)
    raw = np.where(approved, total * per_point, 0)
    if "credit" not in policy.limit.caps_apply_to:
        explain.add_mask(approved & (raw > online), "LIMIT_ONLINE_MAX")
        return initial, np.minimum(raw, online)
    by_type = approved & (raw > caps) & (caps <= online)
    for number, name in enumerate(types):
        explain.add_mask(by_type & (kind == number), f"LIMIT_CAP_{name}")
    explain.add_mask(approved & (raw > online) & (caps > online), "LIMIT_ONLINE_MAX")
    return initial, np.minimum(np.minimum(raw, caps), online)


def _rate(
    policy: Policy, approved: BoolArray, bonus: IntArray, lpr_bp: int, explain: Explainer
) -> IntArray:
    """Rate in basis points for approved subjects (others get a value masked later)."""
    rule = policy.rate
    stepped = rule.ceiling_bp - rule.step_bp * (bonus // rule.step_points)
    explain.add_mask(approved & (stepped < lpr_bp), "RATE_FLOOR_LPR")
    return np.maximum(stepped, lpr_bp)


@dataclass(frozen=True)
class _Columns:
    base_met: BoolArray
    points: _Points
    total: IntArray
    status: IntArray
    initial: IntArray
    limit: IntArray
    rate: IntArray
    reasons: pa.Array


def _table(scoring: pa.Table, policy: Policy, as_of: date, cols: _Columns) -> pa.Table:
    """Assemble the decisions table in ``DECISION_SCHEMA`` order."""
    size = scoring.num_rows
    approved = cols.status == policy.statuses.index("approved")
    statuses = pa.array(list(policy.statuses), type=pa.string())
    data: dict[str, pa.Array | pa.ChunkedArray] = {
        "subject": scoring["subject"].cast(pa.string()),
        "community": scoring["community"].cast(pa.string()),
        "subject_type": scoring["subject_type"].cast(pa.string()),
        "status": statuses.take(pa.array(cols.status)),
        "base_points": _int32(np.where(cols.base_met, policy.base.points, 0)),
        "bonus_points": _int32(cols.points.bonus),
        "deduction_points": _int32(cols.points.deduction),
        "total_points": _int32(cols.total, mask=~cols.base_met),
        "initial_limit_yuan": pa.array(cols.initial, type=pa.int64()),
        "credit_limit_yuan": pa.array(cols.limit, type=pa.int64()),
        "rate_bp": _int32(cols.rate, mask=~approved),
        "reasons": cols.reasons,
        "policy": pa.repeat(pa.scalar(policy.ref, pa.string()), size),
        "as_of": pa.repeat(pa.scalar(as_of, pa.date32()), size),
    }
    if "source_row" in scoring.column_names:
        data["source_row"] = scoring["source_row"].cast(pa.int32())
    if "panel_sittings" in scoring.column_names:
        data["panel"] = _panel_text(scoring["panel_sittings"])
    fields = [f for f in DECISION_SCHEMA if f.name in data]
    return pa.table([data[f.name] for f in fields], schema=pa.schema(fields))


def _panel_text(sittings: pa.ChunkedArray) -> pa.Array:
    """Each subject's sittings as ``"<date> <members> <roles>"`` joined by ``"; "`` (a
    missing field as ``None``; no sittings: empty), built by Arrow for all rows at once."""
    array = sittings.combine_chunks()
    items = array.values
    parts = dict(zip([f.name for f in items.type], items.flatten(), strict=True))
    text = [
        pc.fill_null(pc.cast(parts[name], pa.string()), "None")
        for name in ("panel_date", "members", "roles")
    ]
    each = pc.binary_join_element_wise(*text, " ")
    lists = pa.ListArray.from_arrays(array.offsets, each, mask=array.is_null())
    return pc.fill_null(pc.binary_join(lists, "; "), "")


def _int32(values: IntArray, mask: BoolArray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int32), type=pa.int32(), mask=mask)

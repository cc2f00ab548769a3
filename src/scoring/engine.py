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
                 levelled, counted once   "<code>@<level>+<points>"  e.g. "B1@市级+30"
                 fixed, counted once      "<code>+<points>"          e.g. "B5.1+10", "D4-10"
                 counted per record       one "<code>±<points>" per record, input order,
                                          e.g. "B9+15; B9+5", "D12-5"
                 veto                     "<code>" once per code recorded, e.g. "V2"
                 (a deduction is written with "-" and its magnitude)
    3. limit     approved only: "LIMIT_CAP_<subject type>" when the type's cap cut the
                 limit (e.g. "LIMIT_CAP_农户"); "LIMIT_CAP_ONLINE" when the online ceiling,
                 lower than the type's cap, did
    4. rate      approved only: "RATE_FLOOR_LPR" when the LPR floor raised the rate

The rate steps themselves are not listed: they follow from ``bonus_points`` (as in the
spec's example ``BASE+30; B1@市级+30; B5.1+10; D4-10; LIMIT_CAP_农户``); the status is
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
from scoring._records import Records, index_of, subject_index, to_records
from scoring.age_facts import AGE_COLUMNS, age_unmet
from scoring.errors import ScoringError
from scoring.lpr import lpr_in_force, lpr_is_stale
from scoring.policy import BaseRule, Item, Policy
from secure_exchange.i18n import t

__all__ = ["DECISION_SCHEMA", "ScoreResult", "score"]

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
        ("credit_limit_yuan", pa.int64()),
        ("rate_bp", pa.int32()),
        ("reasons", pa.string()),
        ("policy", pa.string()),
        ("as_of", pa.date32()),
    ]
)
"""Decision columns in order; ``source_row`` only when the scoring input has it."""

_SCORING_COLUMNS = ("subject", "community", "subject_type")
STALE_LPR = "score.lpr.stale"
_EVALUATION_COLUMNS = ("subject", "code", "level", "points")


@dataclass(frozen=True)
class ScoreResult:
    """Decisions (one row per subject, input order) and rendered warnings."""

    decisions: pa.Table
    warnings: tuple[str, ...]
    warning_keys: tuple[str, ...]


@dataclass(frozen=True)
class _Points:
    bonus: IntArray
    deduction: IntArray
    vetoed: BoolArray


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
    limit = _limit(scoring["subject_type"], policy, approved, total, explain)
    rate = _rate(policy, approved, points.bonus, lpr.bp, explain)
    columns = _Columns(base_met, points, total, status, limit, rate, explain.build())
    keys = (STALE_LPR,) if lpr_is_stale(policy.rate, as_of) else ()
    warnings = tuple(
        t(
            k,
            newest=policy.rate.lpr[-1].date.isoformat(),
            as_of=as_of.isoformat(),
            days=policy.rate.stale_after_days,
        )
        for k in keys
    )
    return ScoreResult(_table(scoring, policy, as_of, columns), warnings, keys)


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
    for number, item in enumerate(policy.items):
        part = slice(int(records.bounds[number]), int(records.bounds[number + 1]))
        if part.stop == part.start:
            continue
        subjects, values = records.subject[part], records.value[part]
        if item.kind == "veto":
            hit = np.zeros(size, dtype=bool)
            hit[subjects] = True
            vetoed |= hit
            explain.add_mask(hit, item.code)
            continue
        per_subject = _count(item, policy, subjects, values, size, explain)
        if item.sign > 0:
            bonus += per_subject
        else:
            deduction += per_subject
    return _Points(bonus, deduction, vetoed)


def _count(
    item: Item, policy: Policy, subjects: IntArray, values: IntArray, size: int, explain: Explainer
) -> IntArray:
    """One item's points per subject (once: highest value; each_record: sum)."""
    labels = _label_ids(item, explain)
    result = np.zeros(size, dtype=np.int64)
    if policy.counting[item.kind] == "once":
        np.maximum.at(result, subjects, values)
        who = np.flatnonzero(result)
        explain.add(who, labels[result[who]])
    else:
        np.add.at(result, subjects, values)
        order = np.argsort(subjects, kind="stable")
        explain.add(subjects[order], labels[values[order]])
    return result


def _label_ids(item: Item, explain: Explainer) -> IntArray:
    """Label id by points value for one item (index = points)."""
    sign = "+" if item.sign > 0 else "-"
    if item.kind == "levelled":
        texts = {p: f"{item.code}@{name}{sign}{p}" for name, p in item.levels.items()}
    elif item.kind == "fixed" and item.points is not None:
        texts = {item.points: f"{item.code}{sign}{item.points}"}
    else:
        low, high = item.points_range or (1, 1)
        texts = {p: f"{item.code}{sign}{p}" for p in range(low, high + 1)}
    lookup = np.full(max(texts) + 1, -1, dtype=np.int64)
    for value, text in texts.items():
        lookup[value] = explain.label(text)
    return lookup


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
    approved: BoolArray,
    total: IntArray,
    explain: Explainer,
) -> IntArray:
    """Credit limit in whole yuan, capped by subject type and the online ceiling."""
    types = list(policy.limit.caps)
    kind = index_of(subject_type, pa.array(types, type=pa.string()))
    if (kind < 0).any():
        bad = subject_type.filter(pa.array(kind < 0)).to_pylist()[0]
        raise ScoringError(
            "score.input.unknown_subject_type", subject_type=str(bad), policy=policy.id
        )
    caps = np.array([policy.limit.caps[name] for name in types], dtype=np.int64)[kind]
    online = policy.limit.online_ceiling_yuan
    raw = np.where(approved, total * policy.limit.yuan_per_point, 0)
    by_type = approved & (raw > caps) & (caps <= online)
    by_online = approved & (raw > online) & (caps > online)
    for number, name in enumerate(types):
        explain.add_mask(by_type & (kind == number), f"LIMIT_CAP_{name}")
    explain.add_mask(by_online, "LIMIT_CAP_ONLINE")
    return np.minimum(np.minimum(raw, caps), online)


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
        "credit_limit_yuan": pa.array(cols.limit, type=pa.int64()),
        "rate_bp": _int32(cols.rate, mask=~approved),
        "reasons": cols.reasons,
        "policy": pa.repeat(pa.scalar(policy.ref, pa.string()), size),
        "as_of": pa.repeat(pa.scalar(as_of, pa.date32()), size),
    }
    if "source_row" in scoring.column_names:
        data["source_row"] = scoring["source_row"].cast(pa.int32())
    fields = [f for f in DECISION_SCHEMA if f.name in data]
    return pa.table([data[f.name] for f in fields], schema=pa.schema(fields))


def _int32(values: IntArray, mask: BoolArray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int32), type=pa.int32(), mask=mask)

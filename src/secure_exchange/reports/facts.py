"""The decisions report's input and figures: read a decisions table, check its columns,
and gather every aggregate the page shows (no per-subject value is kept).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import PolicyError
from scoring.policy import Policy, load_policy
from scoring.summary import STATUSES, CommunitySummary, summarise
from secure_exchange.errors import SecureExchangeError
from secure_exchange.fsio import raise_for_read_error
from secure_exchange.reports.people import read_output

__all__ = [
    "READ_SUFFIXES",
    "TYPE_KEYS",
    "Facts",
    "ReportError",
    "TypeRow",
    "collect",
    "normalise",
    "policy_from",
    "read_table",
]

READ_SUFFIXES = (".csv", ".parquet", ".xlsx")
_REQUIRED = (
    "community",
    "subject_type",
    "status",
    "credit_limit_yuan",
    "rate_bp",
    "reasons",
    "policy",
    "as_of",
)
TYPE_KEYS = {
    "农户": "report.type.farmer",
    "新型农业经营主体": "report.type.new_agri",
    "个体工商户": "report.type.business",
}
_CODE = r"^(?P<code>[BDV]\d+(?:\.\d+)?|E_[A-Z_]+|LIMIT_CAP|LIMIT_ONLINE_MAX|RATE_FLOOR_LPR)"


class ReportError(SecureExchangeError):
    """The decisions cannot be read or are not a decisions table."""


@dataclass(frozen=True)
class TypeRow:
    """Counts and credit of one subject type."""

    subject_type: str
    subjects: int
    approved: int
    credit_yuan: int


@dataclass(frozen=True)
class Facts:
    """Every aggregate the page shows (no per-subject value)."""

    subjects: int
    counts: Mapping[str, int]
    credit_yuan: int
    communities: tuple[CommunitySummary, ...]
    limit_bands: tuple[int, ...]
    rates: tuple[tuple[int, int], ...]
    rate_sum_bp: int
    items: Mapping[str, int]
    types: tuple[TypeRow, ...]
    as_of: tuple[date, ...]
    policies: tuple[str, ...]


# ---------------------------------------------------------------- input normalisation


def _as_dates(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.strptime(column, format="%Y-%m-%d", unit="s")
    return pc.cast(column, pa.date32())


def normalise(decisions: pa.Table) -> pa.Table:
    """The report's columns with fixed types; typed errors for anything else."""
    missing = [c for c in _REQUIRED if c not in decisions.column_names]
    if missing:
        raise ReportError("report.input.columns", columns=", ".join(missing))
    casts = {
        "community": pa.string(),
        "subject_type": pa.string(),
        "status": pa.string(),
        "credit_limit_yuan": pa.int64(),
        "rate_bp": pa.int64(),
        "reasons": pa.string(),
        "policy": pa.string(),
    }
    columns: dict[str, pa.ChunkedArray] = {}
    for name in _REQUIRED:
        try:
            column = decisions[name]
            columns[name] = _as_dates(column) if name == "as_of" else pc.cast(column, casts[name])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise ReportError("report.input.values", column=name) from exc
    for name in ("community", "subject_type", "reasons", "policy"):
        columns[name] = pc.fill_null(columns[name], "")
    columns["credit_limit_yuan"] = pc.fill_null(columns["credit_limit_yuan"], 0)
    table = pa.table(columns)
    if table.num_rows and not pc.all(pc.is_in(table["status"], pa.array(STATUSES))).as_py():
        raise ReportError("report.input.values", column="status")
    return table


# ---------------------------------------------------------------- aggregation


def _item_counts(reasons: pa.ChunkedArray) -> dict[str, int]:
    """Subjects per reason code (B*, D*, V*, E_*, LIMIT_CAP, RATE_FLOOR_LPR)."""
    parts = pc.split_pattern(reasons.combine_chunks(), "; ")
    codes = pc.extract_regex(pc.list_flatten(parts), _CODE).field("code")
    pairs = pa.table({"row": pc.list_parent_indices(parts), "code": codes})
    pairs = pairs.filter(pc.is_valid(pairs["code"])).group_by(["row", "code"]).aggregate([])
    counted = pairs.group_by("code").aggregate([("row", "count")]).to_pylist()
    return {str(r["code"]): int(r["row_count"]) for r in counted}


def _approved(table: pa.Table) -> pa.Table:
    return table.filter(pc.equal(table["status"], "approved"))


def _limit_bands(approved: pa.Table, policy: Policy | None) -> tuple[int, ...]:
    """Approved subjects per 10,000-yuan band (upper bound included), band 1 first."""
    limits = approved["credit_limit_yuan"].to_numpy().astype(np.int64)
    bands = np.maximum((limits + 9_999) // 10_000, 1)
    size = int(bands.max()) if bands.size else 0
    if policy is not None:
        size = max(size, -(-policy.limit.online_ceiling_yuan // 10_000))
    counts = np.bincount(bands, minlength=size + 1)[1:] if size else np.zeros(0, np.int64)
    return tuple(int(c) for c in counts)


def _rates(approved: pa.Table) -> tuple[tuple[tuple[int, int], ...], int]:
    rates = approved["rate_bp"].drop_null()
    counted = pc.value_counts(rates).to_pylist() if len(rates) else []
    pairs = tuple(sorted((int(r["values"]), int(r["counts"])) for r in counted))
    return pairs, int(pc.sum(rates).as_py() or 0)


def _type_order(types: Sequence[str], policy: Policy | None) -> list[str]:
    known = list(policy.limit.caps) if policy is not None else list(TYPE_KEYS)
    return [k for k in known if k in types] + sorted(k for k in types if k not in known)


def _types(table: pa.Table, policy: Policy | None) -> tuple[TypeRow, ...]:
    grouped = (
        table.group_by(["subject_type", "status"])
        .aggregate([("credit_limit_yuan", "sum"), ("status", "count")])
        .to_pylist()
    )
    rows: dict[str, list[int]] = {}
    for g in grouped:
        acc = rows.setdefault(str(g["subject_type"]), [0, 0, 0])
        acc[0] += int(g["status_count"])
        acc[1] += int(g["status_count"]) if g["status"] == "approved" else 0
        acc[2] += int(g["credit_limit_yuan_sum"] or 0)
    return tuple(TypeRow(k, *rows[k]) for k in _type_order(list(rows), policy))


def collect(table: pa.Table, policy: Policy | None) -> Facts:
    summary = summarise(table)
    approved = _approved(table)
    rates, rate_sum = _rates(approved)
    communities = sorted(summary.communities, key=lambda c: (-c.subjects, c.community))
    return Facts(
        subjects=summary.subjects,
        counts=summary.counts,
        credit_yuan=summary.credit_yuan,
        communities=tuple(communities),
        limit_bands=_limit_bands(approved, policy),
        rates=rates,
        rate_sum_bp=rate_sum,
        items=_item_counts(table["reasons"]),
        types=_types(table, policy),
        as_of=tuple(sorted(d for d in pc.unique(table["as_of"]).to_pylist() if d)),
        policies=tuple(sorted(p for p in pc.unique(table["policy"]).to_pylist() if p)),
    )


# ---------------------------------------------------------------- reading


def read_table(path: Path) -> pa.Table:
    """A decisions file (.csv/.parquet/.xlsx) as a table; ``ReportError`` if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise ReportError("report.input.unsupported", suffix=suffix or path.name)
    if not path.is_file():
        raise ReportError("report.input.missing", path=path)
    try:
        return read_output(path)  # a workbook rendered for people reads back canonical
    except PermissionError as exc:  # open in Excel: said so, not "unreadable"
        raise_for_read_error(exc, path)
        raise
    except (
        OSError,
        pa.ArrowException,
        KeyError,
        ValueError,
        IndexError,
        zipfile.BadZipFile,
    ) as exc:
        raise ReportError("report.input.unreadable", path=path) from exc


def policy_from(decisions: pa.Table) -> Policy | None:
    """The built-in policy named in the decisions' ``policy`` column, if there is one."""
    if "policy" not in decisions.column_names or decisions.num_rows == 0:
        return None
    ref = decisions["policy"][0].as_py()
    name = str(ref or "").partition("@")[0]
    if not name:
        return None
    try:
        return load_policy(name)
    except PolicyError:
        return None

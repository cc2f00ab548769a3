"""Plain-data summary of a decisions table: counts by status and credit, overall and per
community. Rendering (tables, JSON) is the CLI's job."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pyarrow as pa

__all__ = ["STATUSES", "CommunitySummary", "Summary", "merge_summaries", "summarise"]

STATUSES = ("approved", "declined", "ineligible", "vetoed")


@dataclass(frozen=True)
class CommunitySummary:
    """One community: subjects by status and total credit in whole yuan."""

    community: str
    subjects: int
    counts: Mapping[str, int]
    credit_yuan: int


@dataclass(frozen=True)
class Summary:
    """All subjects, then each community (sorted by name)."""

    subjects: int
    counts: Mapping[str, int]
    credit_yuan: int
    communities: tuple[CommunitySummary, ...]


def summarise(decisions: pa.Table) -> Summary:
    """Count decisions by status and add up credit, overall and per community."""
    grouped = (
        decisions.group_by(["community", "status"])
        .aggregate([("credit_limit_yuan", "sum"), ("status", "count")])
        .to_pylist()
    )
    per: dict[str, tuple[dict[str, int], list[int]]] = {}
    for row in grouped:
        counts, credit = per.setdefault(str(row["community"]), (dict.fromkeys(STATUSES, 0), [0]))
        counts[str(row["status"])] = int(row["status_count"])
        credit[0] += int(row["credit_limit_yuan_sum"] or 0)
    communities = tuple(
        CommunitySummary(name, sum(counts.values()), MappingProxyType(counts), credit[0])
        for name, (counts, credit) in sorted(per.items())
    )
    totals = {s: sum(c.counts.get(s, 0) for c in communities) for s in STATUSES}
    return Summary(
        subjects=decisions.num_rows,
        counts=MappingProxyType(totals),
        credit_yuan=sum(c.credit_yuan for c in communities),
        communities=communities,
    )


def merge_summaries(parts: Iterable[Summary]) -> Summary:
    """One summary of the decisions of several parts (disjoint subjects) added up: the
    summary of their tables concatenated."""
    per: dict[str, tuple[dict[str, int], list[int]]] = {}
    subjects = 0
    for part in parts:
        subjects += part.subjects
        for one in part.communities:
            counts, credit = per.setdefault(one.community, (dict.fromkeys(STATUSES, 0), [0]))
            for status, count in one.counts.items():
                counts[status] = counts.get(status, 0) + count
            credit[0] += one.credit_yuan
    communities = tuple(
        CommunitySummary(name, sum(counts.values()), MappingProxyType(counts), credit[0])
        for name, (counts, credit) in sorted(per.items())
    )
    totals = {s: sum(c.counts.get(s, 0) for c in communities) for s in STATUSES}
    return Summary(
        subjects=subjects,
        counts=MappingProxyType(totals),
        credit_yuan=sum(c.credit_yuan for c in communities),
        communities=communities,
    )

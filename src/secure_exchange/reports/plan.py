"""The plan's own measures on the decisions report (ledger-v1 rules 7, 11 and 12).

Coverage as the plan counts it, approved ÷ eligible (符合条件的: the base item met),
beside approved ÷ all subjects; the initial (体验) and the evaluated lines side by side;
the bank's adjustments by reason code. Every cell counting fewer than ``SMALL`` people is
shown as "<5" and the sums and shares drawn from it are left out (a community of fewer
than ``SMALL`` people shows no figure at all, not even a zero), so no small group of
villagers can be singled out from the aggregates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.i18n import t
from secure_exchange.reports.svg import escape

__all__ = [
    "SMALL",
    "CommunityLines",
    "PlanFacts",
    "SittingRow",
    "count_text",
    "is_small",
    "plan_facts",
    "plan_sections",
]

SMALL = 5
"""Cells counting fewer people than this are suppressed."""
_WHAT_KEYS = {
    "DECLINE": "report.adjust.what.decline",
    "LIMIT": "report.adjust.what.limit",
    "RATE": "report.adjust.what.rate",
}
_REASON_KEYS = {
    "CREDIT": "report.adjust.reason.credit",
    "PANEL": "report.adjust.reason.panel",
    "OFFLINE": "report.adjust.reason.offline",
    "VERIFY": "report.adjust.reason.verify",
    "CUSTOMER": "report.adjust.reason.customer",
}
_COVERAGE_HEAD = (
    "report.plan.community",
    "report.plan.subjects",
    "report.plan.eligible",
    "report.plan.approved",
    "report.plan.of_eligible",
    "report.plan.of_all",
    "report.plan.initial",
    "report.plan.credit",
)
_ADJUST_HEAD = ("report.adjust.change", "report.adjust.reason", "report.adjust.count")
_ADJ = r"ADJ:(?P<what>[A-Z]+)(?:=\d+)?@(?P<reason>[A-Z]+)"


@dataclass(frozen=True)
class CommunityLines:
    """One community (or the total): subjects, eligible, approved and both lines' sums."""

    community: str
    subjects: int
    eligible: int
    approved: int
    initial_yuan: int
    credit_yuan: int


@dataclass(frozen=True)
class SittingRow:
    """One 评议小组 sitting as the decisions name it: members, roles, subjects evaluated."""

    community: str
    panel_date: str
    members: int
    roles: str
    subjects: int


@dataclass(frozen=True)
class PlanFacts:
    """The plan's measures: a total row, one row per community, adjustments by reason,
    the panel's sittings (``None`` when the decisions carry no ``panel`` column)."""

    total: CommunityLines
    communities: tuple[CommunityLines, ...]
    adjustments: Mapping[tuple[str, str], int]
    has_initial: bool
    sittings: tuple[SittingRow, ...] | None = None


def plan_facts(decisions: pa.Table) -> PlanFacts:
    """Gather the plan's measures from a decisions table (``initial_limit_yuan`` optional)."""
    size = decisions.num_rows
    reasons = pc.fill_null(decisions["reasons"].cast(pa.string()), "")
    has_initial = "initial_limit_yuan" in decisions.column_names
    initial = (
        pc.fill_null(decisions["initial_limit_yuan"].cast(pa.int64()), 0)
        if has_initial
        else pa.repeat(pa.scalar(0, pa.int64()), size)
    )
    table = pa.table(
        {
            "community": pc.fill_null(decisions["community"].cast(pa.string()), ""),
            "eligible": pc.cast(pc.match_substring(reasons, "BASE+"), pa.int64()),
            "approved": pc.cast(
                pc.equal(decisions["status"].cast(pa.string()), "approved"), pa.int64()
            ),
            "initial": initial,
            "credit": pc.fill_null(decisions["credit_limit_yuan"].cast(pa.int64()), 0),
        }
    )
    sums = [("eligible", "sum"), ("approved", "sum"), ("initial", "sum"), ("credit", "sum")]
    grouped = table.group_by("community").aggregate([*sums, ("community", "count")]).to_pylist()
    rows = tuple(
        sorted(
            (
                CommunityLines(
                    str(g["community"]),
                    int(g["community_count"]),
                    int(g["eligible_sum"] or 0),
                    int(g["approved_sum"] or 0),
                    int(g["initial_sum"] or 0),
                    int(g["credit_sum"] or 0),
                )
                for g in grouped
            ),
            key=lambda r: (-r.subjects, r.community),
        )
    )
    total = CommunityLines(
        "",
        size,
        sum(r.eligible for r in rows),
        sum(r.approved for r in rows),
        sum(r.initial_yuan for r in rows),
        sum(r.credit_yuan for r in rows),
    )
    sittings = _sittings(decisions) if "panel" in decisions.column_names else None
    return PlanFacts(total, rows, _adjustments(reasons), has_initial, sittings)


def _sittings(decisions: pa.Table) -> tuple[SittingRow, ...]:
    """The sittings named in the ``panel`` column, with the subjects each evaluated."""
    panels: dict[tuple[str, str], tuple[int, str]] = {}
    evaluated: Counter[tuple[str, str]] = Counter()
    pairs = zip(decisions["community"].to_pylist(), decisions["panel"].to_pylist(), strict=True)
    for community, text in pairs:
        for entry in str(text or "").split("; "):
            day, _, rest = entry.partition(" ")
            members, _, roles = rest.partition(" ")
            if day and members.isdigit():
                key = (str(community or ""), day)
                panels.setdefault(key, (int(members), roles))
                evaluated[key] += 1
    return tuple(
        SittingRow(c, d, panels[(c, d)][0], panels[(c, d)][1], evaluated[(c, d)])
        for c, d in sorted(panels)
    )


def _adjustments(reasons: pa.ChunkedArray | pa.Array) -> dict[tuple[str, str], int]:
    parts = pc.split_pattern(reasons, "; ")
    if isinstance(parts, pa.ChunkedArray):
        parts = parts.combine_chunks()
    flat = pc.list_flatten(parts)
    flat = flat.filter(pc.match_substring_regex(flat, "^" + _ADJ))
    found = pc.extract_regex(flat, _ADJ)
    pairs = pa.table({"what": found.field("what"), "reason": found.field("reason")})
    pairs = pairs.filter(pc.is_valid(pairs["what"]))
    counted = pairs.group_by(["what", "reason"]).aggregate([("what", "count")]).to_pylist()
    return {(str(r["what"]), str(r["reason"])): int(r["what_count"]) for r in counted}


# ---------------------------------------------------------------- rendering


def is_small(n: int) -> bool:
    """A cell of 1 to ``SMALL`` - 1 people: shown as "<5", nothing drawn from it."""
    return 0 < n < SMALL


def count_text(n: int) -> str:
    """``n`` with thousands separated, or "<5" for a small cell."""
    return f"<{SMALL}" if is_small(n) else f"{n:,}"


_count = count_text


def _share(part: int, whole: int) -> str:
    if whole <= 0 or (0 < part < SMALL) or whole < SMALL:
        return "—"
    return f"{100 * part / whole:.1f}%"


def _wan(yuan: int, people: int) -> str:
    if 0 < people < SMALL:
        return "—"
    return t(
        "report.plan.wan", wan=f"{yuan // 10_000:,}.{yuan % 10_000 // 1_000}", yuan=f"{yuan:,}"
    )


def _row(row: CommunityLines, name: str, *, initial: bool, css: str = "") -> str:
    if 0 < row.subjects < SMALL:  # the whole row would single people out, zeros included
        hidden = [f"<{SMALL}"] * 3 + ["—"] * 4
        tds = "".join(f'<td class="num">{escape(c)}</td>' for c in hidden)
        return f'<tr class="{css}"><td>{escape(name)}</td>{tds}</tr>'
    cells = [
        _count(row.subjects),
        _count(row.eligible),
        _count(row.approved),
        _share(row.approved, row.eligible),
        _share(row.approved, row.subjects),
        _wan(row.initial_yuan, row.eligible) if initial else "—",
        _wan(row.credit_yuan, row.approved),
    ]
    tds = "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
    return f'<tr class="{css}"><td>{escape(name)}</td>{tds}</tr>'


def _coverage(facts: PlanFacts) -> str:
    head = "".join(
        f"<th{' class=num' if i else ''}>{escape(t(k))}</th>" for i, k in enumerate(_COVERAGE_HEAD)
    )
    initial = facts.has_initial
    body = "".join(_row(r, r.community, initial=initial) for r in facts.communities)
    total = _row(facts.total, t("report.types.total"), initial=initial, css="total")
    headline = t(
        "report.plan.headline",
        of_eligible=_share(facts.total.approved, facts.total.eligible),
        of_all=_share(facts.total.approved, facts.total.subjects),
    )
    return (
        f"<section><h2>{escape(t('report.plan.title'))}</h2>"
        f'<p class="note">{escape(t("report.plan.note", small=SMALL))}</p>'
        f'<p class="caveat">{escape(headline)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}{total}</tbody></table></section>"
    )


def _adjustment_table(facts: PlanFacts) -> str:
    if not facts.adjustments:
        body = f'<tr><td colspan="3" class="empty">{escape(t("report.adjust.none"))}</td></tr>'
    else:
        body = "".join(
            f"<tr><td>{escape(_label(_WHAT_KEYS, what))}</td>"
            f"<td>{escape(_label(_REASON_KEYS, reason))} ({escape(reason)})</td>"
            f'<td class="num">{escape(_count(n))}</td></tr>'
            for (what, reason), n in sorted(facts.adjustments.items())
        )
    head = "".join(
        f"<th{' class=num' if i == 2 else ''}>{escape(t(k))}</th>"
        for i, k in enumerate(_ADJUST_HEAD)
    )
    return (
        f"<section><h2>{escape(t('report.adjust.title'))}</h2>"
        f'<p class="note">{escape(t("report.adjust.note"))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _label(keys: Mapping[str, str], code: str) -> str:
    key = keys.get(code)
    return t(key) if key else code


_SITTING_HEAD = (
    "report.plan.community",
    "report.sittings.date",
    "report.sittings.members",
    "report.sittings.roles",
    "report.sittings.subjects",
)


def _sittings_table(facts: PlanFacts) -> str:
    if facts.sittings is None:
        return ""
    head = "".join(
        f"<th{' class=num' if k.endswith(('members', 'subjects')) else ''}>{escape(t(k))}</th>"
        for k in _SITTING_HEAD
    )
    body = (
        "".join(
            f"<tr><td>{escape(r.community)}</td><td>{escape(r.panel_date)}</td>"
            f'<td class="num">{r.members}</td><td>{escape(r.roles)}</td>'
            f'<td class="num">{escape(count_text(r.subjects))}</td></tr>'
            for r in facts.sittings
        )
        or f'<tr><td colspan="5" class="empty">{escape(t("report.sittings.none"))}</td></tr>'
    )
    return (
        f"<section><h2>{escape(t('report.sittings.title'))}</h2>"
        f'<p class="note">{escape(t("report.sittings.note"))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def plan_sections(facts: PlanFacts) -> str:
    """The coverage-and-lines section, the bank's adjustments and the panel's sittings."""
    return _coverage(facts) + _adjustment_table(facts) + _sittings_table(facts)

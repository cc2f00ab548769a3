"""A self-contained HTML report on scoring decisions for township and bank management.

``build_report`` turns a decisions table (``scoring.score`` output) into one HTML page with
inline CSS and SVG charts: headline figures, coverage by community, credit limits and
rates, credit lines against the plan's targets, the most frequent Annex 2 items and the
split by subject type. The page holds aggregates only (see ``facts``): no subject token,
source row, masked ID or any per-subject value is ever written. ``write_report`` reads a
decisions file (.csv/.parquet/.xlsx) and writes the page atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from scoring.errors import LprError
from scoring.lpr import lpr_in_force
from scoring.policy import Policy, load_policy
from scoring.summary import STATUSES
from secure_exchange.fsio import atomic_write
from secure_exchange.i18n import current_language, has_message, t
from secure_exchange.package import GroupRisk
from secure_exchange.reports import svg as _svg
from secure_exchange.reports.facts import (
    TYPE_KEYS,
    Facts,
    TypeRow,
    collect,
    normalise,
    policy_from,
    read_table,
)
from secure_exchange.reports.plan import count_text, is_small, plan_facts, plan_sections
from secure_exchange.reports.risk import risk_section
from secure_exchange.reports.svg import Bar, Segment, StackedRow, escape

__all__ = ["TARGETS", "build_report", "write_report"]

TARGETS: tuple[tuple[str, int], ...] = (
    ("report.targets.2022", 100_000_000),
    ("report.targets.2023", 300_000_000),
    ("report.targets.2024", 500_000_000),
)
"""The plan's new agricultural loan targets: (message key, whole yuan)."""

COLORS: Mapping[str, str] = {
    "approved": "#2e9e5b",
    "declined": "#e8a33d",
    "ineligible": "#9aa3ae",
    "vetoed": "#d64545",
}
_TOP_ITEMS = 10
_WIDTH = 860


# ---------------------------------------------------------------- formatting


def _hundredths(value: int, unit: int) -> str:
    """``value / unit`` with two decimals, rounded half up, thousands separated."""
    h = (value * 100 + unit // 2) // unit
    return f"{h // 100:,}.{h % 100:02d}"


def _money(yuan: int, key: str = "report.money") -> str:
    return t(key, wan=_hundredths(yuan, 10_000), m=_hundredths(yuan, 1_000_000), yuan=f"{yuan:,}")


def _target_money(yuan: int) -> str:
    """A round target: whole 亿 / whole millions where exact."""
    yi = f"{yuan // 100_000_000:,}" if yuan % 100_000_000 == 0 else _hundredths(yuan, 10**8)
    m = f"{yuan // 1_000_000:,}" if yuan % 1_000_000 == 0 else _hundredths(yuan, 10**6)
    return t("report.money.target", yi=yi, m=m)


def _rate(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def _share(part: int, whole: int) -> str:
    if whole <= 0:
        return t("report.none")
    value = 100 * part / whole
    return f"{value:.2f}%" if 0 < value < 1 else f"{value:.1f}%"


def _mean(total: int, count: int) -> int:
    return (2 * total + count) // (2 * count)


def _type_label(subject_type: str) -> str:
    key = TYPE_KEYS.get(subject_type)
    return t(key) if key else subject_type


def _status_label(status: str) -> str:
    return t(f"report.status.{status}")


# ---------------------------------------------------------------- page parts


def _lpr_text(policy: Policy | None, as_of: Sequence[date]) -> str:
    if policy is None or not as_of:
        return t("report.meta.unknown")
    try:
        entry = lpr_in_force(policy.rate, as_of[-1])
    except LprError:
        return t("report.meta.unknown")
    return t("report.meta.lpr_value", rate=_rate(entry.bp), date=entry.date.isoformat())


def _policy_text(refs: Sequence[str], policy: Policy | None = None) -> str:
    shown = []
    for ref in refs:
        name, _, digest = ref.partition("@sha256:")
        if policy is not None and ref == policy.ref:
            name = policy.label  # the id and its revision (ledger-v1 rule 0)
        shown.append(f"{name} · sha256 {digest[:12]}" if digest else name)
    return "; ".join(shown) or t("report.meta.unknown")


def _as_of_text(days: Sequence[date]) -> str:
    if not days:
        return t("report.meta.unknown")
    return days[0].isoformat() if len(days) == 1 else f"{days[0]} – {days[-1]}"


def _header(facts: Facts, policy: Policy | None, title: str, now: datetime) -> str:
    meta = [
        ("report.meta.as_of", _as_of_text(facts.as_of)),
        ("report.meta.policy", _policy_text(facts.policies, policy)),
        ("report.meta.lpr", _lpr_text(policy, facts.as_of)),
        ("report.meta.subjects", f"{facts.subjects:,}"),
        ("report.meta.generated", now.strftime("%Y-%m-%d %H:%M")),
    ]
    items = "".join(f"<div><dt>{escape(t(k))}</dt><dd>{escape(v)}</dd></div>" for k, v in meta)
    warning = ""
    if policy is not None and facts.policies and policy.ref not in facts.policies:
        warning = (
            f'<p class="warning">'
            f"{escape(t('report.policy_mismatch', scored=_policy_text(facts.policies)))}"
            f"</p>"
        )
    return (
        f'<header class="top"><h1>{escape(title)}</h1>'
        f'<p class="lead">{escape(t("report.lead"))}</p><dl class="meta">{items}</dl>'
        f"{warning}</header>"
    )


def _card(key: str, value: str, note: str, css: str = "") -> str:
    size = " long" if len(value) > 10 else ""
    return (
        f'<div class="card {css}"><div class="k">{escape(t(key))}</div>'
        f'<div class="v{size}">{escape(value)}</div><div class="n">{escape(note)}</div>'
        f"</div>"
    )


def _cards(facts: Facts, policy: Policy | None) -> str:
    approved = facts.counts.get("approved", 0)
    average = (
        _money(_mean(facts.credit_yuan, approved), "report.money.small")
        if approved
        else t("report.none")
    )
    rates = sum(c for _, c in facts.rates)
    rate = _rate(_mean(facts.rate_sum_bp, rates)) if rates else t("report.none")
    floor = _lpr_bp(policy, facts.as_of)
    lpr = _rate(floor) if floor is not None else t("report.meta.unknown")
    cards = [
        _card(
            "report.card.subjects",
            f"{facts.subjects:,}",
            t("report.card.subjects_note", communities=len(facts.communities)),
        ),
        _card(
            "report.card.approved",
            f"{approved:,}",
            t("report.card.approved_note", share=_share(approved, facts.subjects)),
            "ok",
        ),
        _card("report.card.credit", _money(facts.credit_yuan), t("report.card.credit_note")),
        _card("report.card.average", average, t("report.card.average_note")),
        _card("report.card.rate", rate, t("report.card.rate_note", lpr=lpr)),
    ]
    return f'<div class="cards">{"".join(cards)}</div>'


def _section(title_key: str, note: str, body: str, css: str = "") -> str:
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return f'<section class="{css}"><h2>{escape(t(title_key))}</h2>{note_html}{body}</section>'


def _communities(facts: Facts) -> str:
    segments = [
        Segment(
            _status_label(s), COLORS[s], "#1f2a37" if s in ("declined", "ineligible") else "#ffffff"
        )
        for s in STATUSES
    ]
    rows = [
        StackedRow(
            c.community,
            tuple(c.counts.get(s, 0) for s in STATUSES),
            t(
                "report.community.row_note",
                subjects=f"{c.subjects:,}",
                share=_share(c.counts.get("approved", 0), c.subjects),
            ),
        )
        for c in facts.communities
    ]
    chart = _svg.stacked_hbar(rows, segments, title=t("report.community.chart"), width=_WIDTH)
    return _section("report.community.title", t("report.community.note"), chart)


def _band_label(band: int) -> str:
    if band == 1:
        return t("report.limits.band_first")
    return t("report.limits.band", low=band - 1, high=band)


def _limits(facts: Facts) -> str:
    approved = facts.counts.get("approved", 0)
    bars = [
        Bar(_band_label(i + 1), n, f"{n:,}", COLORS["approved"])
        for i, n in enumerate(facts.limit_bands)
    ]
    chart = _svg.histogram(bars, title=t("report.limits.chart"), width=_WIDTH)
    capped = facts.items.get("LIMIT_CAP", 0) + facts.items.get("LIMIT_ONLINE_MAX", 0)
    extra = (
        f'<p class="note">{escape(t("report.limits.capped", count=f"{capped:,}"))}</p>'
        if approved
        else ""
    )
    return _section("report.limits.title", t("report.limits.note"), chart + extra)


def _rates_section(facts: Facts, policy: Policy | None) -> str:
    total = sum(c for _, c in facts.rates)
    bars = [
        Bar(_rate(bp), n, t("report.rates.bar_text", count=f"{n:,}", share=_share(n, total)))
        for bp, n in facts.rates
    ]
    floor = _lpr_bp(policy, facts.as_of)
    marker = next((i for i, (bp, _) in enumerate(facts.rates) if bp == floor), None)
    chart = _svg.vbar(
        bars,
        title=t("report.rates.chart"),
        width=_WIDTH,
        marker=marker,
        marker_text=t("report.rates.lpr"),
    )
    floored = facts.items.get("RATE_FLOOR_LPR", 0)
    extra = (
        f'<p class="note">{escape(t("report.rates.floored", count=f"{floored:,}"))}</p>'
        if total
        else ""
    )
    return _section("report.rates.title", t("report.rates.note"), chart + extra)


def _lpr_bp(policy: Policy | None, as_of: Sequence[date]) -> int | None:
    if policy is None or not as_of:
        return None
    try:
        return lpr_in_force(policy.rate, as_of[-1]).bp
    except LprError:
        return None


def _targets(facts: Facts) -> str:
    charts = []
    for key, target in TARGETS:
        done = facts.credit_yuan >= target
        text = t(
            "report.targets.reached" if done else "report.targets.progress",
            amount=_money(facts.credit_yuan),
            share=_share(facts.credit_yuan, target),
        )
        charts.append(
            _svg.gauge(
                facts.credit_yuan,
                target,
                label=t(key),
                value_text=text,
                width=_WIDTH,
                target_text=t("report.targets.target", amount=_target_money(target)),
                done_color=COLORS["approved"],
            )
        )
    body = f'<p class="caveat">{escape(t("report.targets.note"))}</p>' + "".join(
        f'<div class="gauge">{c}</div>' for c in charts
    )
    return _section("report.targets.title", "", body)


def _item_name(code: str, policy: Policy | None) -> str:
    if code.startswith("E_"):
        key = f"report.reason.{code}"
        base = policy.base if policy is not None else None
        if code == "E_AGE":
            low, high = (base.min_age, base.max_age) if base is not None else (18, 60)
            return t(key, low=low, high=high)
        if has_message(key):
            return t(key)
        names = {c.reason: c.name for c in base.conditions} if base is not None else {}
        return names.get(code, code)
    item = policy.item(code) if policy is not None else None
    return item.name if item is not None else code


def _item_rows(
    found: Sequence[tuple[int, str]], policy: Policy | None, color: str, show_code: bool
) -> str:
    if not found:
        return f'<tr><td colspan="4" class="empty">{escape(t("report.items.empty"))}</td></tr>'
    top = found[0][0]
    return "".join(
        (f'<tr><td class="code">{escape(code)}</td>' if show_code else "<tr>")
        + f"<td>{escape(_item_name(code, policy))}</td>"
        f'<td class="num">{escape(count_text(n))}</td>'
        f'<td class="bar">{_svg.meter(0 if is_small(n) else n, top, width=90, color=color)}'
        f"</td></tr>"
        for n, code in found
    )


def _item_table(title_key: str, prefix: str, facts: Facts, policy: Policy | None) -> str:
    found = sorted(
        ((n, c) for c, n in facts.items.items() if c.startswith(prefix)),
        key=lambda p: (-p[0], _code_order(p[1], policy)),
    )[:_TOP_ITEMS]
    color = {"B": COLORS["approved"], "D": COLORS["declined"], "V": COLORS["vetoed"]}.get(
        prefix[0], "#7b8794"
    )
    show_code = not prefix.startswith("E_")  # E_* are internal codes: the sentence suffices
    code_head = f"<th>{escape(t('report.items.code'))}</th>" if show_code else ""
    head = (
        f"<tr>{code_head}<th>{escape(t('report.items.name'))}</th>"
        f'<th class="num">{escape(t("report.items.count"))}</th><th></th></tr>'
    )
    rows = _item_rows(found, policy, color, show_code)
    return f'<div class="items"><h3>{escape(t(title_key))}</h3><table>{head}{rows}</table></div>'


def _code_order(code: str, policy: Policy | None) -> tuple[int, str]:
    codes = policy.codes if policy is not None else ()
    return (codes.index(code) if code in codes else len(codes), code)


def _items(facts: Facts, policy: Policy | None) -> str:
    tables = [
        _item_table("report.items.bonus", "B", facts, policy),
        _item_table("report.items.deduction", "D", facts, policy),
        _item_table("report.items.veto", "V", facts, policy),
        _item_table("report.items.ineligible", "E_", facts, policy),
    ]
    return _section(
        "report.items.title", t("report.items.note"), f'<div class="grid2">{"".join(tables)}</div>'
    )


def _type_row(row: TypeRow, policy: Policy | None) -> str:
    cap = policy.limit.caps.get(row.subject_type) if policy is not None else None
    average = (
        _money(_mean(row.credit_yuan, row.approved), "report.money.small")
        if row.approved
        else t("report.none")
    )
    hidden = is_small(row.subjects) or is_small(row.approved)
    cells = [
        _type_label(row.subject_type),
        count_text(row.subjects),
        count_text(row.approved),
        "—" if hidden else _share(row.approved, row.subjects),
        "—" if hidden else _money(row.credit_yuan),
        "—" if hidden else average,
        _money(cap, "report.money.small") if cap else t("report.none"),
    ]
    return (
        "<tr>"
        + "".join(f"<td{' class=num' if i else ''}>{escape(c)}</td>" for i, c in enumerate(cells))
        + "</tr>"
    )


def _types_section(facts: Facts, policy: Policy | None) -> str:
    keys = ("type", "subjects", "approved", "share", "credit", "average", "cap")
    head = "".join(
        f"<th{' class=num' if i else ''}>{escape(t('report.types.' + k))}</th>"
        for i, k in enumerate(keys)
    )
    body = "".join(_type_row(r, policy) for r in facts.types)
    approved = facts.counts.get("approved", 0)
    total = (
        f'<tr class="total"><td>{escape(t("report.types.total"))}</td>'
        f'<td class="num">{facts.subjects:,}</td><td class="num">{approved:,}</td>'
        f'<td class="num">{escape(_share(approved, facts.subjects))}</td>'
        f'<td class="num">{escape(_money(facts.credit_yuan))}</td><td></td><td></td></tr>'
    )
    bars = [
        Bar(_type_label(r.subject_type), 0, "—")
        if is_small(r.subjects) or is_small(r.approved)
        else Bar(_type_label(r.subject_type), r.credit_yuan, _money(r.credit_yuan))
        for r in facts.types
    ]
    chart = _svg.hbar(bars, title=t("report.types.chart"), width=_WIDTH)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}{total}</tbody></table>"
    return _section("report.types.title", "", table + f'<div class="spaced">{chart}</div>')


_CSS = """
:root{--ok:#2e9e5b;--warn:#e8a33d;--grey:#9aa3ae;--bad:#d64545;--ink:#1f2a37;
--muted:#667085;--line:#e4e7ec;--accent:#1f5f99;--bg:#f3f5f8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font-size:14px;line-height:1.6;
font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",sans-serif;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.page{max-width:960px;margin:0 auto;padding:24px 28px 32px}
header.top{background:var(--accent);color:#fff;border-radius:12px;padding:22px 28px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:.04em}
.lead{margin:0 0 14px;opacity:.9;font-size:13.5px}
dl.meta{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px 24px;margin:0}
dl.meta dt{font-size:12px;opacity:.75}dl.meta dd{margin:0;font-weight:600;word-break:break-all}
.warning{background:#fff4e5;color:#7a4b00;border-radius:6px;padding:6px 10px;margin:12px 0 0}
.cards{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px;margin:16px 0}
.card{background:#fff;border-radius:10px;padding:12px 14px;border-top:4px solid var(--accent);
box-shadow:0 1px 3px rgba(16,24,40,.08)}
.card.ok{border-top-color:var(--ok)}
.card .k{font-size:13px;color:var(--muted)}
.card .v{font-size:24px;font-weight:700;line-height:1.25;margin:4px 0;white-space:nowrap}
.card .v.long{font-size:19px;line-height:1.58}
.card .n{font-size:12px;color:var(--muted)}
section{background:#fff;border-radius:10px;padding:16px 22px 18px;margin:14px 0;
box-shadow:0 1px 3px rgba(16,24,40,.08);break-inside:avoid}
h2{font-size:18px;margin:0 0 4px;padding-left:10px;border-left:4px solid var(--accent);
line-height:1.3}
h3{font-size:14.5px;margin:4px 0 6px}
.note{color:var(--muted);font-size:12.5px;margin:2px 0 12px}
.caveat{background:#fff8e6;border-left:4px solid var(--warn);padding:8px 12px;
margin:6px 0 14px;font-size:13px;border-radius:0 6px 6px 0}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font-family:inherit}
.gauge{margin:0 0 12px}.spaced{margin-top:14px}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px 24px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 6px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th{color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.code{color:var(--accent);font-weight:600;white-space:nowrap}
td.bar{width:96px}td.empty{color:var(--muted)}
tr.total td{font-weight:700;border-top:2px solid var(--line)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:18px}
@page{size:A4;margin:12mm}
@media print{body{background:#fff;font-size:10.5pt}.page{max-width:none;padding:0}
section,.card{box-shadow:none;border:1px solid var(--line)}h2{break-after:avoid}
header.top{padding:16px 20px}.cards{gap:6px}.card{padding:8px 9px}
.card .v{font-size:18px}.card .v.long{font-size:14px;line-height:1.9}
section{padding:12px 16px;margin:10px 0}}
@media screen and (max-width:760px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}
.grid2,dl.meta{grid-template-columns:minmax(0,1fr)}}
"""


def _footer(facts: Facts) -> str:
    source = t(
        "report.footer.source", policy=_policy_text(facts.policies), subjects=f"{facts.subjects:,}"
    )
    return f"<footer><p>{escape(t('report.footer'))}</p><p>{escape(source)}</p></footer>"


def build_report(
    decisions: pa.Table,
    policy: Policy | None,
    *,
    title: str | None = None,
    now: datetime | None = None,
    risk: Mapping[str, GroupRisk] | None = None,
) -> str:
    """Render the decisions report as one self-contained HTML page (current language).

    Args:
        decisions: a decisions table (``scoring.score`` output, or read from a file).
        policy: the scoring policy, for item names, the LPR and caps; ``None`` shows codes.
        title: the page title (default: the catalogue's report title).
        now: the generation time shown in the header (default: the local time now).
        risk: the re-identification risk the scored package records, per group (shown
            in a section of its own when given).

    Raises:
        ReportError: a required column is missing or holds values that are not understood.
    """
    facts = collect(normalise(decisions), policy)
    heading = title or t("report.title")
    moment = now if now is not None else datetime.now().astimezone()
    parts = [
        _header(facts, policy, heading, moment),
        _cards(facts, policy),
        plan_sections(plan_facts(decisions)),
        _communities(facts),
        _limits(facts),
        _rates_section(facts, policy),
        _targets(facts),
        _items(facts, policy),
        _types_section(facts, policy),
        risk_section(risk or {}),
        _footer(facts),
    ]
    lang = "zh-CN" if current_language() == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)}</title><style>{_CSS}</style></head>"
        f'<body><div class="page">{"".join(parts)}</div></body></html>\n'
    )


def write_report(
    decisions_path_or_table: Path | str | pa.Table,
    out: Path,
    policy: Policy | str | Path | None = None,
    risk: Mapping[str, GroupRisk] | None = None,
) -> Path:
    """Read decisions (a .csv/.parquet/.xlsx path or a table) and write the HTML report.

    Args:
        decisions_path_or_table: a decisions file or table.
        out: the HTML file to write (replaced atomically).
        policy: a ``Policy``, a policy id or file, or ``None`` for the built-in policy named
            in the decisions.
        risk: the scored package's risk records, for their section.

    Raises:
        ReportError: the decisions cannot be read or are not a decisions table.
        PolicyError: the policy given cannot be loaded.
    """
    table = (
        decisions_path_or_table
        if isinstance(decisions_path_or_table, pa.Table)
        else read_table(Path(decisions_path_or_table))
    )
    if isinstance(policy, str | Path):
        policy = load_policy(policy)
    elif policy is None:
        policy = policy_from(table)
    page = build_report(table, policy, risk=risk)
    atomic_write(out, page.encode("utf-8"))
    return out

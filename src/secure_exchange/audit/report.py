"""A self-contained HTML page about the access log for compliance (no scripts, no network).

Inline CSS and SVG charts drawn here: activity per day, by actor, by action; every
re-identification with its reason and row count; refusals and failures; and flags
(bulk re-identification, night work, failed verifications, gaps, a torn tail).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from secure_exchange.audit import store
from secure_exchange.audit.errors import AuditUnavailableError
from secure_exchange.audit.events import Actor, Event
from secure_exchange.audit.export import write_export
from secure_exchange.audit.log import AuditLog
from secure_exchange.audit.timeline import agreement_timelines
from secure_exchange.audit.verify import AuditVerifyReport
from secure_exchange.i18n import current_language, has_message, t

__all__ = [
    "BULK_ROWS",
    "Flag",
    "action_label",
    "find_flags",
    "outcome_label",
    "render_report",
    "write_report",
]

BULK_ROWS = 100
NIGHT_START, NIGHT_END = 22, 6
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(![rsa])?(:[^{}]*)?\}")
_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;
color:#1d2433;max-width:1100px}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;
border-bottom:1px solid #d5dbe5;padding-bottom:.3em}table{border-collapse:collapse;width:100%;
font-size:.9em}th,td{border:1px solid #d5dbe5;padding:.3em .5em;text-align:left}
th{background:#eef2f7}.ok{color:#1a7f37}.bad{color:#b42318;font-weight:bold}
.flag{background:#fff4e5}.muted{color:#667085}svg text{font-size:11px;fill:#344054}
"""


@dataclass(frozen=True)
class Flag:
    """Something compliance should look at: a message key, its parameters, the event."""

    key: str
    params: dict[str, str | int]
    seq: int | None

    @property
    def message(self) -> str:
        """The translated sentence."""
        return t(self.key, **self.params)


def _local(event: Event) -> datetime:
    return event.when.astimezone()


def _rows(event: Event) -> int:
    counts = event.counts
    return int(counts.get("rows", counts.get("subjects", sum(counts.values()))))


def _is_final(event: Event) -> bool:
    """One record per operation: ends and one-shot events (begins are skipped)."""
    return event.phase != "begin"


def find_flags(events: Sequence[Event], report: AuditVerifyReport) -> list[Flag]:
    """Bulk re-identification, night work (one flag per night and actor), failed
    verifications, gaps and torn tails."""
    flags: list[Flag] = []
    for problem in (report.first_bad, report.torn_tail, *report.state):
        if problem is not None:
            key = "audit.flag.gap" if problem.key == "audit.bad.seq" else "audit.flag.log"
            flags.append(Flag(key, {"message": problem.message()}, problem.where.seq))
    flags += _night_flags(events)
    for event in events:
        if event.phase == "begin":
            continue
        if event.action == "reidentified" and _rows(event) > BULK_ROWS:
            flags.append(Flag("audit.flag.bulk", {**_who(event), "rows": _rows(event)}, event.seq))
        if event.action.endswith("verified") and event.outcome in ("failed", "refused"):
            flags.append(Flag("audit.flag.verify_failed", _who(event), event.seq))
    return flags


def _night_flags(events: Sequence[Event]) -> list[Flag]:
    """One flag per night (22:00 to 06:00 the next morning) and actor, with a count."""
    nights: dict[tuple[date, str], list[Event]] = {}
    for event in events:
        when = _local(event)
        if event.phase != "begin" or NIGHT_END <= when.hour < NIGHT_START:
            continue
        night = when.date() - timedelta(days=1 if when.hour < NIGHT_END else 0)
        nights.setdefault((night, _actor(event)), []).append(event)
    flags = []
    for (night, actor), group in nights.items():
        actions = Counter(action_label(e.action) for e in group)
        params: dict[str, str | int] = {
            "night": night.isoformat(),
            "actor": actor,
            "count": len(group),
            "actions": t("audit.list_sep").join(f"{a} ×{n}" for a, n in actions.most_common()),
            "first": _local(group[0]).strftime("%H:%M"),
            "last": _local(group[-1]).strftime("%H:%M"),
        }
        flags.append(Flag("audit.flag.night", params, group[0].seq))
    return flags


def action_label(action: str) -> str:
    """An action code in words (``package.opened`` → 打开数据包; English keeps the code)."""
    key = f"audit.action.{action}"
    return t(key) if has_message(key) else action


def outcome_label(outcome: str | None) -> str:
    """An outcome code in words (``ok``, ``failed``, ``refused``); ``-`` for none."""
    key = f"audit.outcome.{outcome}"
    return t(key) if outcome and has_message(key) else (outcome or "-")


def _actor(event: Event) -> str:
    return event.actor.name if event.actor else t("audit.station_itself")


def _who(event: Event) -> dict[str, str | int]:
    return {
        "time": _local(event).strftime("%Y-%m-%d %H:%M"),
        "actor": _actor(event),
        "action": action_label(event.action),
    }


# --- SVG charts ---------------------------------------------------------------------------


def _bar_chart(items: Sequence[tuple[str, int]], title: str) -> str:
    """Horizontal bars, one per label."""
    if not items:
        return f"<p class='muted'>{html.escape(t('audit.report.none'))}</p>"
    top = max(v for _, v in items) or 1
    height = 22 * len(items) + 10
    parts = [
        f"<svg role='img' aria-label='{html.escape(title)}' width='720' height='{height}'"
        " xmlns='http://www.w3.org/2000/svg'>"
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + 22 * i
        width = max(1, round(420 * value / top))
        parts.append(
            f"<text x='210' y='{y + 14}' text-anchor='end'>{html.escape(label[:34])}</text>"
            f"<rect x='218' y='{y + 2}' width='{width}' height='16' fill='#3b6fb6'/>"
            f"<text x='{224 + width}' y='{y + 14}'>{value}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _day_chart(per_day: Counter[date]) -> str:
    """Vertical bars, one per calendar day from the first to the last active day."""
    if not per_day:
        return f"<p class='muted'>{html.escape(t('audit.report.none'))}</p>"
    first, last = min(per_day), max(per_day)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)][-120:]
    top = max(per_day.values())
    step = max(4, min(40, 900 // len(days)))
    width, base = step * len(days) + 60, 170
    parts = [
        f"<svg role='img' aria-label='{html.escape(t('audit.report.per_day'))}' "
        f"width='{width}' height='200' xmlns='http://www.w3.org/2000/svg'>",
        f"<text x='0' y='12'>{top}</text>",
        f"<line x1='40' y1='{base}' x2='{width}' y2='{base}' stroke='#98a2b3'/>",
    ]
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        value = per_day.get(day, 0)
        h = round(150 * value / top) if top else 0
        x = 40 + step * i
        parts.append(
            f"<rect x='{x}' y='{base - h}' width='{max(1, step - 2)}' height='{h}' "
            f"fill='#3b6fb6'><title>{day.isoformat()}: {value}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(f"<text x='{x}' y='{base + 16}'>{day.strftime('%m-%d')}</text>")
    parts.append("</svg>")
    return "".join(parts)


# --- tables ------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    body = "".join(
        f"<tr class='{css}'>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    if not body:
        return f"<p class='muted'>{html.escape(t('audit.report.none'))}</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>{body}</table>"


def _error_text(key: str) -> str:
    """The message of an error key the log kept (without its values, which it never
    keeps): each placeholder is shown as an ellipsis, never as a raw ``{name}``."""
    if not has_message(key):
        return key
    return _PLACEHOLDER.sub("…", t(key))


def _reason_text(code: str) -> str:
    key = f"reid.reason.{code}"
    return t(key) if has_message(key) else code


def _reidentifications(events: Sequence[Event]) -> str:
    rows = [
        [
            _local(e).strftime("%Y-%m-%d %H:%M"),
            e.actor.name if e.actor else "-",
            _reason_text(e.detail.get("reason", "-")),
            str(_rows(e)),
            e.package or "-",
            outcome_label(e.outcome),
        ]
        for e in events
        if e.action == "reidentified" and _is_final(e)
    ]
    headers = [
        t(f"audit.report.col.{c}")
        for c in ("time", "actor", "reason", "rows", "package", "outcome")
    ]
    return _table(headers, rows)


def _failures(events: Sequence[Event]) -> str:
    rows = [
        [
            _local(e).strftime("%Y-%m-%d %H:%M"),
            e.actor.name if e.actor else "-",
            action_label(e.action),
            outcome_label(e.outcome),
            e.package or "-",
            _error_text(e.detail.get("error", "-")),
        ]
        for e in events
        if e.outcome in ("failed", "refused")
    ]
    headers = [
        t(f"audit.report.col.{c}")
        for c in ("time", "actor", "action", "outcome", "package", "error")
    ]
    return _table(headers, rows, "flag")


# --- page --------------------------------------------------------------------------------


def _summary(station: str, report: AuditVerifyReport, events: Sequence[Event]) -> str:
    status = ("ok", t("audit.report.verified")) if report.ok else ("bad", t("audit.report.broken"))
    period = f"{_local(events[0]):%Y-%m-%d} – {_local(events[-1]):%Y-%m-%d}" if events else "-"
    rows = [
        (t("audit.report.station"), html.escape(station)),
        (t("audit.report.status"), f"<span class='{status[0]}'>{html.escape(status[1])}</span>"),
        (t("audit.report.events"), str(report.size)),
        (t("audit.report.period"), html.escape(period)),
        (t("audit.report.root"), f"<code>{report.root}</code>"),
        (t("audit.report.checkpoints"), str(len(report.checkpoints))),
        (t("audit.report.witnessed"), str(len(report.witnessed))),
    ]
    return (
        "<table>"
        + "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )


def render_report(station: str, events: Sequence[Event], report: AuditVerifyReport) -> str:
    """Render the whole page in the current language."""
    finals = [e for e in events if _is_final(e)]
    per_day = Counter(_local(e).date() for e in finals)
    by_actor = Counter(e.actor.name if e.actor else "-" for e in finals).most_common(20)
    by_action = Counter(action_label(e.action) for e in finals).most_common(25)
    flags = find_flags(events, report)
    flag_rows = [[str(f.seq) if f.seq is not None else "-", f.message] for f in flags]
    lang = "zh-CN" if current_language() == "zh" else "en"
    title = t("audit.report.title", station=station)
    sections = [
        ("audit.report.summary", _summary(station, report, events)),
        (
            "audit.report.flags",
            _table([t("audit.report.col.seq"), t("audit.report.col.flag")], flag_rows, "flag"),
        ),
        ("audit.report.per_day", _day_chart(per_day)),
        ("audit.report.by_actor", _bar_chart(by_actor, t("audit.report.by_actor"))),
        ("audit.report.by_action", _bar_chart(by_action, t("audit.report.by_action"))),
        ("audit.report.reidentifications", _reidentifications(events)),
        ("audit.report.timeline", agreement_timelines(events)),  # lifecycle-v1 §6
        ("audit.report.failures", _failures(events)),
    ]
    body = "".join(f"<h2>{html.escape(t(k))}</h2>{v}" for k, v in sections)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='muted'>{html.escape(t('audit.report.note'))}</p>"
        f"{body}</body></html>\n"
    )


def write_report(home: Path, out: Path, *, actor: Actor | None = None) -> int:
    """Verify the log, render the report to ``out``; return the number of events shown.

    The reading is logged as ``log.exported`` (format ``html``) when the log can take
    events; a log that no longer opens is still reported from its verified prefix, since
    that is exactly when compliance needs the page.
    """
    report = AuditLog.verify(home)
    try:
        log = AuditLog.open(home)
    except AuditUnavailableError as exc:
        if exc.key not in ("audit.unavailable.broken",):
            raise
        return _write(home, out, report, list(store.read_events(home, report.size)))
    with log.operation("log.exported", actor=actor, detail={"format": "html"}) as op:
        count = _write(home, out, report, log.events())
        op.set_count("events", count)
    return count


def _write(home: Path, out: Path, report: AuditVerifyReport, events: list[Event]) -> int:
    page = render_report(store.station_name(home), events, report)
    write_export(out, page.encode("utf-8"))
    return len(events)

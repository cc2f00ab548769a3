"""Each agreement's life on one timeline, for the access-log report (protocols/
lifecycle-v1.md §6): drafted, signed and trusted; packages sealed and imported; scoring,
re-identifications and results; revocations, incidents, destruction and the statements
that crossed the stick.

An event is placed under an agreement by what it names: the agreement's number, its hash
(``agreement_sha256``; ``sha256`` holds its first 16 digits on the agreement's own
events) or a package sealed or imported under it. Only what went through is shown; the
refusals have their own table in the report.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from secure_exchange.audit.events import Event
from secure_exchange.i18n import has_message, t

__all__ = ["LIFE_ACTIONS", "agreement_timelines", "timelines"]

LIFE_ACTIONS = (
    "agreement.created",
    "agreement.signed",
    "agreement.imported",
    "package.sealed",
    "package.registered",
    "scored",
    "reidentified",
    "results.read",
    "agreement.revoked",
    "key.revoked",
    "incident.opened",
    "incident.closed",
    "agreement.destroyed",
    "statement.issued",
    "statement.received",
)
"""The actions that make up an agreement's life, in the order of a typical one."""
_NOTE_DETAILS = ("kind", "reason", "what", "party", "key")


def _agreement_of(event: Event, by_sha: dict[str, str], by_package: dict[str, str]) -> str | None:
    detail = event.detail
    number = detail.get("number") or detail.get("agreement")
    sha = detail.get("agreement_sha256") or detail.get("sha256")
    if number and sha:
        by_sha[sha] = number
        by_sha[sha[:16]] = number
    if not number and sha:
        number = by_sha.get(sha) or by_sha.get(sha[:16])
    if not number and event.package:
        number = by_package.get(event.package)
    if number and event.package and event.action in ("package.sealed", "package.registered"):
        by_package[event.package] = number
    return number


def _shown(key: str, code: str) -> str:
    """``code`` (an action, a statement kind, a reason) in the reader's language, if the
    catalogue has ``key`` for it; else the code."""
    return t(key) if has_message(key) else code


def _label(code: str) -> str:
    return _shown("lifecycle.label." + code.replace(".", "-"), code)


def _action(action: str) -> str:
    return _shown("audit.timeline.action." + action.replace(".", "-"), action)


def _note(event: Event) -> str:
    parts = [_label(event.detail[k]) for k in _NOTE_DETAILS if event.detail.get(k) and k != "party"]
    if event.detail.get("party"):
        parts.append(t("audit.timeline.party", party=event.detail["party"]))
    if "rows" in event.counts:
        parts.append(t("audit.timeline.rows", rows=event.counts["rows"]))
    if event.action == "agreement.destroyed":
        counts = {k: event.counts.get(k, 0) for k in ("outputs", "packages", "keys")}
        parts.append(t("audit.timeline.destroyed", **counts))
    return t("audit.timeline.separator").join(parts)


def timelines(events: Sequence[Event]) -> dict[str, list[Event]]:
    """The life events of each agreement, by agreement number, in log order."""
    by_sha: dict[str, str] = {}
    by_package: dict[str, str] = {}
    found: dict[str, list[Event]] = {}
    for event in events:
        if event.phase == "begin" or event.outcome not in ("ok", None):
            continue
        if event.action not in LIFE_ACTIONS:
            continue
        number = _agreement_of(event, by_sha, by_package)
        if number:
            found.setdefault(number, []).append(event)
    return found


def agreement_timelines(events: Sequence[Event]) -> str:
    """The HTML of every agreement's timeline: one table per agreement."""
    found = timelines(events)
    if not found:
        return f"<p class='muted'>{html.escape(t('audit.report.none'))}</p>"
    headers = [
        t(f"audit.report.col.{c}") for c in ("seq", "time", "action", "actor", "package", "note")
    ]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    parts = []
    for number, items in found.items():
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(c)}</td>"
                for c in (
                    str(e.seq),
                    e.when.astimezone().strftime("%Y-%m-%d %H:%M"),
                    _action(e.action),
                    e.actor.name if e.actor else "-",
                    e.package or "-",
                    _note(e),
                )
            )
            + "</tr>"
            for e in items
        )
        title = t("audit.report.timeline_of", number=number)
        parts.append(f"<h3>{html.escape(title)}</h3><table><tr>{head}</tr>{rows}</table>")
    return "".join(parts)

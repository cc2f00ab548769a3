"""The report's section on the re-identification risk of the data that was scored.

The figures come from the package's signed manifest (``package.GroupRisk``, measured when
it was sealed): per group the scoring key reads, the share of rows unique on its
quasi-identifiers and the smallest equivalence class. Aggregates only.
"""

from __future__ import annotations

from collections.abc import Mapping

from secure_exchange.i18n import has_message, t
from secure_exchange.package import GroupRisk
from secure_exchange.reports.svg import escape

__all__ = ["risk_section"]


def _column(name: str) -> str:
    key = f"report.risk.column.{name}"
    return t(key) if has_message(key) else name


def _group(name: str) -> str:
    key = f"report.risk.group.{name}"
    return t(key) if has_message(key) else name


def _percent(share: float) -> str:
    """One decimal, two below 0.1% so that a few unique rows do not show as none."""
    return f"{share * 100:.2f}%" if 0 < share < 0.001 else f"{share * 100:.1f}%"


def risk_section(risk: Mapping[str, GroupRisk]) -> str:
    """The HTML section (empty when there is nothing to show)."""
    if not risk:
        return ""
    keys = ("group", "columns", "rows", "unique", "smallest")
    head = "".join(
        f"<th{' class=num' if i > 1 else ''}>{escape(t('report.risk.' + k))}</th>"
        for i, k in enumerate(keys)
    )
    rows = []
    for name, record in sorted(risk.items()):
        cells = [
            _group(name),
            t("report.risk.separator").join(_column(c) for c in record.quasi_identifiers),
            f"{record.rows:,}",
            _percent(record.unique_share),
            f"{record.smallest_class:,}",
        ]
        rows.append(
            "<tr>"
            + "".join(
                f"<td{' class=num' if i > 1 else ''}>{escape(c)}</td>" for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    note = f'<p class="note">{escape(t("report.risk.note"))}</p>'
    return f"<section><h2>{escape(t('report.risk.title'))}</h2>{note}{table}</section>"

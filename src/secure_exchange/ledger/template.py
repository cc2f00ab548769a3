"""The blank ledger template (.xlsx): headers, drop-down lists, text-formatted ID columns.

Sheets ``居民``, ``评议`` and ``评议小组`` (the panel roster, revision 2) keep their Chinese
names in every language (the format accepts them everywhere); the headers and the
instructions sheet ``说明`` follow the language.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scoring.policy import load_policy
from secure_exchange.fsio import replacing
from secure_exchange.i18n import current_language, t
from secure_exchange.ledger.rules import LEVELS, SUBJECT_TYPES
from secure_exchange.ledger.schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    PANEL,
    PANEL_ROLES,
    RESIDENTS,
    PolicyItemLike,
    PolicyLike,
)

__all__ = ["INSTRUCTIONS_SHEET", "TEMPLATE_ROWS", "write_template"]

INSTRUCTIONS_SHEET = "说明"
TEMPLATE_ROWS = 10000
"""Rows (after the header) covered by the drop-down lists."""

_TEXT_COLUMNS = ("id_number", "phone", "household_id")
_BOOLEANS = ("full_civil_capacity", "fixed_residence", "fixed_income", "major_bad_credit")


def write_template(path: Path, policy: PolicyLike | None = None) -> Path:
    """Write the blank ledger template for ``policy`` (default: the built-in policy).

    Returns:
        The path written.
    """
    policy = load_policy() if policy is None else policy
    book = Workbook()
    residents = book.active
    residents.title = RESIDENTS
    _headers(residents, RESIDENTS)
    _resident_rules(residents)
    evaluations = book.create_sheet(EVALUATIONS)
    _headers(evaluations, EVALUATIONS)
    _evaluation_rules(evaluations, policy)
    panel = book.create_sheet(PANEL)
    _headers(panel, PANEL)
    _list_rule(panel, PANEL_ROLES, _letter(PANEL, "role"))
    panel.column_dimensions[_letter(PANEL, "panel_date")].number_format = "yyyy-mm-dd"
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET), policy)
    path = Path(path)
    with replacing(path) as handle:
        book.save(handle)
    return path


def _letter(sheet: str, column: str) -> str:
    return str(get_column_letter(list(LEDGER_COLUMNS[sheet]).index(column) + 1))


def _headers(ws: Worksheet, sheet: str) -> None:
    chinese = current_language() == "zh"
    for index, spec in enumerate(LEDGER_COLUMNS[sheet].values(), start=1):
        cell = ws.cell(row=1, column=index, value=spec.header_zh if chinese else spec.name)
        cell.font = Font(bold=True)
        width = max(12, 2 * len(spec.header_zh) + 4, len(spec.name) + 4)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def _list_rule(ws: Worksheet, values: tuple[str, ...], letter: str) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(rule)


def _as_text(ws: Worksheet, sheet: str, column: str) -> None:
    ws.column_dimensions[_letter(sheet, column)].number_format = "@"


def _resident_rules(ws: Worksheet) -> None:
    for column in _TEXT_COLUMNS:
        _as_text(ws, RESIDENTS, column)
    _list_rule(ws, SUBJECT_TYPES, _letter(RESIDENTS, "subject_type"))
    for column in _BOOLEANS:
        _list_rule(ws, ("是", "否"), _letter(RESIDENTS, column))


def _evaluation_rules(ws: Worksheet, policy: PolicyLike) -> None:
    _as_text(ws, EVALUATIONS, "id_number")
    _list_rule(ws, tuple(policy.codes), _letter(EVALUATIONS, "code"))
    _list_rule(ws, LEVELS, _letter(EVALUATIONS, "level"))
    letter = _letter(EVALUATIONS, "points")
    low, high = _panel_range(policy)
    points = DataValidation(
        type="whole", operator="between", formula1=str(low), formula2=str(high), allow_blank=True
    )
    points.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(points)
    date_column = _letter(EVALUATIONS, "panel_date")
    ws.column_dimensions[date_column].number_format = "yyyy-mm-dd"


def _panel_range(policy: PolicyLike) -> tuple[int, int]:
    """The widest points range of the policy's panel items (1-50 in jinxiang-2022)."""
    ranges = [
        item.points_range
        for code in policy.codes
        if (item := policy.item(code)) is not None and item.points_range is not None
    ]
    if not ranges:
        return 1, 50
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _instructions(ws: Worksheet, policy: PolicyLike) -> None:
    lines = [
        t("ledger.template.title"),
        t("ledger.template.intro"),
        t("ledger.template.rule_id"),
        t("ledger.template.rule_bool"),
        t("ledger.template.rule_phone"),
        t("ledger.template.rule_eval"),
        t("ledger.template.policy", policy=policy.id),
        "",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    heading = [
        t("ledger.template.col_code"),
        t("ledger.template.col_item"),
        t("ledger.template.col_kind"),
        t("ledger.template.col_points"),
    ]
    ws.append(heading)
    for cell in ws[len(lines) + 1]:
        cell.font = Font(bold=True)
    for code in policy.codes:
        item = policy.item(code)
        if item is not None:
            kind = t(f"ledger.template.kind.{item.kind}")
            ws.append([code, _item_name(item), kind, _points_text(item)])
    for letter, width in (("A", 12), ("B", 70), ("C", 16), ("D", 40)):
        ws.column_dimensions[letter].width = width


def _item_name(item: PolicyItemLike) -> str:
    name = getattr(item, "name", "")
    return name if isinstance(name, str) else ""


def _points_text(item: PolicyItemLike) -> str:
    sign = "-" if item.sign < 0 else "+"
    if item.kind == "levelled":
        return "、".join(f"{level} {sign}{points}" for level, points in item.levels.items())
    if item.kind == "panel" and item.points_range is not None:
        low, high = item.points_range
        return t("ledger.template.points.panel", low=f"{sign}{low}", high=f"{sign}{high}")
    if item.kind == "veto":
        return t("ledger.template.points.veto")
    return f"{sign}{item.points}"

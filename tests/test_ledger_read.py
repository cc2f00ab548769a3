"""Intake of ledger containers: encodings, headers, blank rows, xlsx cells, Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_exchange.errors import LedgerError
from secure_exchange.i18n import set_language
from secure_exchange.ledger import Ledger, read_ledger
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
)

ENGLISH_RES = [
    "id_number",
    "name",
    "community",
    "subject_type",
    "full_civil_capacity",
    "fixed_residence",
    "fixed_income",
    "major_bad_credit",
    "phone",
]


@pytest.fixture(autouse=True)
def _english() -> object:
    set_language("en")
    yield
    set_language(None)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "".join(",".join(r) + "\r\n" for r in [header, *rows])


def write_folder(
    folder: Path, res: str, evals: str, encoding: str = "utf-8", bom: bool = False
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = b"\xef\xbb\xbf" if bom else b""
    (folder / "residents.csv").write_bytes(prefix + res.encode(encoding))
    (folder / "evaluations.csv").write_bytes(prefix + evals.encode(encoding))
    return folder


def read(path: Path, **kwargs: object) -> Ledger:
    return read_ledger(path, as_of=AS_OF, policy=POLICY, **kwargs)  # type: ignore[arg-type]


RES = csv_text(RES_HEADER, [resident(), resident(ID_B)])
EVALS = csv_text(EVAL_HEADER, [evaluation(), evaluation(ID_B, "B1", "市级")])


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False), ("gbk", False)]
)
def test_encodings_give_the_same_tables(tmp_path: Path, encoding: str, bom: bool) -> None:
    reference = read(write_folder(tmp_path / "ref", RES, EVALS))
    ledger = read(write_folder(tmp_path / "x", RES, EVALS, encoding, bom))
    assert ledger.report.ok
    assert ledger.residents.equals(reference.residents)
    assert ledger.evaluations.equals(reference.evaluations)
    assert ledger.residents.column("name").to_pylist() == ["测试甲", "测试甲"]


def test_neither_utf8_nor_gb18030_is_an_error_naming_the_file(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "x", RES, EVALS)
    (folder / "residents.csv").write_bytes(RES.encode("utf-8") + b"\xff\xfe\x80,\xff\r\n")
    report = read(folder).report
    assert codes(report)[0] == ("居民", None, None, "ledger.encoding.unknown")
    assert "residents.csv" in report.errors[0].message()


def test_gbk_with_ascii_header_detected(tmp_path: Path) -> None:
    res = csv_text(ENGLISH_RES, [resident(ID_A, 姓名="张三")])
    ledger = read(write_folder(tmp_path / "x", res, csv_text(EVAL_HEADER, []), "gb18030"))
    assert ledger.report.ok
    assert ledger.residents.column("name").to_pylist() == ["张三"]


def test_english_headers_whitespace_and_aliases(tmp_path: Path) -> None:
    header = [f"\u3000{h} " for h in ENGLISH_RES]
    header[2] = " 社区/村庄"
    ledger = read(
        write_folder(tmp_path / "x", csv_text(header, [resident()]), csv_text(EVAL_HEADER, []))
    )
    assert ledger.report.ok
    assert ledger.residents.column("community").to_pylist() == ["春秋社区"]


@pytest.mark.parametrize("alias", ["社区", "村庄", "社区/村庄", "所属社区", "community"])
def test_community_aliases(tmp_path: Path, alias: str) -> None:
    header = [alias if h == "所属社区" else h for h in RES_HEADER]
    ledger = read(write_folder(tmp_path / "x", csv_text(header, [resident()]), EVALS[:30]))
    assert "community" not in [f.where.column for f in ledger.report.errors]


def test_cells_trimmed_including_full_width_spaces(tmp_path: Path) -> None:
    res = csv_text(
        RES_HEADER, [resident(f" {ID_A}\u3000", 姓名="\u3000测试甲 ", 固定住所=" 是\u3000")]
    )
    ledger = read(write_folder(tmp_path / "x", res, csv_text(EVAL_HEADER, [])))
    assert ledger.report.ok
    assert ledger.residents.column("name").to_pylist() == ["测试甲"]


def test_unknown_column_is_an_error_by_default(tmp_path: Path) -> None:
    res = csv_text([*RES_HEADER, "病史"], [[*resident(), "无"]])
    ledger = read(write_folder(tmp_path / "x", res, csv_text(EVAL_HEADER, [])))
    assert codes(ledger.report) == [("居民", 1, "病史", "ledger.header.unknown")]
    assert "病史" in ledger.report.errors[0].message()


def test_drop_unknown_columns_reports_a_warning(tmp_path: Path) -> None:
    res = csv_text([*RES_HEADER, "病史", "宗教"], [[*resident(), "无", "无"]])
    ledger = read(write_folder(tmp_path / "x", res, csv_text(EVAL_HEADER, [])), drop_unknown=True)
    assert ledger.report.ok
    assert ledger.dropped_columns == ("病史", "宗教")
    assert [(w.where.sheet, w.key) for w in ledger.report.warnings] == [
        ("居民", "ledger.header.dropped")
    ]
    assert "病史" in ledger.report.warnings[0].message()
    assert "病史" not in ledger.residents.schema.names


def test_empty_trailing_rows_ignored(tmp_path: Path) -> None:
    res = RES + ",,,,,,,,\r\n" + " , ,,,,,,,\r\n\r\n\r\n"
    ledger = read(write_folder(tmp_path / "x", res, EVALS + ",,,,,\r\n"))
    assert ledger.report.ok
    assert ledger.residents.num_rows == 2
    assert ledger.evaluations.num_rows == 2


def test_inner_blank_row_skipped_with_warning_and_rows_kept(tmp_path: Path) -> None:
    res = csv_text(RES_HEADER, [resident(), ["" for _ in RES_HEADER], resident(ID_B, 固定住所="x")])
    ledger = read(write_folder(tmp_path / "x", res, csv_text(EVAL_HEADER, [])))
    assert [(w.where.row, w.key) for w in ledger.report.warnings] == [(3, "ledger.row.blank")]
    assert codes(ledger.report) == [("居民", 4, "fixed_residence", "ledger.value.boolean")]
    assert ledger.residents.column("source_row").to_pylist() == [2, 4]


def test_quoted_line_break_keeps_row_numbers(tmp_path: Path) -> None:
    header = [*RES_HEADER, "家庭住址"]
    text = csv_text(
        header, [[*resident(), '"金乡县\n春秋社区"'], [*resident(ID_B, 固定住所="x"), "x"]]
    )
    ledger = read(write_folder(tmp_path / "x", text, csv_text(EVAL_HEADER, [])))
    assert ledger.residents.column("address").to_pylist() == ["金乡县\n春秋社区", "x"]
    assert codes(ledger.report) == [("居民", 3, "fixed_residence", "ledger.value.boolean")]


def test_row_with_extra_cells_reported(tmp_path: Path) -> None:
    text = csv_text(RES_HEADER, [resident(), [*resident(ID_B), "extra"], resident(ID_A[:-1])])
    report = read(write_folder(tmp_path / "x", text, csv_text(EVAL_HEADER, []))).report
    assert ("居民", 3, None, "ledger.csv.field_count") in codes(report)
    assert ("居民", 4, "id_number", "ledger.id.format") in codes(report)


def test_missing_file_in_folder(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "x", RES, EVALS)
    (folder / "evaluations.csv").unlink()
    assert codes(read(folder).report) == [("评议", None, None, "ledger.file.missing")]


def test_not_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="not found"):
        read(tmp_path / "absent.xlsx")
    (tmp_path / "ledger.txt").write_text("x")
    with pytest.raises(LedgerError, match="not a ledger"):
        read(tmp_path / "ledger.txt")


def test_parquet_folder(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    folder.mkdir()
    res = [resident(), resident(ID_B)]
    pq.write_table(
        pa.table({h: [r[i] for r in res] for i, h in enumerate(RES_HEADER)}),
        folder / "residents.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "身份证号": [ID_A],
                "项目代码": ["B9"],
                "分值": [12],
                "评议日期": pa.array([dt.date(2022, 6, 28)]),
            }
        ),
        folder / "evaluations.parquet",
    )
    ledger = read(folder)
    assert ledger.report.ok, ledger.report.errors
    assert ledger.evaluations.column("points").to_pylist() == [12]
    assert ledger.evaluations.column("panel_date").to_pylist() == [dt.date(2022, 6, 28)]


# --- xlsx -----------------------------------------------------------------------------------


def write_xlsx(
    path: Path,
    residents: list[list[object]],
    evaluations: list[list[object]],
    names: tuple[str, str] = ("居民", "评议"),
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = names[0]
    for row in [RES_HEADER, *residents]:
        sheet.append(row)
    sheet = book.create_sheet(names[1])
    for row in [EVAL_HEADER, *evaluations]:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_numeric_id_cell_reported_not_repaired(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "l.xlsx",
        [resident(), [1.1010519491231e17, *resident(ID_B)[1:]], [int(ID_B), *resident(ID_B)[1:]]],
        [evaluation(), [float(ID_A), "B5.1", None, None, None, "2022-06-28"]],
    )
    ledger = read(path)
    assert codes(ledger.report) == [
        ("居民", 3, "id_number", "ledger.id.numeric"),
        ("居民", 4, "id_number", "ledger.id.numeric"),
        ("评议", 3, "id_number", "ledger.id.numeric"),
    ]
    assert ledger.residents.column("id_number").to_pylist() == [ID_A, None, None]
    assert "110105" not in ledger.report.errors[0].message()


def test_xlsx_date_cells_and_numbers_as_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "l.xlsx",
        [resident()],
        [
            [ID_A, "B9", None, 15, "x", dt.datetime(2022, 6, 28)],
            [ID_A, "D12", None, 7.0, None, dt.date(2022, 6, 29)],
        ],
    )
    ledger = read(path)
    assert ledger.report.ok, ledger.report.errors
    assert ledger.evaluations.column("points").to_pylist() == [15, 7]
    assert ledger.evaluations.column("panel_date").to_pylist() == [
        dt.date(2022, 6, 28),
        dt.date(2022, 6, 29),
    ]


def test_xlsx_english_sheet_names_and_trailing_empty_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "l.xlsx",
        [resident(), [None] * 9, [" "] * 9],
        [evaluation()],
        names=("residents", "evaluations"),
    )
    ledger = read(path)
    assert ledger.report.ok
    assert ledger.residents.num_rows == 1


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", [resident()], [], names=("居民", "其他"))
    assert codes(read(path).report) == [("评议", None, None, "ledger.sheet.missing")]


def test_xlsx_broken_file(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LedgerError, match=r"Cannot open the workbook broken\.xlsx"):
        read(tmp_path / "broken.xlsx")


def test_progress_reports_rows(tmp_path: Path) -> None:
    seen: list[int] = []
    read(write_folder(tmp_path / "x", RES, EVALS), progress=seen.append)
    assert seen == [2, 2]

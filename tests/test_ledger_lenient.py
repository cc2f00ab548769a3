"""The ledger check takes people's files as they are and reports a cause once: header and
file-name aliases, looser dates, Excel's scientific-notation IDs in a CSV, .xls/.et, an
empty ledger, no phone numbers, the row counts on success."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from secure_exchange.cli import build_cli
from secure_exchange.errors import LedgerError
from secure_exchange.i18n import set_language
from secure_exchange.ledger import read_ledger
from tests.support import (
    EVAL_HEADER,
    ID_A,
    ID_B,
    RES_HEADER,
    codes,
    evaluation,
    resident,
    shared_path,
    write_ledger,
)

AS_OF = dt.date(2022, 7, 1)


def _sample(tmp_path: Path, encoding: str = "utf8") -> Path:
    target = tmp_path / "ledger"
    shutil.copytree(shared_path("samples", f"ledger-sample-{encoding}"), target)
    return target


def _rewrite(path: Path, edit: object, encoding: str = "utf-8-sig") -> None:
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows)  # type: ignore[operator]
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


def _check(*args: str, lang: str = "zh") -> tuple[int, str]:
    set_language(lang)
    try:
        result = CliRunner().invoke(build_cli(), ["ledger", "check", *args])
    finally:
        set_language(None)
    return result.exit_code, result.output


def test_missing_id_header_is_reported_once_without_a_flood(tmp_path: Path) -> None:
    ledger = _sample(tmp_path)
    _rewrite(ledger / "residents.csv", lambda rows: rows[0].__setitem__(0, "证件号"))
    report = read_ledger(ledger, as_of=AS_OF).report
    keys = [f.key for f in report.errors]
    assert keys.count("ledger.header.missing") == 1
    assert "ledger.eval.orphan" not in keys
    assert len(report.errors) <= 2  # the missing column, and the unknown one beside it


def test_missing_residents_file_is_reported_once(tmp_path: Path) -> None:
    ledger = _sample(tmp_path)
    (ledger / "residents.csv").unlink()
    report = read_ledger(ledger, as_of=AS_OF).report
    assert codes(report) == [("居民", None, None, "ledger.file.missing")]
    assert "居民.csv" in report.errors[0].message()


def test_chinese_file_names_and_id_header_alias(tmp_path: Path) -> None:
    ledger = _sample(tmp_path)
    (ledger / "residents.csv").rename(ledger / "居民.csv")
    (ledger / "evaluations.csv").rename(ledger / "评议.csv")
    for name in ("居民.csv", "评议.csv"):
        _rewrite(ledger / name, lambda rows: rows[0].__setitem__(0, "身份证号码"))
    found = read_ledger(ledger, as_of=AS_OF)
    assert found.report.ok, found.report.errors
    assert found.residents.num_rows == 24
    assert found.evaluations.num_rows == 34


@pytest.mark.parametrize(
    "header",
    [
        "身份证号码",
        "公民身份号码",
        " 身份证号码 ",
        "ID_NUMBER",
        "身份证号*",
        "身份证 号码",
        "身份证号（18位）",
        "身份证号码(必填)*",
        "手机号码",
        "备注",
    ],
)
def test_header_aliases(tmp_path: Path, header: str) -> None:
    res_header, eval_header = list(RES_HEADER), list(EVAL_HEADER)
    if header == "手机号码":
        res_header[RES_HEADER.index("联系电话")] = header
    elif header == "备注":
        eval_header[EVAL_HEADER.index("说明")] = header
    else:
        res_header[0] = eval_header[0] = header
    folder = write_ledger(tmp_path / "l", [resident()], [evaluation()], res_header, eval_header)
    assert read_ledger(folder, as_of=AS_OF).report.ok


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2022年6月28日", dt.date(2022, 6, 28)),
        ("2022年06月08日", dt.date(2022, 6, 8)),
        ("2022.6.28", dt.date(2022, 6, 28)),
        ("2022.06.28", dt.date(2022, 6, 28)),
        ("2022-6-28", dt.date(2022, 6, 28)),
        ("2022 年 6 月 28 日", dt.date(2022, 6, 28)),
        ("2022/06/28", dt.date(2022, 6, 28)),
    ],
)
def test_panel_dates_as_people_type_them(tmp_path: Path, text: str, day: dt.date) -> None:
    folder = write_ledger(tmp_path / "l", [resident()], [evaluation(panel_date=text)])
    found = read_ledger(folder, as_of=AS_OF)
    assert found.report.ok, [f.message() for f in found.report.errors]
    assert found.evaluations.column("panel_date").to_pylist() == [day]


@pytest.mark.parametrize("text", ["2022年2月30日", "2022.13.1", "22.6.28", "2022年6月", "六月"])
def test_impossible_or_partial_dates_stay_errors(tmp_path: Path, text: str) -> None:
    folder = write_ledger(tmp_path / "l", [resident()], [evaluation(panel_date=text)])
    report = read_ledger(folder, as_of=AS_OF).report
    assert codes(report) == [("评议", 2, "panel_date", "ledger.value.date")]


def test_csv_ids_in_scientific_notation_get_the_excel_message(tmp_path: Path) -> None:
    folder = write_ledger(
        tmp_path / "l",
        [resident(), resident("3.70828E+17"), resident("3.70828e17")],
        [evaluation(), evaluation("3.70828E+17")],
    )
    report = read_ledger(folder, as_of=AS_OF).report
    assert codes(report) == [
        ("居民", 3, "id_number", "ledger.id.numeric"),
        ("居民", 4, "id_number", "ledger.id.numeric"),
        ("评议", 3, "id_number", "ledger.id.numeric"),
    ]
    set_language("zh")
    assert "身份证号被 Excel 存成了数字" in report.errors[0].message()


def test_gb18030_sample_saved_by_excel_with_scientific_ids(tmp_path: Path) -> None:
    ledger = _sample(tmp_path, "gb18030")

    def excel(rows: list[list[str]]) -> None:
        rows[1][0] = "3.70828E+17"

    _rewrite(ledger / "residents.csv", excel, encoding="gb18030")
    code, out = _check(str(ledger), "--as-of", "2022-07-01")
    assert code == 1
    assert "第 2 行 · 身份证号：身份证号被 Excel 存成了数字" in out
    assert "内部错误" not in out


@pytest.mark.parametrize("suffix", [".xls", ".et", ".XLS"])
def test_old_formats_are_told_to_save_as_xlsx(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"台账{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(LedgerError, match=r"save it as \.xlsx"):
        read_ledger(path)
    code, out = _check(str(path))
    assert code == 1
    assert "在 Excel 或 WPS 中打开，另存为 .xlsx" in out


def test_empty_ledger_is_an_error(tmp_path: Path) -> None:
    folder = write_ledger(tmp_path / "l", [], [])
    report = read_ledger(folder, as_of=AS_OF).report
    assert codes(report) == [("居民", None, None, "ledger.empty")]


def test_ledger_without_any_phone_is_a_warning(tmp_path: Path) -> None:
    folder = write_ledger(
        tmp_path / "l", [resident(联系电话=""), resident(ID_B, 联系电话="")], [evaluation()]
    )
    report = read_ledger(folder, as_of=AS_OF).report
    assert report.ok
    # (without a 评议小组 roster its evaluation also gets the revision-2 roster warning)
    assert [w.key for w in report.warnings] == ["ledger.phone.none", "ledger.panel.absent"]
    with_one = write_ledger(tmp_path / "m", [resident(), resident(ID_B, 联系电话="")], [])
    assert read_ledger(with_one, as_of=AS_OF).report.warnings == ()


def test_success_prints_the_row_counts(tmp_path: Path) -> None:
    code, out = _check(str(_sample(tmp_path)), "--as-of", "2022-07-01")
    assert code == 0
    assert "已读取：“居民”表 24 行，“评议”表 34 行。" in out
    code, out = _check(str(_sample(tmp_path / "en")), "--as-of", "2022-07-01", lang="en")
    assert "Read: 24 row(s) of residents, 34 row(s) of evaluations." in out


def test_xlsx_with_only_sheet1_names_the_missing_sheets_once(tmp_path: Path) -> None:

    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(RES_HEADER)
    book.active.append(resident(ID_A))
    book.save(tmp_path / "l.xlsx")
    report = read_ledger(tmp_path / "l.xlsx", as_of=AS_OF).report
    assert [f.key for f in report.errors] == ["ledger.sheet.missing", "ledger.sheet.missing"]


def test_an_unreadable_resident_id_does_not_flood_the_evaluations(tmp_path: Path) -> None:
    folder = write_ledger(
        tmp_path / "l",
        [resident(), resident("3.70828E+17")],
        [evaluation(), evaluation(ID_B)],
    )
    report = read_ledger(folder, as_of=AS_OF).report
    assert codes(report) == [("居民", 3, "id_number", "ledger.id.numeric")]

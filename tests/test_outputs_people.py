"""Outputs for people: xlsx in the reader's language (sheet, headers, outcomes, reasons in
words, rates as percentages, widths, frozen header), names in the community's results, CSV
and Parquet canonical; a rendered workbook (filtered in Excel or not) reads back canonical."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from scoring import load_policy, write_decisions
from secure_exchange.i18n import set_language
from secure_exchange.reports import read_output, reason_words, write_output
from secure_exchange.reports.people import render_rows
from tests.support import NUMBER, World, shared_path

ZH = {"SX_LANG": "zh_CN.UTF-8"}


def _decisions() -> pa.Table:
    return pa.table(
        {
            "subject": ["tok-a", "tok-b", "tok-c", "tok-d"],
            "community": ["真武社区", "春秋社区", "真武社区", "春秋社区"],
            "subject_type": ["农户", "农户", "个体工商户", "农户"],
            "status": ["approved", "declined", "ineligible", "vetoed"],
            "base_points": pa.array([30, 30, 0, 30], pa.int32()),
            "bonus_points": pa.array([40, 0, 0, 0], pa.int32()),
            "deduction_points": pa.array([0, 35, 0, 0], pa.int32()),
            "total_points": pa.array([70, -5, None, 30], pa.int32()),
            "credit_limit_yuan": pa.array([70_000, 0, 0, 0], pa.int64()),
            "rate_bp": pa.array([425, None, None, None], pa.int32()),
            "reasons": [
                "BASE+30; B1@市级+30; B5.1+10; LIMIT_CAP_农户",
                "BASE+30; D4-35",
                "E_AGE",
                "V2",
            ],
            "policy": ["jinxiang-2022@1"] * 4,
            "as_of": pa.array([date(2022, 7, 1)] * 4, pa.date32()),
        }
    )


def _sheet(path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(path).worksheets[0]


def test_xlsx_in_chinese(tmp_path: Path) -> None:
    set_language("zh")
    out = write_output(_decisions(), tmp_path / "授信结果.xlsx", "decisions")
    sheet = _sheet(out)
    assert sheet.title == "授信结果"
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["主体编号（假名）", "所属社区", "主体类型", "评定结果"]
    assert "年利率" in headers
    assert "授信额度（元）" in headers
    assert not any(h in headers for h in ("status", "rate_bp", "decisions"))
    column = {h: i + 1 for i, h in enumerate(headers)}
    outcomes = [sheet.cell(r, column["评定结果"]).value for r in range(2, 6)]
    assert outcomes == ["获得授信", "未获授信", "不符合条件", "一票否决"]
    rate = sheet.cell(2, column["年利率"])
    assert rate.value == pytest.approx(0.0425)
    assert rate.number_format == "0.00%"
    assert sheet.cell(2, column["授信额度（元）"]).number_format == "#,##0"
    reasons = sheet.cell(2, column["评分依据"]).value
    assert reasons.startswith("基础分 +30；B1 道德模范、金乡好人等荣誉（市级） +30；")
    assert "额度按“农户”上限封顶" in reasons
    assert sheet.cell(5, column["评分依据"]).value == "V2 非法上访等情形 一票否决"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}5"
    assert sheet.column_dimensions["A"].width >= 16
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(column["评分依据"])].width >= 40
    assert sheet.cell(1, 1).font.b


def test_xlsx_in_english(tmp_path: Path) -> None:
    set_language("en")
    sheet = _sheet(write_output(_decisions(), tmp_path / "d.xlsx", "decisions"))
    assert sheet.title == "Decisions"
    headers = [c.value for c in sheet[1]]
    assert headers[3] == "Outcome"
    assert sheet.cell(2, 4).value == "Approved"
    assert "Annual rate" in headers


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_stay_canonical(tmp_path: Path, suffix: str) -> None:
    set_language("zh")
    mine = write_output(_decisions(), tmp_path / f"a{suffix}", "decisions")
    plain = write_decisions(_decisions(), tmp_path / f"b{suffix}")
    assert mine.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rendered_workbook_reads_back_canonical(tmp_path: Path, lang: str) -> None:
    set_language(lang)
    out = write_output(_decisions(), tmp_path / "d.xlsx", "decisions")
    set_language("en" if lang == "zh" else "zh")  # read in the other language
    back = read_output(out)
    original = _decisions()
    for name in ("subject", "status", "credit_limit_yuan", "rate_bp", "reasons", "as_of"):
        assert back.column(name).to_pylist() == original.column(name).to_pylist(), name


def test_reasons_table_driven_and_unknown_codes_shown_as_they_are() -> None:
    set_language("zh")
    policy = load_policy()
    words = reason_words(
        "B2@市级→县级+30; B1@镇级+0; ADJ:RATE=450@PANEL; ADJ:LIMIT=80000; NEW_CODE_9; E_NEW",
        policy,
    )
    parts = words.split("；")
    assert parts[0].startswith("B2 ")
    assert parts[0].endswith("（市级→县级） +30")
    assert parts[1].endswith("（镇级） +0")
    assert parts[2] == "调整利率为 4.50%（评议小组）"
    assert parts[3] == "调整额度为 80,000"
    assert parts[4] == "NEW_CODE_9"
    assert parts[5] == "不符合条件 E_NEW"
    assert reason_words("", policy) == ""
    assert reason_words("B99+5", None) == "B99 +5"


def test_unknown_columns_are_kept_with_their_name() -> None:
    set_language("zh")
    table = _decisions().append_column("new_column", pa.array(["x"] * 4))
    headers, rows = render_rows(table, "decisions")
    assert "new_column" in headers
    assert rows[0][headers.index("new_column")] == "x"


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    set_language("zh")
    table = _decisions().set_column(1, "community", pa.array(["=HYPERLINK(1)"] * 4))
    sheet = _sheet(write_output(table, tmp_path / "d.xlsx", "decisions"))
    assert sheet.cell(2, 2).data_type == "s"
    assert sheet.cell(2, 2).value == "=HYPERLINK(1)"


# --- through the command line, in Chinese ---------------------------------------------------


@pytest.fixture(scope="module")
def scored(world: World) -> tuple[Path, Path]:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    sealed = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(package))
    out = world.root / "授信结果.xlsx"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(out), env=ZH)
    return package, out


def test_bank_decisions_xlsx_is_for_people(scored: tuple[Path, Path]) -> None:
    sheet = _sheet(scored[1])
    assert sheet.title == "授信结果"
    outcomes = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert outcomes <= {"获得授信", "未获授信", "不符合条件", "一票否决"}
    assert "获得授信" in outcomes


def test_reidentify_from_a_workbook_filtered_and_resaved(
    world: World, scored: tuple[Path, Path]
) -> None:
    book = openpyxl.load_workbook(scored[1])
    sheet = book.worksheets[0]
    sheet.title = "Sheet1"  # saved again by another program
    approved = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value == "获得授信"]
    for row in reversed(range(2, sheet.max_row + 1)):
        if row not in approved[:3]:
            sheet.delete_rows(row)
    filtered = world.root / "筛选.xlsx"
    book.save(filtered)
    calls = world.root / "告知名单.xlsx"
    world.sx(
        world.bank,
        "reidentify",
        str(filtered),
        "--package",
        str(scored[0]),
        "--reason",
        "notify",
        "--out",
        str(calls),
        env=ZH,
    )
    call_sheet = _sheet(calls)
    assert call_sheet.title == "告知名单"
    headers = [c.value for c in call_sheet[1]]
    assert headers[:4] == ["主体编号（假名）", "姓名", "联系电话", "所属社区"]
    assert call_sheet.max_row == 4  # the three rows kept, nothing more
    assert call_sheet.cell(2, headers.index("年利率") + 1).number_format == "0.00%"


def test_community_results_carry_names(world: World, scored: tuple[Path, Path]) -> None:
    back = world.root / "stick-back"
    back.mkdir(exist_ok=True)
    sealed = world.sx(
        world.bank, "seal", str(scored[1]), "--agreement", NUMBER, "--out", str(back), env=ZH
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.community, "import", str(package))
    ledger = str(shared_path("samples", "ledger-sample-utf8"))
    for name in ("结果.xlsx", "results.csv"):
        world.sx(
            world.community,
            "results",
            str(package),
            "--ledger",
            ledger,
            "--out",
            str(world.root / name),
            env=ZH,
        )
    sheet = _sheet(world.root / "结果.xlsx")
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["身份证号（隐去中间）", "姓名", "台账行号"]
    residents = csv.DictReader(
        shared_path("samples", "ledger-sample-utf8", "residents.csv").open(encoding="utf-8-sig")
    )
    by_row = {str(i): r["姓名"] for i, r in enumerate(residents, start=2)}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        assert row[1] == by_row[str(row[2])]
    with (world.root / "results.csv").open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["subject", "source_row", "community"]
    assert "name" not in header


def test_community_preview_carries_names(world: World) -> None:
    out = world.root / "预览.xlsx"
    ledger = str(shared_path("samples", "ledger-sample-utf8"))
    world.sx(world.community, "score", ledger, "--as-of", "2022-07-01", "--out", str(out), env=ZH)
    sheet = _sheet(out)
    assert sheet.title == "授信预览"
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["身份证号（隐去中间）", "姓名"]
    assert "台账行号" in headers
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(names)
    assert len(names) == 24

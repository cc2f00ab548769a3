"""The xlsx template: headers, drop-downs, text columns, instructions; reads back valid."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from secure_exchange.i18n import set_language
from secure_exchange.ledger import LEDGER_COLUMNS, read_ledger, write_template


def _validations(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, tuple[str, str]]:
    return {
        str(dv.sqref).split(":")[0][0]: (dv.type, dv.formula1)
        for dv in sheet.data_validations.dataValidation
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_reads_back_as_a_valid_empty_ledger(tmp_path: Path, lang: str) -> None:
    set_language(lang)
    path = write_template(tmp_path / "template.xlsx")
    ledger = read_ledger(path)
    # Its only finding: it holds no resident yet (an empty ledger is an error, issue 15).
    assert [(f.key, f.where.row) for f in ledger.report.errors] == [("ledger.empty", None)]
    assert ledger.report.warnings == ()
    assert ledger.residents.num_rows == 0
    assert ledger.evaluations.num_rows == 0


@pytest.mark.parametrize(("lang", "attr"), [("zh", "header_zh"), ("en", "name")])
def test_template_headers_and_sheet_names(tmp_path: Path, lang: str, attr: str) -> None:
    set_language(lang)
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert book.sheetnames == ["居民", "评议", "评议小组", "说明"]
    for sheet in ("居民", "评议", "评议小组"):
        headers = [c.value for c in book[sheet][1]]
        assert headers == [getattr(s, attr) for s in LEDGER_COLUMNS[sheet].values()]


def test_template_validations_and_text_columns(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    residents, evaluations = book["居民"], book["评议"]
    assert residents.column_dimensions["A"].number_format == "@"
    assert residents.column_dimensions["I"].number_format == "@"
    assert evaluations.column_dimensions["A"].number_format == "@"
    rules = _validations(residents)
    assert rules["D"] == ("list", '"农户,新型农业经营主体,个体工商户"')
    for letter in "EFGH":
        assert rules[letter] == ("list", '"是,否"')
    rules = _validations(evaluations)
    assert rules["B"][0] == "list"
    assert "B5.1" in rules["B"][1]
    assert "V7" in rules["B"][1]
    assert rules["C"] == ("list", '"村级,镇级,县级,市级,省级,国家级"')
    assert rules["D"] == ("whole", "1")
    panel = book["评议小组"]
    assert _validations(panel)["D"] == (
        "list",
        '"支书/主任,妇女主席,红白理事会会长,党员,乡贤,农商银行人员,其他"',
    )
    assert panel.column_dimensions["B"].number_format == "yyyy-mm-dd"


def test_template_instructions_list_annex2_items(tmp_path: Path) -> None:
    set_language("zh")
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    rows = {r[0]: r for r in book["说明"].iter_rows(values_only=True) if r[0]}
    assert rows["B1"][1] == "加分项1 道德模范、金乡好人等荣誉"
    assert rows["B1"][3] == "县级 +20、市级 +30、省级 +40、国家级 +50"
    assert rows["D5"][3] == "-20"
    assert "1" in rows["D12"][3]
    assert "50" in rows["D12"][3]
    assert "D11" in rows
    assert "V7" in rows

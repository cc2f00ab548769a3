"""Public API of secure_exchange.ledger on the shared samples: tables, report, privacy."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange.errors import Problem, Where
from secure_exchange.i18n import set_language, t
from secure_exchange.ledger import (
    LEDGER_COLUMNS,
    CheckReport,
    Ledger,
    LedgerInvalidError,
    load_ledger,
    mask_id,
    read_ledger,
)
from tests.support import broken_copy, shared_path

AS_OF = date(2022, 7, 1)
SAMPLES = ("ledger-sample.xlsx", "ledger-sample-utf8", "ledger-sample-gb18030")


def sample(name: str) -> Ledger:
    return read_ledger(shared_path("samples", name), as_of=AS_OF)


def test_mask_id() -> None:
    assert mask_id("37082819881213657X") == "370828********657X"
    assert mask_id("370828880621575") == "370828********1575"
    assert mask_id("12345") == "*****"
    assert mask_id("") == ""


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_are_valid(name: str) -> None:
    ledger = sample(name)
    assert ledger.report.ok, ledger.report.errors
    # the sample predates the 评议小组 roster: its 8 sittings are not on record
    assert [(w.key, dict(w.params)) for w in ledger.report.warnings] == [
        ("ledger.panel.absent", {"count": 8})
    ]
    assert (ledger.residents.num_rows, ledger.evaluations.num_rows) == (24, 34)
    assert ledger.dropped_columns == ()


def test_samples_give_identical_tables() -> None:
    xlsx, utf8, gb = (sample(n) for n in SAMPLES)
    assert xlsx.residents.equals(utf8.residents)
    assert utf8.residents.equals(gb.residents)
    assert xlsx.evaluations.equals(utf8.evaluations)
    assert utf8.evaluations.equals(gb.evaluations)


def test_residents_table_contract() -> None:
    residents = sample("ledger-sample-utf8").residents
    assert residents.schema.names == [
        "source_row",
        "id_number",
        "name",
        "community",
        "subject_type",
        "full_civil_capacity",
        "fixed_residence",
        "fixed_income",
        "major_bad_credit",
        "phone",
        "address",
        "household_id",
        "relation",
        "real_estate",
        "business_data",
        "birth_date",
        "sex",
    ]
    types = dict(zip(residents.schema.names, residents.schema.types, strict=True))
    assert types["source_row"] == pa.int32()
    assert types["birth_date"] == pa.date32()
    assert types["major_bad_credit"] == pa.bool_()
    assert types["phone"] == pa.string()
    first = residents.to_pylist()[6]
    assert first["source_row"] == 8
    assert first["id_number"] == "37082819881213657X"
    assert first["subject_type"] == "新型农业经营主体"
    assert first["birth_date"] == date(1988, 12, 13)
    assert first["sex"] == "M"
    assert residents.column("business_data").to_pylist()[0] is None


def test_evaluation_values_of_sample() -> None:
    rows = sample("ledger-sample.xlsx").evaluations.to_pylist()
    d12 = next(r for r in rows if r["code"] == "D12")
    assert d12 == {
        "source_row": 18,
        "id_number": "37082819820619012X",
        "code": "D12",
        "level": None,
        "points": 5,
        "note": None,
        "panel_date": date(2022, 6, 28),
    }


def test_ledger_columns_metadata() -> None:
    residents = LEDGER_COLUMNS["居民"]
    assert residents["id_number"].header_zh == "身份证号"
    assert residents["id_number"].category == "身份证号码"
    assert residents["phone"].required is False
    assert residents["name"].required is True
    assert "村庄" in residents["community"].aliases
    assert list(LEDGER_COLUMNS["评议"]) == [
        "id_number",
        "code",
        "level",
        "points",
        "note",
        "panel_date",
    ]


def test_defects_named_at_sheet_row_and_column(tmp_path: Path) -> None:
    report = read_ledger(broken_copy(tmp_path), as_of=AS_OF).report
    found = {(f.where.sheet, f.where.row, f.where.column, f.key) for f in report.errors}
    assert found >= {
        ("居民", 3, "id_number", "ledger.id.checksum"),
        ("居民", 5, "phone", "ledger.value.phone"),
        ("居民", 7, "name", "ledger.cell.empty"),
        ("居民", 11, "id_number", "ledger.id.duplicate"),
        ("居民", 12, "id_number", "ledger.id.duplicate"),
        ("评议", 5, "code", "ledger.eval.code_unknown"),
        ("评议", 9, "level", "ledger.eval.level_invalid"),
        ("评议", 22, "points", "ledger.eval.points_invalid"),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_full_id_name_or_phone_in_any_message(tmp_path: Path, lang: str) -> None:
    set_language(lang)
    folder = broken_copy(tmp_path)
    with (folder / "residents.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    secrets = {cell for row in rows for cell in (row[0], row[1], row[8]) if cell}
    secrets |= {row[0][:-1] for row in rows} | {row[9] for row in rows if row[9]}
    report = read_ledger(folder, as_of=AS_OF).report
    assert len(report.errors) >= 8
    text = "\n".join(f.message() for f in (*report.errors, *report.warnings))
    leaked = [s for s in secrets if s in text]
    assert leaked == []
    assert "370828********" in text


def test_messages_are_rendered_when_shown(tmp_path: Path) -> None:
    """A finding keeps its key and parameters; the message follows the reader's language."""
    set_language("en")
    report = read_ledger(broken_copy(tmp_path), as_of=AS_OF).report
    empty = next(f for f in report.errors if f.key == "ledger.cell.empty")
    assert (empty.where.sheet, empty.where.row, empty.where.column) == ("居民", 7, "name")
    assert "'name' is required" in empty.message()
    set_language("zh")
    assert "“姓名”是必填项" in empty.message()
    assert report.to_json()["errors"][0]["message"] == report.errors[0].message()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_json_shape(lang: str) -> None:
    finding = Problem("ledger.value.phone", {}, Where(sheet="居民", row=3, column="phone"))
    report = CheckReport(errors=(finding,), warnings=())
    assert not report.ok
    set_language(lang)
    assert report.to_json() == {
        "ok": False,
        "warnings": [],
        "errors": [
            {
                "sheet": "居民",
                "row": 3,
                "column": "phone",
                "code": "ledger.value.phone",
                "message": t("ledger.value.phone"),
                "level": "error",
            }
        ],
    }


def test_load_ledger_refuses_an_invalid_ledger(tmp_path: Path) -> None:
    with pytest.raises(LedgerInvalidError, match=r"\d+ error\(s\); run sx ledger check") as info:
        load_ledger(broken_copy(tmp_path), as_of=AS_OF)
    assert len(info.value.report.errors) >= 8


def test_load_ledger_returns_a_valid_ledger() -> None:
    ledger = load_ledger(shared_path("samples", "ledger-sample-gb18030"), as_of=AS_OF)
    assert ledger.report.ok
    assert ledger.source.name == "ledger-sample-gb18030"


def test_birth_date_checked_against_as_of() -> None:
    report = read_ledger(
        shared_path("samples", "ledger-sample-utf8"), as_of=date(2004, 1, 1)
    ).report
    assert {f.key for f in report.errors} == {"ledger.id.birth_future"}
    assert [f.where.row for f in report.errors] == [14, 17]

"""One test per rule of ledger-v1 (residents and evaluations), on small generated ledgers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from secure_exchange.errors import Problem
from secure_exchange.i18n import set_language
from secure_exchange.ledger import Ledger, read_ledger
from tests.support import (
    AS_OF,
    ID_A,
    ID_B,
    POLICY,
    RES_HEADER,
    check_char,
    codes,
    evaluation,
    make_id,
    resident,
    write_ledger,
)


def run(
    tmp_path: Path,
    residents: list[list[str]],
    evaluations: list[list[str]] | None = None,
    **kwargs: object,
) -> Ledger:
    folder = write_ledger(tmp_path / "ledger", residents, evaluations or [])
    return read_ledger(folder, as_of=AS_OF, policy=POLICY, **kwargs)  # type: ignore[arg-type]


def unpanelled(ledger: Ledger) -> list[Problem]:
    """The warnings but the roster's (these small ledgers have no 评议小组 sheet)."""
    return [w for w in ledger.report.warnings if not w.key.startswith("ledger.panel.")]


@pytest.fixture(autouse=True)
def _english() -> object:
    set_language("en")
    yield
    set_language(None)


# --- residents: ID numbers ------------------------------------------------------------------


def test_valid_minimal_ledger_is_ok(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation()])
    assert ledger.report.ok
    row = ledger.residents.to_pylist()[0]
    assert row["id_number"] == ID_A
    assert row["birth_date"] == date(1980, 6, 21)
    assert row["sex"] == "M"
    assert row["full_civil_capacity"] is True
    assert row["major_bad_credit"] is False


def test_id_check_character_wrong(tmp_path: Path) -> None:
    bad = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    ledger = run(tmp_path, [resident(bad)])
    assert codes(ledger.report) == [("居民", 2, "id_number", "ledger.id.checksum")]
    assert ID_A[:6] + "********" + bad[-4:] in ledger.report.errors[0].message()


@pytest.mark.parametrize(
    "bad",
    [
        "37082819800621575",
        "3708281980062157500",
        "370828A98006215759",
        "070828198006215759",
        "37082819800621575Y",
    ],
)
def test_id_structure(tmp_path: Path, bad: str) -> None:
    ledger = run(tmp_path, [resident(bad)])
    assert codes(ledger.report) == [("居民", 2, "id_number", "ledger.id.format")]


def test_id_lower_case_x_and_full_width_normalised_in_both_sheets(tmp_path: Path) -> None:
    with_x = next(
        make_id("19881213", f"{s:03d}")
        for s in range(1000)
        if make_id("19881213", f"{s:03d}").endswith("X")
    )
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_B)
    ledger = run(
        tmp_path,
        [resident(with_x.lower()), resident(full_width)],
        [evaluation(with_x.lower()), evaluation(full_width)],
    )
    assert ledger.report.ok, ledger.report.errors
    assert ledger.residents.column("id_number").to_pylist() == [with_x, ID_B]
    assert ledger.evaluations.column("id_number").to_pylist() == [with_x, ID_B]


def test_id_legacy_15_digits_converted_with_warning(tmp_path: Path) -> None:
    legacy = "370828800621575"  # 15 digits: area, YYMMDD, sequence
    converted = "37082819800621575" + check_char("37082819800621575")
    ledger = run(tmp_path, [resident(legacy)], [evaluation(legacy)])
    assert ledger.report.ok
    assert ledger.residents.column("id_number").to_pylist() == [converted]
    assert ledger.evaluations.column("id_number").to_pylist() == [converted]
    assert [(w.where.sheet, w.where.row, w.key) for w in unpanelled(ledger)] == [
        ("居民", 2, "ledger.id.legacy15"),
        ("评议", 2, "ledger.id.legacy15"),
    ]


def test_birth_date_must_exist(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(make_id("19810229")), resident(make_id("19801301"))])
    assert codes(ledger.report) == [
        ("居民", 2, "id_number", "ledger.id.birth_invalid"),
        ("居民", 3, "id_number", "ledger.id.birth_invalid"),
    ]


def test_birth_date_29_february_of_leap_year_exists(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(make_id("20000229"))])
    assert ledger.report.ok
    assert ledger.residents.column("birth_date").to_pylist() == [date(2000, 2, 29)]


def test_birth_date_after_as_of(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(make_id("20220702")), resident(make_id("20220701"))])
    assert codes(ledger.report) == [("居民", 2, "id_number", "ledger.id.birth_future")]


def test_duplicate_ids_report_both_rows(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(), resident(ID_B), resident()])
    assert codes(ledger.report) == [
        ("居民", 2, "id_number", "ledger.id.duplicate"),
        ("居民", 4, "id_number", "ledger.id.duplicate"),
    ]
    assert (
        "2, 4" in ledger.report.errors[0].message() or "2、4" in ledger.report.errors[0].message()
    )


def test_sex_from_digit_17(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(make_id(seq="124")), resident(ID_B)])
    assert ledger.residents.column("sex").to_pylist() == ["F", "F"]


# --- residents: other columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("Y", True),
        ("n", False),
        ("YES", True),
        ("no", False),
        ("True", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
    ],
)
def test_booleans_accepted(tmp_path: Path, text: str, value: bool) -> None:
    ledger = run(tmp_path, [resident(固定住所=text)])
    assert ledger.report.ok
    assert ledger.residents.column("fixed_residence").to_pylist() == [value]


def test_boolean_invalid(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(固定收入来源="maybe")])
    assert codes(ledger.report) == [("居民", 2, "fixed_income", "ledger.value.boolean")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("农户", "农户"),
        ("社区居民", "农户"),
        ("新型农业经营主体", "新型农业经营主体"),
        ("个体工商户", "个体工商户"),
    ],
)
def test_subject_types(tmp_path: Path, text: str, value: str) -> None:
    ledger = run(tmp_path, [resident(主体类型=text)])
    assert ledger.report.ok
    assert ledger.residents.column("subject_type").to_pylist() == [value]


def test_subject_type_invalid(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(主体类型="企业")])
    assert codes(ledger.report) == [("居民", 2, "subject_type", "ledger.value.subject_type")]


@pytest.mark.parametrize(
    "phone", ["13912345678", "0537-1234567", "05371234567", "010-12345678", ""]
)
def test_phone_accepted(tmp_path: Path, phone: str) -> None:
    assert run(tmp_path, [resident(联系电话=phone)]).report.ok


@pytest.mark.parametrize(
    "phone", ["12912345678", "1391234567", "537-7654321", "电话", "139123456789"]
)
def test_phone_invalid(tmp_path: Path, phone: str) -> None:
    ledger = run(tmp_path, [resident(联系电话=phone)])
    assert codes(ledger.report) == [("居民", 2, "phone", "ledger.value.phone")]
    assert phone not in ledger.report.errors[0].message()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        (" 0537 1234567", "05371234567"),
        ("0537-123 4567", "0537-1234567"),
        ("13912345678", "13912345678"),
    ],
)
def test_phone_separators_are_tidied(tmp_path: Path, typed: str, stored: str) -> None:
    ledger = run(tmp_path, [resident(联系电话=typed)])
    assert ledger.report.ok
    assert ledger.residents.column("phone").to_pylist() == [stored]


@pytest.mark.parametrize("phone", ["139 1234 567", "1-3912345678x", "0537--1234567"])
def test_phone_still_invalid_after_tidying(tmp_path: Path, phone: str) -> None:
    ledger = run(tmp_path, [resident(联系电话=phone)])
    assert codes(ledger.report) == [("居民", 2, "phone", "ledger.value.phone")]


def test_panel_date_after_as_of_is_a_warning(tmp_path: Path) -> None:
    ledger = run(
        tmp_path,
        [resident()],
        [evaluation(panel_date="2022-07-01"), evaluation(code="D4", panel_date="2202-06-28")],
    )
    assert ledger.report.ok
    assert [(f.where.row, f.where.column, f.key) for f in unpanelled(ledger)] == [
        (3, "panel_date", "ledger.eval.date_future")
    ]
    assert "2022-07-01" in unpanelled(ledger)[0].message()


def test_required_cells_empty(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident(姓名="", 所属社区="　")])
    assert codes(ledger.report) == [
        ("居民", 2, "name", "ledger.cell.empty"),
        ("居民", 2, "community", "ledger.cell.empty"),
    ]


def test_required_column_missing(tmp_path: Path) -> None:
    header = [h for h in RES_HEADER if h != "固定住所"]
    rows = [[c for h, c in zip(RES_HEADER, resident(), strict=True) if h != "固定住所"]]
    folder = write_ledger(tmp_path / "l", rows, [], res_header=header)
    report = read_ledger(folder, as_of=AS_OF, policy=POLICY).report  # type: ignore[arg-type]
    assert codes(report) == [("居民", None, "fixed_residence", "ledger.header.missing")]


def test_optional_columns_absent_are_null(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()])
    assert ledger.residents.column("address").to_pylist() == [None]
    assert ledger.residents.column("business_data").null_count == 1


def test_all_errors_collected_at_once(tmp_path: Path) -> None:
    ledger = run(
        tmp_path,
        [resident("123", 主体类型="x", 固定住所="x", 联系电话="x")],
        [evaluation(code="ZZ", panel_date="yesterday")],
    )
    assert [(f.where.sheet, f.where.column) for f in ledger.report.errors] == [
        ("居民", "id_number"),
        ("居民", "subject_type"),
        ("居民", "fixed_residence"),
        ("居民", "phone"),
        # no ("评议", "id_number"): naming no resident waits for the resident's ID (issue 15)
        ("评议", "code"),
        ("评议", "panel_date"),
    ]


# --- evaluations ----------------------------------------------------------------------------


def test_evaluation_names_no_resident(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(ID_B)])
    assert codes(ledger.report) == [("评议", 2, "id_number", "ledger.eval.unknown_resident")]
    assert ID_B not in ledger.report.errors[0].message()
    assert ID_B[:6] + "********" + ID_B[-4:] in ledger.report.errors[0].message()


def test_unknown_code(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(code="B99")])
    assert codes(ledger.report) == [("评议", 2, "code", "ledger.eval.code_unknown")]


def test_code_case_insensitive(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(code="b5.1")])
    assert ledger.report.ok
    assert ledger.evaluations.column("code").to_pylist() == ["B5.1"]


def test_levels_validated_against_policy(tmp_path: Path) -> None:
    ledger = run(
        tmp_path,
        [resident()],
        [
            evaluation(code="B1", level="市级"),
            evaluation(code="B1", level="村级"),  # below B1's table: a warning, 0 points
            evaluation(code="B1"),
            evaluation(code="B5.1", level="县级"),
            evaluation(code="B2", level="乡级"),
            evaluation(code="B2", level="街道级"),
            evaluation(code="B2", level="区级"),
            evaluation(code="B2", level="社区级"),  # 社区级 is 村级
            evaluation(code="B2", level="市级"),  # above B2's table: a warning, counts 县级
        ],
    )
    assert codes(ledger.report) == [
        ("评议", 4, "level", "ledger.eval.level_missing"),
        ("评议", 5, "level", "ledger.eval.level_unexpected"),
        ("评议", 8, "level", "ledger.eval.level_invalid"),
    ]
    warned = [(f.where.row, f.where.column, f.key) for f in ledger.report.warnings]
    assert (3, "level", "ledger.eval.level_below") in warned
    assert (10, "level", "ledger.eval.level_above") in warned
    assert ledger.evaluations.column("level").to_pylist() == [
        "市级",
        "村级",
        None,
        None,
        "镇级",
        "镇级",
        None,
        "村级",
        "市级",
    ]


def test_levels_outside_the_table_are_errors_when_the_policy_refuses_them(
    tmp_path: Path,
) -> None:
    strict = replace(POLICY, level_above="refuse", level_below="refuse")
    folder = write_ledger(
        tmp_path / "ledger",
        [resident()],
        [evaluation(code="B1", level="村级"), evaluation(code="B2", level="市级")],
    )
    report = read_ledger(folder, as_of=AS_OF, policy=strict).report  # type: ignore[arg-type]
    assert codes(report) == [
        ("评议", 2, "level", "ledger.eval.level_invalid"),
        ("评议", 3, "level", "ledger.eval.level_invalid"),
    ]


def test_points_only_for_panel_items_and_in_range(tmp_path: Path) -> None:
    ledger = run(
        tmp_path,
        [resident()],
        [
            evaluation(code="B9", points="15"),
            evaluation(code="D12", points="50"),
            evaluation(code="B9"),
            evaluation(code="D12", points="51"),
            evaluation(code="B9", points="0"),
            evaluation(code="B9", points="-5"),
            evaluation(code="B9", points="2.5"),
            evaluation(code="D4", points="10"),
        ],
    )
    assert codes(ledger.report) == [
        ("评议", 4, "points", "ledger.eval.points_missing"),
        ("评议", 5, "points", "ledger.eval.points_invalid"),
        ("评议", 6, "points", "ledger.eval.points_invalid"),
        ("评议", 7, "points", "ledger.eval.points_invalid"),
        ("评议", 8, "points", "ledger.eval.points_invalid"),
        ("评议", 9, "points", "ledger.eval.points_unexpected"),
    ]
    assert ledger.evaluations.column("points").to_pylist()[:3] == [15, 50, None]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2022-06-28", date(2022, 6, 28)),
        ("2022/6/8", date(2022, 6, 8)),
        ("2022/06/28", date(2022, 6, 28)),
        ("2022/12/8", date(2022, 12, 8)),
        ("2024/2/29", date(2024, 2, 29)),
    ],
)
def test_dates_accepted(tmp_path: Path, text: str, value: date) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(panel_date=text)])
    assert ledger.report.ok
    assert ledger.evaluations.column("panel_date").to_pylist() == [value]


@pytest.mark.parametrize(
    "text",
    # 2022-6-28 and 2022.06.28 are read since issue 15 (tests/test_ledger_lenient.py)
    ["28/06/2022", "2022-02-30", "2023/2/29", "20220628", "2022-13-01", "2022.6.31"],
)
def test_dates_rejected(tmp_path: Path, text: str) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(panel_date=text)])
    assert codes(ledger.report) == [("评议", 2, "panel_date", "ledger.value.date")]


def test_evaluation_required_cells(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(code="", panel_date="")])
    assert codes(ledger.report) == [
        ("评议", 2, "code", "ledger.cell.empty"),
        ("评议", 2, "panel_date", "ledger.cell.empty"),
    ]


def test_evaluation_id_format_checked(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation("12345")])
    assert codes(ledger.report) == [("评议", 2, "id_number", "ledger.id.format")]


def test_evaluations_table_contract(tmp_path: Path) -> None:
    ledger = run(tmp_path, [resident()], [evaluation(code="B1", level="国家级")])
    assert ledger.evaluations.schema.names == [
        "source_row",
        "id_number",
        "code",
        "level",
        "points",
        "note",
        "panel_date",
    ]
    assert ledger.evaluations.to_pylist() == [
        {
            "source_row": 2,
            "id_number": ID_A,
            "code": "B1",
            "level": "国家级",
            "points": None,
            "note": None,
            "panel_date": date(2022, 6, 28),
        }
    ]

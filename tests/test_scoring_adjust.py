"""The bank's adjustments (ledger-v1 rule 11): the file's form, then every bound."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import Workbook

from scoring import load_policy, score
from scoring.adjust import (
    REASONS,
    Adjustment,
    adjustment_counts,
    apply_adjustments,
    parse_adjustments,
    read_adjustments,
)
from scoring.errors import AdjustmentError, ScoringError
from secure_exchange.i18n import set_language
from tests.support import person, record, tables

AS_OF = date(2022, 7, 1)  # LPR in force: 370 bp
POLICY = load_policy()
HEADER = ["subject", "what", "value", "reason", "note"]


@pytest.fixture(autouse=True)
def _english() -> object:
    set_language("en")
    yield
    set_language(None)


def decisions() -> pa.Table:
    """a: approved 60 points; d: declined; v: vetoed; i: ineligible."""
    people = [person("a"), person("d"), person("v"), person("i", income=False)]
    records = [record("a", "B1", "县级"), record("a", "B8"), record("d", "D5"), record("d", "D1")]
    records.append(record("v", "V1"))
    scoring, evaluations = tables(people, records)
    return score(scoring, evaluations, POLICY, AS_OF).decisions


def adjust(*rows: tuple[str, str, str, str]) -> pa.Table:
    parsed = parse_adjustments([HEADER, *[[*r, ""] for r in rows]], "adj.csv")
    return apply_adjustments(decisions(), parsed, POLICY, AS_OF, source="adj.csv")


def row_of(table: pa.Table, subject: str) -> dict[str, object]:
    return next(r for r in table.to_pylist() if r["subject"] == subject)


# -- applying -------------------------------------------------------------------------------


def test_decline_zeroes_both_lines_and_the_rate() -> None:
    a = row_of(adjust(("a", "decline", "", "CREDIT")), "a")
    assert (a["status"], a["initial_limit_yuan"], a["credit_limit_yuan"], a["rate_bp"]) == (
        "declined",
        0,
        0,
        None,
    )
    assert a["reasons"] == "BASE+30; B1@县级+20; B8+10; ADJ:DECLINE@CREDIT"


def test_limit_and_rate_in_the_reasons_in_file_order() -> None:
    a = row_of(adjust(("a", "rate", "450", "PANEL"), ("a", "limit", "45000", "VERIFY")), "a")
    assert (a["status"], a["credit_limit_yuan"], a["rate_bp"]) == ("approved", 45000, 450)
    assert a["initial_limit_yuan"] == 30000
    assert a["reasons"].endswith("; ADJ:RATE=450@PANEL; ADJ:LIMIT=45000@VERIFY")


def test_other_subjects_untouched() -> None:
    before = decisions()
    after = adjust(("a", "limit", "20000", "CUSTOMER"))
    assert after.schema == before.schema
    assert after.slice(1).equals(before.slice(1))


@pytest.mark.parametrize(
    ("value", "reason", "ok"),
    [
        ("1", "VERIFY", True),  # the lowest line
        ("100000", "PANEL", True),  # the online ceiling
        ("100001", "PANEL", False),  # above it: offline exception only
        ("100001", "OFFLINE", True),
        ("300000", "OFFLINE", True),  # the exception ceiling
        ("300001", "OFFLINE", False),
    ],
)
def test_limit_bounds(value: str, reason: str, ok: bool) -> None:
    if ok:
        assert row_of(adjust(("a", "limit", value, reason)), "a")["credit_limit_yuan"] == int(value)
        return
    with pytest.raises(AdjustmentError, match=r"adj\.csv, row 2, column '调整值'.*yuan") as caught:
        adjust(("a", "limit", value, reason))
    assert (caught.value.path, caught.value.row) == ("adj.csv", 2)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("370", True), ("369", False), ("800", True), ("801", False), ("3.7%", True), ("8%", True)],
)
def test_rate_bounds_lpr_to_ceiling(value: str, ok: bool) -> None:
    if ok:
        assert row_of(adjust(("a", "rate", value, "PANEL")), "a")["rate_bp"] in (370, 800)
        return
    with pytest.raises(AdjustmentError, match=r"within 370–800 basis points"):
        adjust(("a", "rate", value, "PANEL"))


@pytest.mark.parametrize("subject", ["d", "v", "i"])
def test_only_approved_decisions_are_adjusted(subject: str) -> None:
    with pytest.raises(AdjustmentError, match=r"row 2: the subject is \w+; the bank adjusts"):
        adjust((subject, "limit", "10000", "OFFLINE"))


def test_unknown_subject() -> None:
    with pytest.raises(AdjustmentError, match=r"row 2, column '主体': no such subject"):
        adjust(("zz", "rate", "400", "PANEL"))


# -- the file's form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["", "rate", "400", "PANEL"], r"row 2, column '主体' is empty"),
        (["a", "raise", "400", "PANEL"], r"row 2, column '调整项': use decline"),
        (["a", "rate", "400", "BOSS"], r"row 2, column '原因代码': not a reason code"),
        (["a", "decline", "0", "CREDIT"], r"row 2: leave '调整值' empty when declining"),
        (["a", "limit", "", "VERIFY"], r"a line is a whole number of yuan above 0"),
        (["a", "limit", "0", "VERIFY"], r"a line is a whole number of yuan above 0"),
        (["a", "limit", "-5000", "VERIFY"], r"a line is a whole number of yuan above 0"),
        (["a", "limit", "5000.5", "VERIFY"], r"a line is a whole number of yuan above 0"),
        (["a", "rate", "4.555%", "PANEL"], r"a rate is whole basis points"),
        (["a", "rate", "abc", "PANEL"], r"a rate is whole basis points"),
    ],
)
def test_malformed_rows(row: list[str], message: str) -> None:
    with pytest.raises(AdjustmentError, match=message):
        parse_adjustments([HEADER[:4], row], "adj.csv")


@pytest.mark.parametrize(
    "rows",
    [
        [["a", "rate", "400", "PANEL"], ["a", "rate", "450", "PANEL"]],
        [["a", "decline", "", "CREDIT"], ["a", "rate", "450", "PANEL"]],
        [["a", "limit", "5000", "VERIFY"], ["a", "decline", "", "CREDIT"]],
    ],
)
def test_conflicting_rows(rows: list[list[str]]) -> None:
    with pytest.raises(AdjustmentError, match=r"row 3: the subject already has this change"):
        parse_adjustments([HEADER[:4], *rows], "adj.csv")


def test_headers_checked() -> None:
    with pytest.raises(AdjustmentError, match=r"row 1, column 5: unknown header"):
        parse_adjustments([[*HEADER[:4], "phone"], ["a", "rate", "400", "PANEL", "x"]], "f")
    with pytest.raises(AdjustmentError, match=r"row 1: the column '原因代码' is missing"):
        parse_adjustments([HEADER[:3], ["a", "rate", "400"]], "f")
    with pytest.raises(AdjustmentError, match=r"holds no adjustment"):
        parse_adjustments([HEADER, ["", "", "", "", ""]], "f")


def test_chinese_headers_words_and_reason_names(tmp_path: Path) -> None:
    path = tmp_path / "调整.csv"
    text = "主体,调整项,调整值,原因代码,备注\na,利率,4.5%,评议小组建议,评议会纪要\nb,拒绝,,征信,\n"
    path.write_bytes(text.encode("gb18030"))
    found = read_adjustments(path)
    assert found == (
        Adjustment(2, "a", "rate", 450, "PANEL", "评议会纪要"),
        Adjustment(3, "b", "decline", None, "CREDIT", ""),
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_adjustments(path) == found


def test_xlsx(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["a", "limit", 150000, "OFFLINE", "县支行审批"])
    sheet.append(["b", "rate", 425.0, "PANEL", None])
    path = tmp_path / "adj.xlsx"
    book.save(path)
    found = read_adjustments(path)
    assert [(a.subject, a.what, a.value, a.reason) for a in found] == [
        ("a", "limit", 150000, "OFFLINE"),
        ("b", "rate", 425, "PANEL"),
    ]


def test_unreadable_and_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(AdjustmentError, match=r"must be a \.csv or \.xlsx"):
        read_adjustments(tmp_path / "adj.txt")
    with pytest.raises(AdjustmentError, match=r"Cannot read the adjustments file"):
        read_adjustments(tmp_path / "missing.csv")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(AdjustmentError, match=r"Cannot read"):
        read_adjustments(bad)


def test_messages_never_carry_a_note_or_a_subject() -> None:
    secret = "王小明 370828198001010012"
    with pytest.raises(ScoringError) as caught:
        parse_adjustments([HEADER, [secret, "rate", secret, "PANEL", secret]], "f")
    assert "王小明" not in str(caught.value)
    assert "3708" not in str(caught.value)
    parsed = parse_adjustments([HEADER, ["a", "rate", "9999", "PANEL", secret]], "f")
    with pytest.raises(ScoringError) as caught:
        apply_adjustments(decisions(), parsed, POLICY, AS_OF)
    assert "王小明" not in str(caught.value)


def test_fixed_reason_list_and_counts() -> None:
    assert list(REASONS) == ["CREDIT", "PANEL", "OFFLINE", "VERIFY", "CUSTOMER"]
    parsed = parse_adjustments(
        [HEADER, ["a", "rate", "400", "PANEL", ""], ["b", "rate", "400", "PANEL", "n"]], "f"
    )
    assert adjustment_counts(parsed) == {"adjusted": 2, "adjusted.rate.PANEL": 2}

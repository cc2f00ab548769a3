"""``sx ledger check`` and ``sx ledger template`` through the root group."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from secure_exchange.cli import build_cli
from secure_exchange.i18n import set_language
from tests.support import shared_path


def invoke(*args: str, lang: str = "en") -> tuple[int, str]:
    set_language(lang)
    try:
        result = CliRunner().invoke(build_cli(), list(args))
    finally:
        set_language(None)
    return result.exit_code, result.output


def broken_ledger(tmp_path: Path) -> Path:
    source = shared_path("samples", "ledger-sample-utf8")
    target = tmp_path / "broken"
    target.mkdir()
    (target / "evaluations.csv").write_bytes((source / "evaluations.csv").read_bytes())
    with (source / "residents.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0].append("病史")
    rows[3][4] = "maybe"  # row 4: full_civil_capacity
    for row in rows[1:]:
        row.append("无")
    with (target / "residents.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return target


def test_check_clean_sample_exits_0() -> None:
    code, output = invoke(
        "ledger",
        "check",
        str(shared_path("samples", "ledger-sample.xlsx")),
        "--as-of",
        "2022-07-01",
    )
    assert code == 0
    assert "Ledger OK: no errors, 1 warning(s)." in output
    assert "The ledger has no 评议小组 sheet: the panels of 8 sitting(s)" in output


def test_check_json_clean() -> None:
    code, output = invoke(
        "ledger", "check", "--json", str(shared_path("samples", "ledger-sample-gb18030"))
    )
    assert code == 0
    document = json.loads(output)
    assert (document["ok"], document["errors"]) == (True, [])
    assert [w["code"] for w in document["warnings"]] == ["ledger.panel.absent"]


def test_check_json_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    code, output = invoke("ledger", "check", "--json", str(broken_ledger(tmp_path)), lang="zh")
    assert code == 1
    document = json.loads(output)
    assert document["ok"] is False
    assert [w["code"] for w in document["warnings"]] in ([], ["ledger.panel.absent"])
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in document["errors"]] == [
        ("居民", 1, "病史", "ledger.header.unknown"),
        ("居民", 4, "full_civil_capacity", "ledger.value.boolean"),
    ]
    assert all(
        set(e) == {"sheet", "row", "column", "code", "message", "level"} for e in document["errors"]
    )
    assert "“完全民事行为能力”请填“是”或“否”" in document["errors"][1]["message"]


def test_check_drop_unknown_columns_passes_with_warning(tmp_path: Path) -> None:
    folder = broken_ledger(tmp_path)
    code, output = invoke("ledger", "check", "--json", "--drop-unknown-columns", str(folder))
    document = json.loads(output)
    assert code == 1
    assert len(document["errors"]) == 1
    assert document["warnings"][0]["code"] == "ledger.header.dropped"


def test_check_text_output_grouped_with_summary(tmp_path: Path) -> None:
    code, output = invoke("ledger", "check", str(broken_ledger(tmp_path)), lang="zh")
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == "错误"
    assert lines[1] == "  “居民”表"
    assert lines[3].startswith("    第 4 行 · 完全民事行为能力：")
    assert lines[-1].startswith("台账未通过检查：2 处错误，1 条警告。")  # no 评议小组 sheet


def test_check_as_of_is_validated() -> None:
    code, output = invoke("ledger", "check", "x", "--as-of", "01/07/2022")
    assert code == 2
    assert "--as-of" in output


def test_check_missing_ledger_is_a_failure(tmp_path: Path) -> None:
    code, output = invoke("ledger", "check", str(tmp_path / "none.xlsx"))
    assert code == 1
    assert "Error: Ledger not found" in output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_command_writes_a_workbook(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "模板.xlsx"
    code, output = invoke("ledger", "template", "--out", str(out), lang=lang)
    assert code == 0
    assert str(out) in output
    assert openpyxl.load_workbook(out).sheetnames == ["居民", "评议", "评议小组", "说明"]
    code, checked = invoke("ledger", "check", str(out))
    assert code == 1  # the headers are right; it holds no resident yet
    assert "no data rows" in checked
    assert checked.count("\n    ") == 1


def test_help_is_translated() -> None:
    code, output = invoke("ledger", "check", "--help", lang="zh")
    assert code == 0
    assert "检查台账" in output
    assert "--drop-unknown-columns" in output
    code, output = invoke("ledger", "--help")
    assert "Check resident ledgers" in output

"""Rule 11 and 公示 through the command line: the bank adjusts, the village sees and posts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support import NUMBER, World, shared_path


@pytest.fixture(scope="module")
def scored(world: World) -> tuple[Path, list[dict[str, str]]]:
    """The sample sealed, imported and scored by the bank: (package, decisions rows)."""
    ledger = shared_path("samples", "ledger-sample.xlsx")
    sealed = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(package))
    out = world.root / "plain.csv"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(out))
    return package, list(csv.DictReader(out.open(encoding="utf-8-sig")))


def _approved(rows: list[dict[str, str]], points: str) -> dict[str, str]:
    return next(r for r in rows if r["status"] == "approved" and r["total_points"] == points)


def test_adjustments_apply_show_in_reasons_and_are_counted(
    world: World, scored: tuple[Path, list[dict[str, str]]]
) -> None:
    package, rows = scored
    declined, raised, rated = _approved(rows, "40"), _approved(rows, "130"), _approved(rows, "70")
    adjust = world.root / "调整.csv"
    adjust.write_text(
        "主体,调整项,调整值,原因代码,备注\n"
        f"{declined['subject']},拒绝,,征信,逾期记录两次（王某）\n"
        f"{raised['subject']},额度,150000,OFFLINE,县支行审批\n"
        f"{rated['subject']},利率,4.5%,PANEL,\n",
        encoding="utf-8-sig",
    )
    out = world.root / "adjusted.csv"
    world.sx(
        world.bank,
        "score",
        str(package),
        "--as-of",
        "2022-07-01",
        "--out",
        str(out),
        "--adjust",
        str(adjust),
    )
    got = {r["subject"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert (got[declined["subject"]]["status"], got[declined["subject"]]["credit_limit_yuan"]) == (
        "declined",
        "0",
    )
    assert got[declined["subject"]]["reasons"].endswith("; ADJ:DECLINE@CREDIT")
    assert got[raised["subject"]]["credit_limit_yuan"] == "150000"
    assert got[raised["subject"]]["reasons"].endswith("; ADJ:LIMIT=150000@OFFLINE")
    assert got[rated["subject"]]["rate_bp"] == "450"
    shown = world.sx(world.bank, "audit", "show", "--action", "scored", "--json")
    events = [json.loads(line) for line in shown.output.splitlines() if line.strip()]
    counts = events[-1]["counts"]
    assert counts["adjusted"] == 3
    assert counts["adjusted.decline.CREDIT"] == 1
    assert counts["adjusted.limit.OFFLINE"] == 1
    assert counts["adjusted.rate.PANEL"] == 1
    assert "王某" not in shown.output
    assert "县支行" not in shown.output
    for path in (world.bank / "audit").rglob("*"):
        if path.is_file():
            assert "县支行".encode() not in path.read_bytes()


def test_adjustment_out_of_bounds_is_one_line_and_writes_nothing(
    world: World, scored: tuple[Path, list[dict[str, str]]]
) -> None:
    package, rows = scored
    adjust = world.root / "bad.csv"
    adjust.write_text(
        f"subject,what,value,reason\n{_approved(rows, '130')['subject']},limit,150000,PANEL\n",
        encoding="utf-8",
    )
    out = world.root / "never.csv"
    result = world.sx(
        world.bank,
        "score",
        str(package),
        "--as-of",
        "2022-07-01",
        "--out",
        str(out),
        "--adjust",
        str(adjust),
        ok=False,
    )
    assert result.exit_code == 1
    assert "bad.csv, row 2, column '调整值'" in result.output
    assert "needs the reason OFFLINE" in result.output
    assert not out.exists()


def test_adjust_refused_for_a_ledger_preview(world: World) -> None:
    adjust = world.root / "any.csv"
    adjust.write_text("subject,what,value,reason\nx,rate,400,PANEL\n", encoding="utf-8")
    result = world.sx(
        world.community,
        "score",
        str(shared_path("samples", "ledger-sample.xlsx")),
        "--as-of",
        "2022-07-01",
        "--out",
        str(world.root / "p.csv"),
        "--adjust",
        str(adjust),
        ok=False,
    )
    assert result.exit_code == 2
    assert "--adjust applies to the bank's scoring of a package" in result.output


def test_return_trip_carries_the_changes_and_publishes(
    world: World, scored: tuple[Path, list[dict[str, str]]]
) -> None:
    adjusted = world.root / "adjusted.csv"
    if not adjusted.exists():
        test_adjustments_apply_show_in_reasons_and_are_counted(world, scored)
    back = world.root / "back"
    back.mkdir(exist_ok=True)
    sealed = world.sx(world.bank, "seal", str(adjusted), "--agreement", NUMBER, "--out", str(back))
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.community, "import", str(package))
    out, board = world.root / "results.csv", world.root / "公示"
    ledger = shared_path("samples", "ledger-sample-utf8")
    args = ["results", str(package), "--ledger", str(ledger), "--out", str(out)]
    world.sx(world.community, *args, "--publish", str(board), "--contact", "真武社区居委会")
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert sum("ADJ:" in r["reasons"] for r in rows) == 3  # the community sees the changes
    residents = list(csv.DictReader((ledger / "residents.csv").open(encoding="utf-8-sig")))
    communities = {r["所属社区"] for r in residents}
    htmls = sorted(board.glob("公示-*.html"))
    assert len(htmls) == len(list(board.glob("公示-*.xlsx"))) == len(communities)
    page = "".join(p.read_text("utf-8") for p in htmls)
    for resident in residents:
        assert resident["姓名"] not in page  # masked: 王*明
        assert resident["身份证号"] not in page
    for secret in ("V2", "V4", "D12", "否决", "E_AGE", "ADJ", "征信", "vetoed", "declined"):
        assert secret not in page
    assert "真武社区居委会" in page
    assert page.count("已获授信") == sum(r["status"] == "approved" for r in rows)
    book = load_workbook(board / htmls[0].with_suffix(".xlsx").name)
    sheet = book["公示"]
    assert [c.value for c in sheet[2]] == [
        "序号",
        "姓名",
        "身份证号",
        "评议结果",
        "评分",
        "授信额度（元）",
    ]
    shown = world.sx(world.community, "audit", "show", "--action", "results.read", "--json")
    events = [json.loads(line) for line in shown.output.splitlines() if line.strip()]
    assert events[-1]["counts"]["published"] == len(communities)
    second = out.with_name("results-2.csv")  # the list is refused before anything is written
    other = ["results", str(package), "--ledger", str(ledger), "--out", str(second)]
    again = world.sx(world.community, *other, "--publish", str(board), ok=False)
    assert again.exit_code == 1
    assert not second.exists()
    assert "no notice was written" in again.output

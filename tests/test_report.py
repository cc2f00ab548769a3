"""The decisions report: aggregates, both languages, no per-subject values, SVG, CLI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from scoring import load_policy, score
from scoring.output import write_decisions
from scoring.policy import Policy
from secure_exchange import i18n
from secure_exchange.cli import main
from secure_exchange.reports import ReportError, build_report, write_report
from secure_exchange.reports import svg as _svg
from tests.support import (
    COMMUNITIES,
    EXPECTED,
    read_csv,
    sample_tables,
    synthetic_decisions,
)

AS_OF = date(2022, 7, 1)
NOW = datetime(2022, 7, 2, 9, 30)
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def policy() -> Policy:
    """The built-in policy."""
    return load_policy()


def sample_decisions(policy: Policy) -> pa.Table:
    """Decisions of the shared sample ledger (subject = full ID number, as in the engine tests)."""
    scoring, evaluations = sample_tables()
    return score(scoring, evaluations, policy, AS_OF).decisions


def parse_svg(fragment: str) -> ET.Element:
    """Parse one SVG fragment of our own page (trusted: written by the code under test)."""
    return ET.fromstring(fragment)  # noqa: S314


def expected_sample() -> tuple[int, int]:
    """Approved count and credit total of the sample, from the independent expected CSV."""
    rows = read_csv(EXPECTED)
    approved = [r for r in rows if r["status"] == "approved"]
    return len(approved), sum(int(r["credit_limit_yuan"]) for r in rows)


def card(page: str, label: str) -> str:
    """The value of the headline card with this label."""
    found = re.search(
        rf'<div class="k">{re.escape(label)}</div><div class="v(?: long)?">([^<]*)</div>', page
    )
    assert found, label
    return found.group(1)


# ---------------------------------------------------------------- aggregates


def test_sample_aggregates_in_english(policy: Policy) -> None:
    approved, credit = expected_sample()
    assert (approved, credit) == (14, 815_000)  # revision 2: no type cap on the evaluated line
    page = build_report(sample_decisions(policy), policy, now=NOW)
    assert '<html lang="en">' in page
    assert card(page, "Subjects scored") == "24"
    assert card(page, "Approved") == "14"
    assert card(page, "Total credit lines") == "0.82m yuan"
    assert card(page, "Average credit line") == "58,214 yuan"  # 815,000 / 14, rounded
    assert "58.3% coverage" in page
    assert "pre-approved lines, not loans drawn" in page
    assert "0.81% of the target" in page  # 815,000 of 100m yuan
    assert "2022-07-02 09:30" in page


def test_sample_aggregates_in_chinese(policy: Policy) -> None:
    i18n.set_language("zh")
    page = build_report(sample_decisions(policy), policy, now=NOW)
    assert '<html lang="zh-CN">' in page
    assert "<title>全民授信 评议结果报告</title>" in page
    assert card(page, "获得授信") == "14"
    assert card(page, "授信总额") == "81.50 万元"
    assert card(page, "平均授信额度") == "5.82 万元"
    assert "授信覆盖率 58.3%" in page
    assert "2022年 新增涉农贷款 1亿元" in page
    assert "目标 1 亿元" in page
    assert "相当于目标的 0.81%" in page
    assert "加分项1 道德模范、金乡好人等荣誉" in page
    assert "年龄不在 18–60 周岁之间" in page


def test_average_rate_and_lpr_from_policy(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    rates = [r for r in decisions["rate_bp"].to_pylist() if r is not None]
    mean = (2 * sum(rates) + len(rates)) // (2 * len(rates))
    page = build_report(decisions, policy, now=NOW)
    assert card(page, "Average rate") == f"{mean // 100}.{mean % 100:02d}%"
    assert "3.70% (in force since 2022-01-20)" in page
    assert f"jinxiang-2022 · sha256 {policy.sha256[:12]}" in page
    assert policy.sha256 not in page  # the short hash only


def test_item_counts_match_the_reasons(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    per_code: Counter[str] = Counter()
    for reasons in decisions["reasons"].to_pylist():
        codes = {re.split(r"[@+-]", entry)[0] for entry in reasons.split("; ")}
        per_code.update(c for c in codes if (c[0] in "BDV" and c != "BASE") or c.startswith("E_"))
    page = build_report(decisions, policy, now=NOW)
    for code, count in per_code.items():
        row = re.search(
            rf'<td class="code">{re.escape(code)}</td><td>[^<]*</td>'
            rf'<td class="num">([^<]+)</td>',
            page,
        )
        if code.startswith("E_"):
            continue  # shown by name only
        assert row, code
        assert row.group(1) == (str(count) if count >= 5 else "&lt;5"), code  # small cells hidden
    assert "No fixed income source" in page


def test_community_rows_and_status_colours(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    page = build_report(decisions, policy, now=NOW)
    for community in set(decisions["community"].to_pylist()):
        assert f">{community}</text>" in page
    for colour in ("#2e9e5b", "#e8a33d", "#9aa3ae", "#d64545"):
        assert f'fill="{colour}"' in page


def test_by_subject_type(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    page = build_report(decisions, policy, now=NOW)
    farmers = decisions.filter(pc.equal(decisions["subject_type"], "农户"))
    credit = pc.sum(farmers["credit_limit_yuan"]).as_py()
    i18n.set_language("zh")
    page = build_report(decisions, policy, now=NOW)
    row = re.search(
        r"<tr><td>农户</td><td class=num>(\d+)</td><td class=num>(\d+)</td>"
        r"<td class=num>[^<]*</td><td class=num>([^<]*)</td>",
        page,
    )
    assert row, "farmers row"
    assert int(row.group(1)) == farmers.num_rows
    assert row.group(3) == f"{credit / 10_000:.2f} 万元"


def test_large_table_against_targets(policy: Policy) -> None:
    decisions = synthetic_decisions(5_000, policy)
    credit = pc.sum(decisions["credit_limit_yuan"]).as_py()
    assert 100_000_000 <= credit < 300_000_000  # the made-up township passes the 2022 target
    page = build_report(decisions, policy, now=NOW)
    assert card(page, "Subjects scored") == "5,000"
    assert card(page, "Total credit lines") == f"{credit / 1e6:.2f}m yuan"
    shown = re.findall(r"<text[^>]*>pre-approved lines [^<]*(above|of) the target", page)
    assert shown == ["above", "of", "of"]
    assert "target 100m yuan" in page
    assert "target 500m yuan" in page
    assert page.count('class="v long"') >= 1
    for community in COMMUNITIES:
        assert f">{community}社区</text>" in page


def test_policy_none_shows_codes_and_unknown_lpr(policy: Policy) -> None:
    page = build_report(sample_decisions(policy), None, now=NOW)
    assert '<td class="code">B1</td><td>B1</td>' in page
    assert "One-year LPR on that date</dt><dd>unknown" in page


def test_other_policy_file_is_flagged(policy: Policy, tmp_path: Path) -> None:
    source = (
        Path(__file__).resolve().parents[1] / "src" / "scoring" / "policies" / "jinxiang-2022.toml"
    ).read_bytes()
    other = tmp_path / "other.toml"
    other.write_bytes(source + b"\n# edited\n")
    page = build_report(sample_decisions(policy), load_policy(other), now=NOW)
    assert "differs from the one the decisions were scored with" in page


def test_empty_decisions(policy: Policy) -> None:
    empty = sample_decisions(policy).slice(0, 0)
    page = build_report(empty, policy, now=NOW)
    assert card(page, "Subjects scored") == "0"
    assert card(page, "Average rate") == "—"
    for fragment in SVG.findall(page):
        parse_svg(fragment)


# ---------------------------------------------------------------- privacy and markup


def test_no_subject_masked_id_or_source_row(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    ids = decisions["subject"].to_pylist()
    masked = [f"{s[:6]}{'*' * 8}{s[-4:]}" for s in ids]
    rows = pa.array([900_101 + i for i in range(decisions.num_rows)], pa.int32())
    as_masked = decisions.set_column(0, "subject", pa.array(masked)).set_column(
        1, "source_row", rows
    )
    for table in (decisions, as_masked):
        page = build_report(table, policy, now=NOW)
        for value in [*ids, *masked, *(str(r) for r in rows.to_pylist())]:
            assert value not in page
        assert "********" not in page
        for tail in {s[-4:] for s in ids}:
            assert f"{tail}<" not in page
            assert f"*{tail}" not in page


def test_no_token_of_a_large_table(policy: Policy) -> None:
    decisions = synthetic_decisions(600, policy, seed=3)
    page = build_report(decisions, policy, now=NOW)
    assert "tok_" not in page
    assert "_zq" not in page
    for row in decisions["source_row"].to_pylist():
        assert str(row) not in page
        assert f"{row:,}" not in page


def test_svg_fragments_are_well_formed(policy: Policy) -> None:
    i18n.set_language("zh")
    page = build_report(sample_decisions(policy), policy, now=NOW)
    fragments = SVG.findall(page)
    assert len(fragments) >= 8
    widths = []
    for fragment in fragments:
        root = parse_svg(fragment)
        assert root.tag == f"{NS}svg"
        assert root.find(f"{NS}title") is not None
        widths += [float(r.get("width", "0")) for r in root.iter(f"{NS}rect")]
    assert sum(1 for w in widths if w > 0) >= 30


def test_text_is_escaped(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    evil = pa.array(["<script>alert('x')</script>", *decisions["community"].to_pylist()[1:]])
    kind = pa.array(['A&B "co"', *decisions["subject_type"].to_pylist()[1:]])
    hostile = decisions.set_column(2, "community", evil).set_column(3, "subject_type", kind)
    page = build_report(hostile, policy, title="<b>Report</b>", now=NOW)
    assert "<script" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "A&amp;B &quot;co&quot;" in page
    assert "<title>&lt;b&gt;Report&lt;/b&gt;</title>" in page
    for fragment in SVG.findall(page):
        parse_svg(fragment)


def test_svg_helpers() -> None:
    chart = _svg.hbar([_svg.Bar("<a>", 3), _svg.Bar("b", 0)], title="t&t")
    root = parse_svg(chart)
    assert root.find(f"{NS}title").text == "t&t"  # type: ignore[union-attr]
    assert [t.text for t in root.iter(f"{NS}text")][:1] == ["<a>"]
    assert len(list(root.iter(f"{NS}rect"))) == 1  # a zero bar draws no rect
    gauge = parse_svg(_svg.gauge(1, 1_000, label="g", value_text="v", target_text="t"))
    fills = [float(r.get("width", "0")) for r in gauge.iter(f"{NS}rect")]
    assert fills[-1] == 3.0  # a tiny share stays visible
    with pytest.raises(ValueError, match="target must be positive"):
        _svg.gauge(1, 0, label="g", value_text="v", target_text="t")
    assert _svg.text_width("金山") == 26
    assert _svg.text_width("ab") == pytest.approx(15.6)


# ---------------------------------------------------------------- input errors


def test_missing_columns_are_refused(policy: Policy) -> None:
    decisions = sample_decisions(policy).drop_columns(["reasons", "as_of"])
    with pytest.raises(ReportError, match=r"lack required column\(s\): reasons, as_of"):
        build_report(decisions, policy)


def test_unknown_status_is_refused(policy: Policy) -> None:
    decisions = sample_decisions(policy)
    bad = decisions.set_column(4, "status", pa.array(["maybe"] * decisions.num_rows))
    with pytest.raises(ReportError, match="'status' column holds values"):
        build_report(bad, policy)


# ---------------------------------------------------------------- files and CLI


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_report_from_files(policy: Policy, tmp_path: Path, suffix: str) -> None:
    source = write_decisions(sample_decisions(policy), tmp_path / f"decisions{suffix}")
    out = tmp_path / "report.html"
    assert write_report(source, out) == out  # policy taken from the decisions
    page = out.read_text(encoding="utf-8")
    assert card(page, "Approved") == "14"
    assert "3.70% (in force since 2022-01-20)" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, "report.html"])


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``sx`` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_cli_writes_the_report(
    policy: Policy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_decisions(sample_decisions(policy), tmp_path / "decisions.csv")
    out = tmp_path / "report.html"
    code, stdout, _ = run_cli(
        capsys, "report", str(source), "--out", str(out), "--policy", "jinxiang-2022"
    )
    assert code == 0
    assert f"Report written: {out}" in stdout
    assert "<svg" in out.read_text(encoding="utf-8")


def test_cli_in_chinese(
    policy: Policy,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SX_LANG", "zh_CN.UTF-8")
    source = write_decisions(sample_decisions(policy), tmp_path / "decisions.parquet")
    out = tmp_path / "报告.html"
    code, stdout, _ = run_cli(capsys, "report", str(source), "--out", str(out))
    assert code == 0
    assert "报告已生成" in stdout
    assert "全民授信 评议结果报告" in out.read_text(encoding="utf-8")


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run_cli(
        capsys, "report", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "r.html")
    )
    assert code == 1
    assert "Decisions file not found" in stderr
    assert "nope.csv" in stderr
    assert not (tmp_path / "r.html").exists()


def test_cli_unsupported_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "decisions.txt"
    source.write_text("subject,status\n", encoding="utf-8")
    code, _, stderr = run_cli(capsys, "report", str(source), "--out", str(tmp_path / "r.html"))
    assert code == 1
    assert "Cannot read decisions from a '.txt' file; use .csv, .parquet or .xlsx." in stderr


def test_cli_damaged_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "decisions.parquet"
    source.write_bytes(b"not parquet at all")
    code, _, stderr = run_cli(capsys, "report", str(source), "--out", str(tmp_path / "r.html"))
    assert code == 1
    assert "Cannot read the decisions file" in stderr


def test_cli_not_a_decisions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "other.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, stderr = run_cli(capsys, "report", str(source), "--out", str(tmp_path / "r.html"))
    assert code == 1
    assert "lack required column(s): community" in stderr

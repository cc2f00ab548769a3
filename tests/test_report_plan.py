"""The plan's measures on the report: coverage two ways, both lines, adjustments, small cells."""

from __future__ import annotations

import re
from datetime import date, datetime

import pyarrow as pa
import pytest

from scoring import load_policy, score
from secure_exchange import i18n
from secure_exchange.reports import build_report
from secure_exchange.reports.plan import SMALL, plan_facts
from tests.support import sample_tables

POLICY = load_policy()
NOW = datetime(2022, 7, 2, 9, 30)


@pytest.fixture(autouse=True)
def _english() -> object:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


def decisions() -> pa.Table:
    scoring, evaluations = sample_tables()
    return score(scoring, evaluations, POLICY, date(2022, 7, 1)).decisions


def grown(table: pa.Table, times: int) -> pa.Table:
    """The sample repeated ``times`` (large enough cells for nothing to be suppressed)."""
    return pa.concat_tables([table] * times)


def test_sample_facts() -> None:
    facts = plan_facts(decisions())
    total = facts.total
    # 19 meet the base item (2 of them vetoed, 3 declined); 14 approved
    assert (total.subjects, total.eligible, total.approved) == (24, 19, 14)
    assert total.initial_yuan == 17 * 30_000  # eligible and not vetoed
    assert total.credit_yuan == 815_000
    assert sum(c.subjects for c in facts.communities) == 24
    assert facts.adjustments == {}


def test_coverage_both_ways_and_lines_side_by_side() -> None:
    page = build_report(grown(decisions(), 5), POLICY, now=NOW)
    assert "Coverage (approved ÷ eligible): 73.7%; approved ÷ all subjects: 58.3%." in page
    assert "jinxiang-2022 r2 · sha256" in page  # the policy and its revision
    total = re.search(r'<tr class="total"><td>Total</td>(.*?)</tr>', page)
    assert total is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', total.group(1))
    assert cells == [
        "120",
        "95",
        "70",
        "73.7%",
        "58.3%",
        "¥2,550,000 (255.0 万)",
        "¥4,075,000 (407.5 万)",
    ]


def test_small_cells_are_suppressed() -> None:
    page = build_report(decisions(), POLICY, now=NOW)
    section = page.split("Coverage and the two lines")[1].split("</section>")[0]
    rows = re.findall(r"<tr class=\"\"><td>([^<]*)</td>(.*?)</tr>", section)
    assert rows
    for _, cells in rows:  # every sample community has fewer than 5 residents
        values = re.findall(r'<td class="num">([^<]*)</td>', cells)
        assert values == [f"&lt;{SMALL}"] * 3 + ["—"] * 4
    assert '<td class="num">&lt;5</td>' in section


def test_adjustments_by_reason() -> None:
    table = grown(decisions(), 3)
    reasons = table["reasons"].to_pylist()
    for i in range(6):
        reasons[i] += "; ADJ:RATE=450@PANEL"
    reasons[7] += "; ADJ:DECLINE@CREDIT"
    table = table.set_column(table.schema.get_field_index("reasons"), "reasons", pa.array(reasons))
    facts = plan_facts(table)
    assert facts.adjustments == {("RATE", "PANEL"): 6, ("DECLINE", "CREDIT"): 1}
    page = build_report(table, POLICY, now=NOW)
    section = page.split("The bank&#x27;s adjustments")[1].split("</section>")[0]
    assert (
        '<td>Rate set</td><td>the panel&#x27;s proposal (PANEL)</td><td class="num">6</td>'
        in section
    )
    assert '<td>Declined</td><td>credit record (CREDIT)</td><td class="num">&lt;5</td>' in section


def test_older_decisions_without_the_initial_line() -> None:
    table = grown(decisions(), 5).drop_columns(["initial_limit_yuan"])
    facts = plan_facts(table)
    assert not facts.has_initial
    page = build_report(table, POLICY, now=NOW)
    assert "Coverage (approved ÷ eligible): 73.7%" in page
    assert "The bank changed no decision." in page


def test_chinese_headline() -> None:
    i18n.set_language("zh")
    page = build_report(grown(decisions(), 5), POLICY, now=NOW)
    assert "授信覆盖率（获得授信 ÷ 符合条件的主体）：73.7%；占全部参评主体：58.3%。" in page
    assert "银行未作调整。" in page


def test_small_subject_types_and_items_hidden_in_the_older_sections() -> None:
    page = build_report(decisions(), POLICY, now=NOW)  # 2 新型农业经营主体, 1 个体工商户
    for label in ("新型农业经营主体", "个体工商户"):
        row = re.search(rf"<tr><td>{label} \([^<]*</td>(.*?)</tr>", page)
        assert row is not None, label
        cells = re.findall(r"<td class=num>([^<]*)</td>", row.group(1))
        assert cells[:5] == ["&lt;5", "&lt;5", "—", "—", "—"], label
    assert re.search(r'<td class="code">V2</td><td>[^<]*</td><td class="num">&lt;5</td>', page)


def test_sittings_from_the_panel_column() -> None:
    table = decisions()
    assert "panel" not in table.column_names
    assert "panel&#x27;s sittings" not in build_report(table, POLICY, now=NOW)
    panel = ["2022-06-28 6 支书/主任、党员、农商银行人员"] * 6 + [""] * (table.num_rows - 6)
    panel[0] += "; 2022-06-29 5 支书/主任、农商银行人员"
    table = table.append_column("panel", pa.array(panel))
    facts = plan_facts(table)
    assert facts.sittings is not None
    assert {(s.panel_date, s.members, s.subjects) for s in facts.sittings} >= {("2022-06-29", 5, 1)}
    page = build_report(table, POLICY, now=NOW)
    section = page.split("The credit-evaluation panel&#x27;s sittings")[1].split("</section>")[0]
    assert '<td class="num">&lt;5</td>' in section  # one subject: suppressed
    assert "支书/主任、农商银行人员" in section

"""The Annex 2 engine: the shared sample reproduced exactly, then one test per rule."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from scoring.engine import DECISION_SCHEMA, score
from scoring.errors import LprError, ScoringError
from scoring.policy import Policy, load_policy
from secure_exchange.i18n import set_language
from tests.support import (
    DECISION_KEYS,
    EXPECTED,
    EXPECTED_R1,
    person,
    read_csv,
    record,
    sample_tables,
    tables,
)

AS_OF = date(2022, 7, 1)
POLICY = load_policy()
BUILTIN = (resources.files("scoring") / "policies" / "jinxiang-2022.toml").read_text("utf-8")
COMPARED = (
    "status",
    "base_points",
    "bonus_points",
    "deduction_points",
    "total_points",
    "initial_limit_yuan",
    "credit_limit_yuan",
    "rate_bp",
)
# The revision-1 readings as data: type caps on the evaluated line too, the old LPR entry,
# a level outside a code's table refused (ledger-v1 rule 0: data, not code).
R1_READINGS = (
    ("revision = 2", "revision = 1"),
    ('level_above = "highest"', 'level_above = "refuse"'),
    ('level_below = "zero"', 'level_below = "refuse"'),
    ('caps_apply_to = ["initial"]', 'caps_apply_to = ["initial", "credit"]'),
    ("{ date = 2019-08-20, bp = 425 }", "{ date = 2019-08-20, bp = 431 }"),
)


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")
    yield
    set_language(None)


def run(
    people: list[dict[str, object]],
    records: list[dict[str, object]] = (),
    policy: Policy = POLICY,
    as_of: date = AS_OF,
) -> list[dict[str, object]]:
    """Decisions as row dicts."""
    scoring, evaluations = tables(people, list(records))
    return score(scoring, evaluations, policy, as_of).decisions.to_pylist()


def one(
    *records: dict[str, object], as_of: date = AS_OF, policy: Policy = POLICY, **who: object
) -> dict[str, object]:
    """The decision of a single subject "s1"."""
    return run([person(**who)], list(records), policy, as_of)[0]


def modified(tmp_path: Path, *edits: tuple[str, str]) -> Policy:
    text = BUILTIN
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "modified.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


# -- the shared sample ---------------------------------------------------------------


def test_sample_expected_decisions() -> None:
    scoring, evaluations = sample_tables()
    result = score(scoring, evaluations, POLICY, AS_OF)
    got = {row["source_row"]: row for row in result.decisions.to_pylist()}
    expected = read_csv(EXPECTED)
    assert len(got) == len(expected) == 24
    for row in expected:
        decision = got[int(row["source_row"])]
        assert decision["subject"][:6] + "********" + decision["subject"][-4:] == row["masked_id"]
        for column in COMPARED:
            want = int(row[column]) if row[column].lstrip("-").isdigit() else (row[column] or None)
            assert decision[column] == want, (row["source_row"], column)
    assert result.warnings == ()


def test_sample_schema_and_policy_ref() -> None:
    scoring, evaluations = sample_tables()
    decisions = score(scoring, evaluations, POLICY, AS_OF).decisions
    assert decisions.schema == pa.schema([f for f in DECISION_SCHEMA if f.name != "panel"])
    assert set(decisions["policy"].to_pylist()) == {POLICY.ref}
    assert set(decisions["as_of"].to_pylist()) == {AS_OF}
    assert not any(pa.types.is_floating(f.type) for f in decisions.schema)


def test_sample_reasons() -> None:
    scoring, evaluations = sample_tables()
    decisions = score(scoring, evaluations, POLICY, AS_OF).decisions.to_pylist()
    reasons = {row["source_row"]: row["reasons"] for row in decisions}
    assert reasons[2] == "BASE+30"
    assert reasons[7] == ("BASE+30; B1@国家级+50; B4@省级+40; LIMIT_ONLINE_MAX; RATE_FLOOR_LPR")
    assert reasons[11] == "BASE+30; D2-10; D5-20; D12-5"
    assert reasons[12] == "BASE+30; V2"
    assert reasons[14] == "E_AGE"
    assert reasons[24] == "E_RESIDENCE; B7+20"
    assert reasons[22] == "BASE+30; B2@县级+30; B3@市级+40; B5.1+10; LIMIT_ONLINE_MAX"


def test_policy_set_to_revision_1_readings_reproduces_the_r1_file(tmp_path: Path) -> None:
    policy = modified(tmp_path, *R1_READINGS)
    scoring, evaluations = sample_tables()
    got = {
        r["source_row"]: r for r in score(scoring, evaluations, policy, AS_OF).decisions.to_pylist()
    }
    expected = read_csv(EXPECTED_R1)
    assert len(expected) == 24
    for row in expected:
        decision = got[int(row["source_row"])]
        for column in (c for c in COMPARED if c in row):
            want = int(row[column]) if row[column].lstrip("-").isdigit() else (row[column] or None)
            assert decision[column] == want, (row["source_row"], column)
    assert got[7]["reasons"].endswith("LIMIT_CAP_农户; RATE_FLOOR_LPR")
    assert policy.revision == 1


def test_no_source_row_column_when_input_lacks_it() -> None:
    scoring, evaluations = tables([person()], [])
    decisions = score(scoring, evaluations, POLICY, AS_OF).decisions
    optional = ("source_row", "panel")
    assert decisions.column_names == [f.name for f in DECISION_SCHEMA if f.name not in optional]


def test_panel_sittings_become_the_panel_column() -> None:
    scoring, evaluations = tables([person("a"), person("b")], [record("a", "B8")])
    sitting = {"panel_date": date(2022, 6, 28), "members": 5, "roles": "支书/主任、党员"}
    kind = pa.list_(
        pa.field(
            "element",
            pa.struct(
                [("panel_date", pa.date32()), ("members", pa.int32()), ("roles", pa.string())]
            ),
        )
    )
    scoring = scoring.append_column("panel_sittings", pa.array([[sitting, sitting], None], kind))
    decisions = score(scoring, evaluations, POLICY, AS_OF).decisions
    assert decisions.schema == pa.schema([f for f in DECISION_SCHEMA if f.name != "source_row"])
    assert decisions["panel"].to_pylist() == [
        "2022-06-28 5 支书/主任、党员; 2022-06-28 5 支书/主任、党员",
        "",
    ]


# -- base item: age --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "as_of", "status"),
    [
        (date(2004, 7, 1), date(2022, 6, 30), "ineligible"),  # day before the 18th birthday
        (date(2004, 7, 1), date(2022, 7, 1), "approved"),  # the 18th birthday
        (date(1961, 7, 1), date(2022, 6, 30), "approved"),  # day before the 61st birthday
        (date(1961, 7, 1), date(2022, 7, 1), "ineligible"),  # the 61st birthday
        (date(2004, 2, 29), date(2022, 2, 28), "ineligible"),  # common year: still 17
        (date(2004, 2, 29), date(2022, 3, 1), "approved"),  # common year: 18 on 1 March
        (date(1960, 2, 29), date(2021, 2, 28), "approved"),  # common year: still 60
        (date(1960, 2, 29), date(2021, 3, 1), "ineligible"),  # common year: 61 on 1 March
        (date(2004, 3, 1), date(2022, 2, 28), "ineligible"),
        (date(2004, 2, 28), date(2022, 2, 28), "approved"),
    ],
)
def test_age_boundaries(born: date, as_of: date, status: str) -> None:
    decision = one(born=born, as_of=as_of)
    assert decision["status"] == status
    assert (decision["reasons"] == "E_AGE") is (status == "ineligible")


def test_born_29_february_in_a_leap_year(tmp_path: Path) -> None:
    # 18 and 61 never fall on a leap year for someone born on 29 Feb: use min_age 20.
    policy = modified(tmp_path, ("min_age = 18", "min_age = 20"))
    assert (
        one(born=date(2004, 2, 29), as_of=date(2024, 2, 28), policy=policy)["status"]
        == "ineligible"
    )
    assert (
        one(born=date(2004, 2, 29), as_of=date(2024, 2, 29), policy=policy)["status"] == "approved"
    )


# -- base item: conditions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ({"capacity": False}, "E_CAPACITY"),
        ({"residence": False}, "E_RESIDENCE"),
        ({"income": False}, "E_INCOME"),
        ({"bad_credit": True}, "E_BAD_CREDIT"),
        ({"income": None}, "E_INCOME"),
    ],
)
def test_each_condition(who: dict[str, object], reason: str) -> None:
    decision = one(**who)
    assert (decision["status"], decision["base_points"], decision["total_points"]) == (
        "ineligible",
        0,
        None,
    )
    assert decision["reasons"] == reason
    assert (decision["credit_limit_yuan"], decision["rate_bp"]) == (0, None)


def test_all_unmet_conditions_listed_in_order() -> None:
    decision = one(born=date(1950, 1, 1), capacity=False, income=False, bad_credit=True)
    assert decision["reasons"] == "E_AGE; E_CAPACITY; E_INCOME; E_BAD_CREDIT"


# -- bonus, deductions, veto --------------------------------------------------------------


def test_levelled_highest_level_counts_once() -> None:
    decision = one(
        record("s1", "B2", "村级"),
        record("s1", "B2", "县级"),
        record("s1", "B2", "镇级"),
        record("s1", "B2", "县级"),
    )
    assert decision["bonus_points"] == 30
    assert decision["reasons"] == "BASE+30; B2@县级+30"


def test_fixed_items_count_once() -> None:
    decision = one(*[record("s1", "B5.1")] * 3, record("s1", "D1"), record("s1", "D1"))
    assert (decision["bonus_points"], decision["deduction_points"]) == (10, 10)
    assert decision["total_points"] == 30
    assert decision["reasons"] == "BASE+30; B5.1+10; D1-10"


def test_b9_and_d12_summed_per_record() -> None:
    decision = one(
        record("s1", "B9", points=15),
        record("s1", "B9", points=5),
        record("s1", "D12", points=3),
        record("s1", "D12", points=4),
    )
    assert (decision["bonus_points"], decision["deduction_points"]) == (20, 7)
    assert decision["total_points"] == 43
    assert decision["reasons"] == "BASE+30; B9+15; B9+5; D12-3; D12-4"
    assert decision["rate_bp"] == 700


def test_different_codes_add_up_in_policy_order() -> None:
    decision = one(record("s1", "D4"), record("s1", "B5.1"), record("s1", "B1", "市级"))
    assert decision["reasons"] == "BASE+30; B1@市级+30; B5.1+10; D4-10"
    assert (decision["total_points"], decision["credit_limit_yuan"]) == (60, 60000)


def test_veto_before_ineligibility() -> None:
    decision = one(record("s1", "V6"), record("s1", "B7"), income=False)
    assert decision["status"] == "vetoed"
    assert (decision["base_points"], decision["total_points"]) == (0, None)
    assert decision["reasons"] == "E_INCOME; B7+20; V6"
    assert (decision["credit_limit_yuan"], decision["rate_bp"]) == (0, None)


def test_vetoed_eligible_keeps_points() -> None:
    decision = one(record("s1", "V1"), record("s1", "V1"), record("s1", "V7"), record("s1", "B6"))
    assert (decision["status"], decision["total_points"], decision["bonus_points"]) == (
        "vetoed",
        50,
        20,
    )
    assert decision["reasons"] == "BASE+30; B6+20; V1; V7"


def test_declined_at_exactly_zero_and_approved_at_one() -> None:
    zero = one(record("s1", "D5"), record("s1", "D1"))
    assert (zero["status"], zero["total_points"], zero["credit_limit_yuan"]) == ("declined", 0, 0)
    assert zero["rate_bp"] is None
    plus_one = one(record("s1", "D12", points=29))
    assert (plus_one["status"], plus_one["total_points"]) == ("approved", 1)
    assert (plus_one["credit_limit_yuan"], plus_one["rate_bp"]) == (1000, 800)


def test_bonus_and_deductions_whatever_the_status() -> None:
    decision = one(record("s1", "B3", "市级"), record("s1", "D2"), born=date(2010, 1, 1))
    assert (decision["bonus_points"], decision["deduction_points"]) == (40, 10)


def test_evaluations_of_unknown_subjects_are_ignored() -> None:
    decision = one(record("stranger", "V1"), record("s1", "B8"))
    assert (decision["status"], decision["bonus_points"]) == ("approved", 10)


def test_subjects_keep_input_order() -> None:
    people = [person(f"s{i}") for i in (3, 1, 2)]
    rows = run(people, [record("s1", "B8"), record("s2", "B7")])
    assert [(r["subject"], r["bonus_points"]) for r in rows] == [("s3", 0), ("s1", 10), ("s2", 20)]


# -- limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "cap"), [("农户", 50000), ("新型农业经营主体", 100000), ("个体工商户", 100000)]
)
def test_evaluated_line_is_not_cut_by_the_type_cap(kind: str, cap: int) -> None:
    decision = one(record("s1", "B1", "县级"), record("s1", "B8"), kind=kind)
    assert (decision["total_points"], decision["credit_limit_yuan"]) == (60, 60000)
    assert decision["initial_limit_yuan"] == min(30000, cap)
    assert "LIMIT_" not in decision["reasons"]
    hundred = one(record("s1", "B1", "国家级"), record("s1", "B7"), kind=kind)
    assert (hundred["total_points"], hundred["credit_limit_yuan"]) == (100, 100000)
    assert "LIMIT_" not in hundred["reasons"]


def test_online_ceiling_bounds_the_evaluated_line() -> None:
    above = one(record("s1", "B1", "国家级"), record("s1", "B4", "国家级"))
    assert (above["total_points"], above["credit_limit_yuan"]) == (130, 100000)
    assert above["reasons"].endswith("LIMIT_ONLINE_MAX; RATE_FLOOR_LPR")


@pytest.mark.parametrize(
    ("who", "records", "initial"),
    [
        ({}, [], 30000),  # eligible, approved
        ({}, [record("s1", "D5"), record("s1", "D1")], 30000),  # declined: still granted
        ({}, [record("s1", "V3")], 0),  # vetoed
        ({"income": False}, [], 0),  # ineligible
    ],
)
def test_initial_line(
    who: dict[str, object], records: list[dict[str, object]], initial: int
) -> None:
    assert one(*records, **who)["initial_limit_yuan"] == initial


def test_type_cap_bounds_the_initial_line(tmp_path: Path) -> None:
    policy = modified(tmp_path, ('"农户" = 50000', '"农户" = 20000'))
    decision = one(record("s1", "B1", "县级"), policy=policy)
    assert (decision["initial_limit_yuan"], decision["credit_limit_yuan"]) == (20000, 50000)
    assert decision["reasons"] == "BASE+30; B1@县级+20; INITIAL_CAP_农户"


def test_revision_1_reading_caps_the_evaluated_line(tmp_path: Path) -> None:
    policy = modified(tmp_path, *R1_READINGS)
    decision = one(record("s1", "B1", "县级"), record("s1", "B8"), policy=policy)
    assert (decision["total_points"], decision["credit_limit_yuan"]) == (60, 50000)
    assert decision["reasons"].endswith("LIMIT_CAP_农户")
    online = modified(tmp_path, *R1_READINGS, ('"个体工商户" = 100000', '"个体工商户" = 150000'))
    over = one(
        record("s1", "B1", "国家级"), record("s1", "B4", "国家级"), kind="个体工商户", policy=online
    )
    assert over["credit_limit_yuan"] == 100000
    assert "LIMIT_ONLINE_MAX" in over["reasons"]
    assert "LIMIT_CAP_个体工商户" not in over["reasons"]


def test_unknown_subject_type_is_refused() -> None:
    with pytest.raises(ScoringError, match=r"Subject type '合作社' has no credit cap"):
        one(kind="合作社")


# -- rate and LPR -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bonus_records", "rate"),
    [
        ([], 800),
        ([record("s1", "B9", points=9)], 800),
        ([record("s1", "B9", points=10)], 750),
        ([record("s1", "B9", points=29)], 700),
        ([record("s1", "B9", points=50)], 550),
    ],
)
def test_rate_steps_per_full_ten_bonus_points(
    bonus_records: list[dict[str, object]], rate: int
) -> None:
    assert one(*bonus_records)["rate_bp"] == rate


@pytest.mark.parametrize(
    ("as_of", "floor"),
    [
        (date(2019, 8, 20), 425),
        (date(2019, 9, 19), 425),
        (date(2019, 9, 20), 420),
        (date(2019, 11, 20), 415),
        (date(2020, 2, 19), 415),
        (date(2020, 2, 20), 405),
        (date(2020, 4, 20), 385),
        (date(2021, 12, 20), 380),
        (date(2022, 1, 19), 380),
        (date(2022, 1, 20), 370),
        (date(2022, 8, 21), 370),
        (date(2022, 8, 22), 365),
        (date(2023, 6, 20), 355),
        (date(2023, 8, 21), 345),
        (date(2024, 7, 22), 335),
        (date(2024, 10, 21), 310),
        (date(2025, 5, 19), 310),
        (date(2025, 5, 20), 300),
    ],
)
def test_lpr_floor_on_table_dates(as_of: date, floor: int) -> None:
    # bonus 100 → 800 − 500 = 300, below every LPR of the table but the last.
    decision = one(
        record("s1", "B1", "国家级"),
        record("s1", "B4", "国家级"),
        born=date(1980, 1, 1),
        as_of=as_of,
    )
    assert decision["rate_bp"] == floor
    assert ("RATE_FLOOR_LPR" in decision["reasons"]) is (floor > 300)


def test_stale_lpr_warns(tmp_path: Path) -> None:
    scoring, evaluations = tables([person()], [])
    fresh = score(scoring, evaluations, POLICY, date(2025, 7, 21))  # newest + 62 days
    assert fresh.warnings == ()
    stale = score(scoring, evaluations, POLICY, date(2025, 7, 22))
    assert stale.warning_keys == ("score.lpr.stale",)
    assert stale.warnings == (
        "The newest LPR entry of the policy (2025-05-20) is more than 62 days "
        "before the evaluation date 2025-07-22; the table may be stale.",
    )
    assert stale.decisions["rate_bp"].to_pylist() == [800]


def test_as_of_before_lpr_table_is_an_error() -> None:
    with pytest.raises(LprError, match=r"2019-08-19 precedes the first LPR entry.*2019-08-20"):
        one(as_of=date(2019, 8, 19))


# -- a modified policy ------------------------------------------------------------------------


def test_modified_policy_changes_results(tmp_path: Path) -> None:
    policy = modified(
        tmp_path,
        ('levels = { "县级" = 20, "市级" = 30', 'levels = { "县级" = 25, "市级" = 30'),
        ("yuan_per_point = 1000", "yuan_per_point = 2000"),
        ("online_ceiling_yuan = 100000", "online_ceiling_yuan = 90000"),
        ("step_bp = 50 ", "step_bp = 25 "),
    )
    decision = one(record("s1", "B1", "县级"), policy=policy)
    assert (decision["bonus_points"], decision["total_points"]) == (25, 55)
    assert decision["initial_limit_yuan"] == 50000  # 60,000 capped by the 农户 cap
    assert decision["credit_limit_yuan"] == 90000  # 110,000 capped at the new 90,000
    assert decision["rate_bp"] == 800 - 25 * 2
    assert decision["policy"] == policy.ref != POLICY.ref
    assert decision["reasons"] == "BASE+30; B1@县级+25; INITIAL_CAP_农户; LIMIT_ONLINE_MAX"


def test_counting_each_record_for_fixed(tmp_path: Path) -> None:
    policy = modified(tmp_path, ('fixed = "once"', 'fixed = "each_record"'))
    decision = one(record("s1", "B5.1"), record("s1", "B5.1"), policy=policy)
    assert (decision["bonus_points"], decision["reasons"]) == (20, "BASE+30; B5.1+10; B5.1+10")


# -- invalid input ------------------------------------------------------------------------------


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ScoringError, match=r"item code 'B10'"):
        one(record("s1", "B10"))


@pytest.mark.parametrize("level", [None, "乡级", "社区级"])
def test_bad_level_is_refused(level: str | None) -> None:
    # the engine reads canonical levels only; the ledger maps 乡级 and 社区级 before
    with pytest.raises(ScoringError, match=r"1 record.*of item B1 have a missing level"):
        one(record("s1", "B1", level))


# -- levels outside a code's table (revision 2) -------------------------------------------


@pytest.mark.parametrize(
    ("records", "bonus", "reasons"),
    [
        ([("B2", "村级")], 10, "B2@村级+10"),  # listed: lowest
        ([("B2", "县级")], 30, "B2@县级+30"),  # listed: highest
        ([("B2", "市级")], 30, "B2@市级→县级+30"),  # above: the highest listed
        ([("B2", "国家级")], 30, "B2@国家级→县级+30"),
        ([("B1", "镇级")], 0, "B1@镇级+0"),  # below: 0 points
        ([("B1", "村级")], 0, "B1@村级+0"),
        ([("B1", "镇级"), ("B1", "县级")], 20, "B1@县级+20"),  # the highest record counts
        ([("B2", "市级"), ("B2", "镇级")], 30, "B2@市级→县级+30"),
        ([("B1", "村级"), ("B2", "省级")], 30, "B1@村级+0; B2@省级→县级+30"),
    ],
)
def test_levels_outside_the_table(records: list[tuple[str, str]], bonus: int, reasons: str) -> None:
    scoring, evaluations = tables([person()], [record("s1", c, lv) for c, lv in records])
    result = score(scoring, evaluations, POLICY, AS_OF)
    decision = result.decisions.to_pylist()[0]
    assert decision["bonus_points"] == bonus
    assert decision["reasons"] == f"BASE+30; {reasons}"
    outside = sum(1 for c, lv in records if lv not in POLICY.item(c).levels)
    assert result.warning_keys == ("score.level.outside",) * len(
        {c for c, lv in records if lv not in POLICY.item(c).levels}
    )
    if outside:
        assert "outside the item's table" in result.warnings[0]


def test_level_in_a_gap_counts_as_the_listed_level_below(tmp_path: Path) -> None:
    policy = modified(
        tmp_path,
        (
            'levels = { "村级" = 10, "镇级" = 20, "县级" = 30 }',
            'levels = { "村级" = 10, "县级" = 30 }',
        ),
    )
    decision = one(record("s1", "B2", "镇级"), policy=policy)
    assert (decision["bonus_points"], decision["reasons"]) == (10, "BASE+30; B2@镇级→村级+10")


@pytest.mark.parametrize(("code", "level"), [("B2", "市级"), ("B1", "镇级")])
def test_levels_outside_the_table_refused_when_the_policy_says_so(
    tmp_path: Path, code: str, level: str
) -> None:
    policy = modified(tmp_path, *R1_READINGS)
    with pytest.raises(ScoringError, match=rf"of item {code} have a missing level"):
        one(record("s1", code, level), policy=policy)


def test_counting_setting_per_code(tmp_path: Path) -> None:
    policy = modified(
        tmp_path,
        ('code = "B2"\nname', 'code = "B2"\ncounting = "each_record"\nname'),
    )
    assert policy.item("B2").counting == "each_record"
    assert policy.item("B3").counting == "once"
    decision = one(
        record("s1", "B2", "村级"),
        record("s1", "B2", "镇级"),
        record("s1", "B3", "村级"),
        record("s1", "B3", "镇级"),
        policy=policy,
    )
    assert decision["bonus_points"] == 10 + 20 + 20
    assert decision["reasons"] == "BASE+30; B2@村级+10; B2@镇级+20; B3@镇级+20"


@pytest.mark.parametrize("points", [None, 0, 51])
def test_bad_panel_points_are_refused(points: int | None) -> None:
    with pytest.raises(ScoringError, match=r"item D12 have no points or points outside 1–50"):
        one(record("s1", "D12", points=points))


def test_duplicate_subjects_are_refused() -> None:
    with pytest.raises(ScoringError, match=r"1 subject.*more than once"):
        run([person("a"), person("b"), person("a")])


def test_missing_column_is_refused() -> None:
    scoring, evaluations = tables([person()], [])
    with pytest.raises(ScoringError, match=r"lacks the column 'fixed_income'"):
        score(scoring.drop_columns(["fixed_income"]), evaluations, POLICY, AS_OF)


def test_empty_input() -> None:
    assert run([], []) == []


def test_dictionary_and_chunked_inputs_score_the_same() -> None:
    scoring, evaluations = sample_tables()
    reference = score(scoring, evaluations, POLICY, AS_OF).decisions
    encoded = pa.table(
        {
            name: pc.dictionary_encode(evaluations[name])
            if name in ("subject", "code", "level")
            else evaluations[name]
            for name in evaluations.column_names
        }
    )
    chunked_evaluations = pa.concat_tables([encoded.slice(0, 10), encoded.slice(10)])
    chunked_scoring = pa.concat_tables([scoring.slice(0, 5), scoring.slice(5)])
    result = score(chunked_scoring, chunked_evaluations, POLICY, AS_OF).decisions
    assert result.equals(reference)


@pytest.mark.parametrize(
    "sample", ["ledger-sample.xlsx", "ledger-sample-utf8", "ledger-sample-gb18030"]
)
def test_expected_decisions_from_each_sample_format(sample: str, tmp_path: Path) -> None:
    """The community preview reproduces the published decisions from every container."""
    import csv

    from secure_exchange.station import Station, score_ledger
    from tests.support import shared_path

    out = tmp_path / "preview.csv"
    score_ledger(
        Station(tmp_path / "home"),
        shared_path("samples", sample),
        date(2022, 7, 1),
        load_policy(),
        out,
    )
    got = {r["source_row"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    expected = list(
        csv.DictReader(
            shared_path("samples", "ledger-sample.expected-2022-07-01.r2.csv").open(
                encoding="utf-8-sig"
            )
        )
    )
    assert len(got) == len(expected) == 24
    for row in expected:
        mine = got[row["source_row"]]
        assert mine["subject"] == row["masked_id"]
        for key in DECISION_KEYS:
            assert mine[key] == row[key], (sample, row["source_row"], key)


@pytest.mark.parametrize("seed", range(4))
def test_panel_text_is_each_sitting_written_out_and_joined(seed: int) -> None:
    """The decisions' ``panel`` column, built by Arrow for a whole table, reads as each
    subject's sittings written one at a time: ``<date> <members> <roles>`` joined by "; "
    (a missing field as None, no sittings as empty), over chunks and slices."""
    import random
    from datetime import date as day

    from scoring.engine import _panel_text
    from secure_exchange.package import SITTINGS_TYPE

    rng = random.Random(seed)  # noqa: S311 (test data, not a secret)

    def sitting() -> dict[str, object]:
        return {
            "panel_date": rng.choice([day(2022, 6, 28), day(2022, 7, 1), None]),
            "members": rng.choice([5, 7, None]),
            "roles": rng.choice(["支书/主任、农商银行人员", "", None]),
        }

    rows = [
        None if rng.random() < 0.2 else [sitting() for _ in range(rng.randint(0, 3))]
        for _ in range(rng.randint(5, 60))
    ]
    whole = pa.array(rows, SITTINGS_TYPE)
    for column in (
        pa.chunked_array([whole]),
        pa.chunked_array([whole.slice(3)]),
        pa.chunked_array([whole.slice(0, 2), whole.slice(2)]),
    ):
        expected = [
            "; ".join(f"{s['panel_date']} {s['members']} {s['roles']}" for s in row or ())
            for row in column.to_pylist()
        ]
        assert _panel_text(column).to_pylist() == expected

"""Age facts (scoring.age_facts): the engine decides the age rule from them exactly as from
the birth date, on every day of the window, and refuses what it cannot decide."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import AGE_COLUMNS, AgeWindow, ScoringError, age_facts, load_policy, score
from scoring.age_facts import age_unmet
from tests.support import AGE_WINDOW


def _ages_unmet(births: list[date], day: date) -> list[bool]:
    out = []
    for b in births:
        age = day.year - b.year - ((b.month, b.day) > (day.month, day.day))
        out.append(not 18 <= age <= 60)
    return out


EDGES = [
    date(2004, 2, 29),  # 18th birthday in a common year: 1 March 2022
    date(1960, 2, 29),
    date(1961, 3, 1),  # 61st birthday 1 March 2022
    date(2004, 1, 1),
    date(2004, 12, 31),
    date(2005, 1, 1),  # 18 only in 2023
    date(1961, 1, 1),
    date(1961, 12, 31),
    date(1962, 1, 1),
    date(1990, 6, 15),
    date(2010, 6, 15),
    date(1940, 6, 15),
]


def test_every_day_of_the_window_matches_the_birth_date() -> None:
    rng = np.random.default_rng(7)
    births = EDGES + [
        date(1940, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 29_000, 3000)
    ]
    facts = pa.table(age_facts(pa.array(births, pa.date32()), AGE_WINDOW))
    assert facts.column_names == list(AGE_COLUMNS)
    day = AGE_WINDOW.start
    while day <= AGE_WINDOW.end:
        assert age_unmet(facts, 18, 60, day).tolist() == _ages_unmet(births, day), day
        day += timedelta(days=1)


def test_most_residents_need_no_date() -> None:
    rng = np.random.default_rng(8)
    births = [date(1947, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 21_700, 10_000)]
    facts = age_facts(pa.array(births, pa.date32()), AGE_WINDOW)
    dated = facts["age_from"].is_valid().to_numpy(zero_copy_only=False) | facts[
        "age_until"
    ].is_valid().to_numpy(zero_copy_only=False)
    assert dated.mean() < 0.04  # two birthdays in ~60 years of ages, one year of window
    assert set(facts["age_status"].to_pylist()) == {"eligible", "ineligible", "changes"}


@settings(max_examples=60, deadline=None)
@given(
    birth=st.dates(date(1930, 1, 1), date(2015, 12, 31)),
    start=st.dates(date(2020, 1, 1), date(2026, 12, 31)),
    length=st.integers(0, 4000),
    offset=st.integers(0, 4000),
)
def test_any_window_any_day(birth: date, start: date, length: int, offset: int) -> None:
    window = AgeWindow(start, start + timedelta(days=length), 18, 60)
    facts = pa.table(age_facts(pa.array([birth], pa.date32()), window))
    day = start + timedelta(days=min(offset, length))
    assert age_unmet(facts, 18, 60, day).tolist() == _ages_unmet([birth], day)


def _facts_table() -> pa.Table:
    facts = age_facts(pa.array([date(1990, 1, 1), date(2004, 7, 1)], pa.date32()), AGE_WINDOW)
    base = {
        "subject": ["a" * 32, "b" * 32],
        "community": ["真武社区"] * 2,
        "subject_type": ["农户"] * 2,
        "full_civil_capacity": [True] * 2,
        "fixed_residence": [True] * 2,
        "fixed_income": [True] * 2,
        "major_bad_credit": [False] * 2,
    }
    return pa.table({**base, **facts})


EMPTY_EVALUATIONS = pa.table(
    {
        "subject": pa.array([], pa.string()),
        "code": pa.array([], pa.string()),
        "level": pa.array([], pa.string()),
        "points": pa.array([], pa.int32()),
    }
)


def test_the_engine_scores_age_facts() -> None:
    policy = load_policy()
    before = score(_facts_table(), EMPTY_EVALUATIONS, policy, date(2022, 6, 30)).decisions
    after = score(_facts_table(), EMPTY_EVALUATIONS, policy, date(2022, 7, 1)).decisions
    assert before.column("status").to_pylist() == ["approved", "ineligible"]
    assert "E_AGE" in before.column("reasons")[1].as_py()
    assert after.column("status").to_pylist() == ["approved", "approved"]


@pytest.mark.parametrize("as_of", [date(2021, 12, 31), date(2023, 1, 1)])
def test_a_day_outside_the_window_is_refused_not_guessed(as_of: date) -> None:
    with pytest.raises(ScoringError) as caught:
        score(_facts_table(), EMPTY_EVALUATIONS, load_policy(), as_of)
    assert caught.value.key == "score.input.age_window"


def test_facts_for_another_age_range_are_refused() -> None:
    table = _facts_table()
    label = pa.repeat(pa.scalar("2022-01-01/2022-12-31/18-65"), 2)
    table = table.set_column(table.column_names.index("age_window"), "age_window", label)
    with pytest.raises(ScoringError) as caught:
        score(table, EMPTY_EVALUATIONS, load_policy(), date(2022, 7, 1))
    assert caught.value.key == "score.input.age_range"


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("age_status", ["eligible", "older"]),
        ("age_status", ["eligible", None]),
        ("age_window", ["2022-01-01/2022-12-31/18-60", "2021-01-01/2021-12-31/18-60"]),
        ("age_from", [date(2022, 3, 1), None]),  # a date on an "eligible" row
    ],
)
def test_malformed_facts_are_refused(column: str, values: list[object]) -> None:
    table = _facts_table()
    kind = table.schema.field(column).type
    table = table.set_column(table.column_names.index(column), column, pa.array(values, kind))
    with pytest.raises(ScoringError) as caught:
        score(table, EMPTY_EVALUATIONS, load_policy(), date(2022, 7, 1))
    assert caught.value.key == "score.input.age_facts"

"""The Annex 2 engine on random subjects (hypothesis): the rules of ledger-v1 hold for every
decision, decisions do not depend on the other subjects or on record order, and more bonus
never lowers a line nor raises a rate.

Points, statuses and rates are recomputed here from the policy's numbers alone. Limits are
only bounded (by ``total × yuan_per_point`` and the online ceiling) and shown monotone, so
these properties hold whichever subject-type caps a policy revision applies.
"""

from __future__ import annotations

from datetime import date
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import load_policy, score
from scoring.policy import Item
from tests.support import person, record, tables

POLICY = load_policy()
PROPERTY = settings(max_examples=60)
ONCE = {item.code for item in POLICY.items if POLICY.counting.get(item.kind) == "once"}
VETOES = {item.code for item in POLICY.items if item.kind == "veto"}
SIGN = {item.code: 0 if item.kind == "veto" else item.sign for item in POLICY.items}

Subject = tuple[dict[str, object], list[dict[str, object]]]
Entry = tuple[str, str | None, int | None]  # an evaluation: code, level, points
Drawn = tuple[date, str, tuple[bool | None, ...], list[Entry]]  # a subject: born, type, flags


def _entries(items: list[Item]) -> st.SearchStrategy[Entry]:
    """Valid evaluations of these items (a level of the item's, points in its range)."""
    return st.one_of(
        [
            st.tuples(
                st.just(item.code),
                st.sampled_from(sorted(item.levels)) if item.levels else st.none(),
                st.integers(*item.points_range) if item.points_range else st.none(),
            )
            for item in items
        ]
    )


# Vetoes are drawn less often than the other items, so most subjects are scored to the end.
ENTRIES = _entries([item for item in POLICY.items for _ in range(1 if item.kind == "veto" else 4)])
BONUS = _entries([item for item in POLICY.items if item.sign > 0 and item.kind != "veto"])
DEDUCTION = _entries([item for item in POLICY.items if item.sign < 0 and item.kind != "veto"])
MOSTLY = st.sampled_from((True,) * 12 + (False, None))
RARELY = st.sampled_from((False,) * 12 + (True, None))
SUBJECT = st.tuples(
    st.dates(date(1958, 1, 1), date(2008, 12, 31)),  # 12 to 67 years old on AS_OF
    st.sampled_from(sorted(POLICY.limit.caps)),
    st.tuples(MOSTLY, MOSTLY, MOSTLY, RARELY),
    st.lists(ENTRIES, max_size=6),
)
BATCH = st.lists(SUBJECT, min_size=1, max_size=6)
AS_OF = st.dates(date(2020, 1, 1), date(2025, 12, 31))


def _subject(drawn: Drawn, name: str = "s1") -> Subject:
    born, kind, (capacity, residence, income, bad_credit), entries = drawn
    who = person(
        name,
        born=born,
        kind=kind,
        capacity=capacity,
        residence=residence,
        income=income,
        bad_credit=bad_credit,
    )
    return who, [record(name, *entry) for entry in entries]


def _batch(drawn: list[Drawn]) -> list[Subject]:
    return [_subject(d, f"s{i}") for i, d in enumerate(drawn)]


def _decisions(subjects: list[Subject], as_of: date) -> list[dict[str, object]]:
    people = [who for who, _ in subjects]
    records = [r for _, rs in subjects for r in rs]
    return score(*tables(people, records), POLICY, as_of).decisions.to_pylist()


def _age(born: date, as_of: date) -> int:
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def _eligible(who: dict[str, object], as_of: date) -> bool:
    base = POLICY.base
    born = who["birth_date"]
    assert isinstance(born, date)
    met = [who[c.column] is not None and who[c.column] == c.required for c in base.conditions]
    return base.min_age <= _age(born, as_of) <= base.max_age and all(met)


def _points(records: list[dict[str, object]]) -> tuple[int, int, bool]:
    """(bonus, deduction, vetoed) by rules 2–4: once-items at their highest, others summed."""
    values: dict[str, list[int]] = {}
    for r in records:
        item = POLICY.item(str(r["code"]))
        assert item is not None
        value = item.levels[str(r["level"])] if item.levels else r["points"] or item.points
        values.setdefault(item.code, []).append(int(value or 0))
    by_sign = {1: 0, -1: 0, 0: 0}  # 0: vetoes, which carry no points
    for code, found in values.items():
        by_sign[SIGN[code]] += max(found) if code in ONCE else sum(found)
    return by_sign[1], by_sign[-1], bool(values.keys() & VETOES)


def _status(vetoed: bool, eligible: bool, total: int) -> str:
    """Rule 5: the first match wins."""
    if vetoed:
        return "vetoed"
    if not eligible:
        return "ineligible"
    return "declined" if total <= POLICY.base.declined_at_or_below else "approved"


def _with_and_without(
    drawn: Drawn, extra: Entry, as_of: date
) -> tuple[dict[str, object], dict[str, object]]:
    """The decision of one subject, then the same with one more evaluation."""
    who, records = _subject(drawn)
    more = [*records, record("s1", *extra)]
    return _decisions([(who, records)], as_of)[0], _decisions([(who, more)], as_of)[0]


def _lpr(as_of: date) -> int:
    return [e.bp for e in POLICY.rate.lpr if e.date <= as_of][-1]


@PROPERTY
@given(BATCH, AS_OF)
def test_every_decision_follows_the_rules(drawn: list[Drawn], as_of: date) -> None:
    subjects = _batch(drawn)
    rate, limit = POLICY.rate, POLICY.limit
    for (who, records), row in zip(subjects, _decisions(subjects, as_of), strict=True):
        bonus, deduction, vetoed = _points(records)
        eligible = _eligible(who, as_of)
        total = POLICY.base.points + bonus - deduction
        status = _status(vetoed, eligible, total)
        assert (row["status"], row["bonus_points"], row["deduction_points"]) == (
            status,
            bonus,
            deduction,
        )
        assert row["base_points"] == (POLICY.base.points if eligible else 0)
        assert row["total_points"] == (total if eligible else None)
        if status != "approved":
            assert (row["credit_limit_yuan"], row["rate_bp"]) == (0, None)
            continue
        ceiling = min(total * limit.yuan_per_point, limit.online_ceiling_yuan)
        assert 0 < row["credit_limit_yuan"] <= ceiling
        stepped = rate.ceiling_bp - rate.step_bp * (bonus // rate.step_points)
        assert row["rate_bp"] == max(stepped, _lpr(as_of))
        assert _lpr(as_of) <= row["rate_bp"] <= rate.ceiling_bp


@PROPERTY
@given(BATCH, AS_OF, st.randoms(use_true_random=False))
def test_decisions_depend_only_on_the_subject_itself(
    drawn: list[Drawn], as_of: date, random: Random
) -> None:
    subjects = _batch(drawn)
    together = _decisions(subjects, as_of)
    assert together == [_decisions([s], as_of)[0] for s in subjects]
    shuffled = [(who, random.sample(rs, len(rs))) for who, rs in subjects]
    reordered = _decisions(shuffled, as_of)
    for row in (*reordered, *together):
        del row["reasons"]  # records counted per record are listed in input order
    assert reordered == together


@PROPERTY
@given(SUBJECT, BONUS, AS_OF)
def test_a_bonus_never_lowers_the_line_nor_raises_the_rate(
    drawn: Drawn, extra: Entry, as_of: date
) -> None:
    before, after = _with_and_without(drawn, extra, as_of)
    assert after["credit_limit_yuan"] >= before["credit_limit_yuan"]
    if before["status"] == "approved":
        assert after["status"] == "approved"
        assert after["rate_bp"] <= before["rate_bp"]


@PROPERTY
@given(SUBJECT, DEDUCTION, AS_OF)
def test_a_deduction_never_raises_the_line_and_leaves_the_rate(
    drawn: Drawn, extra: Entry, as_of: date
) -> None:
    before, after = _with_and_without(drawn, extra, as_of)
    assert after["credit_limit_yuan"] <= before["credit_limit_yuan"]
    if after["status"] == "approved":
        assert before["status"] == "approved"
        assert after["rate_bp"] == before["rate_bp"]


def test_the_strategies_reach_every_status() -> None:
    """A guard on the generators: each status is drawn, so no property holds vacuously."""
    seen: set[object] = set()

    @settings(max_examples=100, database=None, derandomize=True)
    @given(BATCH, AS_OF)
    def collect(drawn: list[Drawn], as_of: date) -> None:
        seen.update(row["status"] for row in _decisions(_batch(drawn), as_of))

    collect()
    assert seen == set(POLICY.statuses)

"""Scoring a package in buckets of subjects: the same decisions, warnings and summary as
scoring it whole, a repeat across buckets refused, the bank's adjustments per bucket."""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from pathlib import Path

import pyarrow as pa
import pytest

from scoring import (
    Adjustment,
    AdjustmentError,
    ScoringError,
    apply_adjustments,
    load_policy,
    score,
    summarise,
)
from secure_exchange.ledger import read_ledger
from secure_exchange.package import VerifiedPackage
from secure_exchange.pseudonym import pseudonymise
from secure_exchange.station.bucketed import Tally, scored_buckets
from tests.support import AGE_WINDOW, Parties, shared_path
from tests.test_package_hardening import _seal, _verify

AS_OF = date(2022, 7, 1)


@pytest.fixture
def small_buckets(monkeypatch: pytest.MonkeyPatch) -> int:
    """Buckets of seven subjects (and row groups of five), so the sample spans many."""
    monkeypatch.setattr("secure_exchange.station.bucketed.BUCKET_SUBJECTS", 7)
    monkeypatch.setattr("secure_exchange.package.parts.ROW_GROUP_ROWS", 5)
    return 7


@cache
def sample_tables() -> tuple[pa.Table, pa.Table]:
    """The sample ledger's scoring and evaluations groups, as a package carries them."""
    ledger = read_ledger(shared_path("samples", "ledger-sample-utf8"))
    split = pseudonymise(ledger.residents, ledger.evaluations, os.urandom(32), AGE_WINDOW)
    return split.groups["scoring"], split.groups["evaluations"]


def _package(parties: Parties, tmp_path: Path, scoring: pa.Table) -> VerifiedPackage:
    evaluations = sample_tables()[1]
    sealed = _seal(parties, tmp_path, {"scoring": scoring, "evaluations": evaluations})
    return _verify(parties, sealed.path)


def _bucketed(
    package: VerifiedPackage, parties: Parties, adjustments: tuple[Adjustment, ...] = ()
) -> tuple[pa.Table, Tally]:
    policy = load_policy()
    tally = Tally(policy, AS_OF)
    pieces = []
    readers = [parties.scoring.age_identity]
    for result in scored_buckets(package, readers, policy, AS_OF, adjustments, "adj.csv"):
        pieces.append(result.decisions)
        tally.add(result)
    return pa.concat_tables(pieces), tally


def test_buckets_give_the_decisions_warnings_and_summary_of_the_whole(
    parties: Parties, tmp_path: Path, small_buckets: int
) -> None:
    scoring, evaluations = sample_tables()
    whole = score(scoring, evaluations, load_policy(), AS_OF)
    decisions, tally = _bucketed(_package(parties, tmp_path, scoring), parties)
    assert len(tally.summaries) == -(-scoring.num_rows // small_buckets) > 2
    assert decisions.equals(whole.decisions)
    outcome = tally.outcome()
    assert (outcome.warnings, outcome.warning_keys) == (whole.warnings, whole.warning_keys)
    assert outcome.summary == summarise(whole.decisions)


def test_a_subject_repeated_across_buckets_is_refused_as_within_one(
    parties: Parties, tmp_path: Path, small_buckets: int
) -> None:
    scoring, evaluations = sample_tables()
    repeated = pa.concat_tables([scoring, scoring.slice(0, 2)])  # rows 1, 2 again at the end
    with pytest.raises(ScoringError) as whole:
        score(repeated, evaluations, load_policy(), AS_OF)
    with pytest.raises(ScoringError) as bucketed:
        _bucketed(_package(parties, tmp_path, repeated), parties)
    assert bucketed.value.key == whole.value.key == "score.input.duplicate_subject"
    assert bucketed.value.params["count"] == whole.value.params["count"] == 2


def _adjustments(decisions: pa.Table) -> tuple[Adjustment, ...]:
    approved = [row["subject"] for row in decisions.to_pylist() if row["status"] == "approved"]
    assert len(approved) >= 3
    return (
        Adjustment(2, approved[-1], "decline", None, "CREDIT"),
        Adjustment(3, approved[0], "rate", 450, "PANEL"),
        Adjustment(4, approved[len(approved) // 2], "limit", 20_000, "VERIFY"),
    )


def test_adjustments_apply_bucket_by_bucket_as_to_the_whole(
    parties: Parties, tmp_path: Path, small_buckets: int
) -> None:
    scoring, evaluations = sample_tables()
    policy = load_policy()
    whole = score(scoring, evaluations, policy, AS_OF).decisions
    adjustments = _adjustments(whole)
    expected = apply_adjustments(whole, adjustments, policy, AS_OF, source="adj.csv")
    decisions, _ = _bucketed(_package(parties, tmp_path, scoring), parties, adjustments)
    assert decisions.equals(expected)


def test_an_adjustment_of_a_subject_no_bucket_holds_is_refused(
    parties: Parties, tmp_path: Path, small_buckets: int
) -> None:
    scoring = sample_tables()[0]
    stranger = (Adjustment(2, "f" * 32, "rate", 450, "PANEL"),)
    with pytest.raises(AdjustmentError) as info:
        _bucketed(_package(parties, tmp_path, scoring), parties, stranger)
    assert info.value.key == "score.adjust.unknown_subject"
    assert info.value.params["row"] == 2

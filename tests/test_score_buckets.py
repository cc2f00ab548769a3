"""Scoring a package in buckets of subjects: the same decisions, warnings and summary as
scoring it whole, a repeat across buckets refused, the bank's adjustments per bucket."""

from __future__ import annotations

import io
import os
from datetime import date
from functools import cache
from pathlib import Path
from typing import cast

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import Result

from scoring import (
    Adjustment,
    AdjustmentError,
    ScoreResult,
    ScoringError,
    apply_adjustments,
    load_policy,
    score,
    score_warnings,
    summarise,
)
from secure_exchange.ledger import read_ledger
from secure_exchange.package import VerifiedPackage
from secure_exchange.pseudonym import pseudonymise
from secure_exchange.station import bucketed
from secure_exchange.station.bucketed import Tally, scored_buckets
from tests.support import AGE_WINDOW, NUMBER, Parties, World, read_csv, shared_path
from tests.test_package_hardening import _seal, _verify

AS_OF = date(2022, 7, 1)


@pytest.fixture(params=["one pass", "a pass per bucket"])
def small_buckets(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Buckets of seven subjects (and row groups of five), so the sample spans many; the
    records handed to the buckets from one pass (tokens), or each bucket's own pass (the
    way for subjects the index cannot hold)."""
    monkeypatch.setattr("secure_exchange.station.bucketed.BUCKET_SUBJECTS", 7)
    monkeypatch.setattr("secure_exchange.package.parts.ROW_GROUP_ROWS", 5)
    if request.param == "a pass per bucket":
        monkeypatch.setattr(bucketed, "_split", lambda *_args: None)
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


# --- sx score PACKAGE, bucketed and whole ---------------------------------------------------


@pytest.fixture(scope="module")
def imported(world: World) -> Path:
    """The sample sealed at the community and imported at the bank."""
    ledger = shared_path("samples", "ledger-sample.xlsx")
    sealed = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(package))
    return package


def _score(world: World, package: Path, out: Path, *args: str, ok: bool = True) -> Result:
    return world.sx(
        world.bank,
        "score",
        str(package),
        "--as-of",
        "2022-07-01",
        "--out",
        str(out),
        "--force",
        *args,
        ok=ok,
    )


def _summary(result: Result) -> list[str]:
    return result.output.splitlines()[:-1]  # the last line names the file written


def _record_files(world: World) -> dict[str, bytes]:
    """The bank's scoring records (none before its first score: the test may run alone)."""
    folder = world.bank / "state" / "scored"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sx_score_writes_the_same_decisions_in_buckets(
    world: World, imported: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    whole_out = world.root / f"whole{suffix}"
    whole = _score(world, imported, whole_out)
    whole_approved = _approved_file(world).read_bytes()
    monkeypatch.setattr("secure_exchange.station.bucketed.BUCKET_SUBJECTS", 7)
    parts_out = world.root / f"parts{suffix}"
    parts = _score(world, imported, parts_out)
    assert _summary(parts) == _summary(whole)
    if suffix == ".csv":
        assert parts_out.read_bytes() == whole_out.read_bytes()
    else:
        assert pq.read_table(parts_out).equals(pq.read_table(whole_out))
    assert pq.read_table(_approved_file(world)).equals(pq.read_table(io.BytesIO(whole_approved)))
    listed = world.root / f"listed{suffix}.csv"
    approved = (
        [r for r in read_csv(whole_out) if r["status"] == "approved"] if suffix == ".csv" else []
    )
    assert approved or suffix != ".csv"
    if approved:  # re-identification follows the bucketed scoring's record
        listed.write_text("subject\n" + "\n".join(r["subject"] for r in approved[-3:]) + "\n")
        done = world.sx(
            world.bank,
            "reidentify",
            str(listed),
            "--package",
            str(imported),
            "--reason",
            "notify",
            "--out",
            str(world.root / "call.csv"),
            "--force",
        )
        assert done.exit_code == 0
        assert len(read_csv(world.root / "call.csv")) == 3


def _approved_file(world: World) -> Path:
    return next((world.bank / "state" / "scored").glob("*.approved.parquet"))


def test_xlsx_of_more_rows_than_a_sheet_holds_is_refused_before_decrypting(
    world: World, imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("secure_exchange.station.bucketed.XLSX_ROWS", 5)
    before = _record_files(world)
    out = world.root / "too-many.xlsx"
    refused = _score(world, imported, out, ok=False)
    assert refused.exit_code == 1
    assert "more than an Excel sheet holds" in refused.output
    assert ".csv or .parquet" in refused.output
    assert not out.exists()
    assert _record_files(world) == before
    shown = world.sx(world.bank, "audit", "show", "--action", "scored", "--json")
    assert "too-many" not in shown.output


def test_a_failure_in_a_later_bucket_leaves_no_output_and_the_record_as_it_was(
    world: World, imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _score(world, imported, world.root / "first.csv")
    before = _record_files(world)
    monkeypatch.setattr("secure_exchange.station.bucketed.BUCKET_SUBJECTS", 7)
    calls = {"n": 0}
    real = bucketed.score

    def failing(*args: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ScoringError("score.input.duplicate_subject", count=1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(bucketed, "score", failing)
    out = world.root / "half.csv"
    refused = _score(world, imported, out, ok=False)
    assert refused.exit_code == 1
    assert calls["n"] == 3
    assert not out.exists()
    assert [p.name for p in world.root.iterdir() if p.name.startswith(".half")] == []
    assert _record_files(world) == before


def test_outside_level_counts_add_up_over_buckets_in_policy_order() -> None:
    policy = load_policy()
    first, second = policy.codes[0], policy.codes[3]
    empty = score(*sample_tables(), policy, AS_OF).decisions.slice(0, 0)
    tally = Tally(policy, AS_OF)
    tally.add(ScoreResult(empty, (), (), ((second, 2),)))
    tally.add(ScoreResult(empty, (), (), ((first, 1), (second, 3))))
    expected = score_warnings(policy, AS_OF, ((first, 1), (second, 5)))
    outcome = tally.outcome()
    assert (outcome.warnings, outcome.warning_keys) == expected
    assert outcome.warning_keys.count("score.level.outside") == 2
    assert outcome.summary.subjects == 0


def test_packages_with_the_rosters_sittings_are_scored_in_half_buckets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from secure_exchange.package.manifest import SchemaField

    def package(*names: str) -> VerifiedPackage:
        fields = tuple(SchemaField(n, "string", True) for n in names)
        group = SimpleNamespace(name="scoring", schema=fields)
        return cast(VerifiedPackage, SimpleNamespace(manifest=SimpleNamespace(groups=(group,))))

    monkeypatch.setattr(bucketed, "BUCKET_SUBJECTS", 10)
    assert bucketed.bucket_subjects(package("subject", "community")) == 10
    assert bucketed.bucket_subjects(package("subject", "panel_sittings")) == 5

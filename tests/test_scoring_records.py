"""The subject index: the fixed-width path agrees with the general hash pass, exactly."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from scoring import _records
from scoring._records import subject_index
from scoring.errors import ScoringError


def _tokens(rng: np.random.Generator, count: int, width: int = 32) -> list[str]:
    return ["".join(rng.choice(list("0123456789abcdef"), width)) for _ in range(count)]


def _chunked(values: list[str | None], pieces: int = 3) -> pa.ChunkedArray:
    step = max(1, -(-len(values) // pieces))
    parts = [values[i : i + step] for i in range(0, len(values), step)] or [[]]
    return pa.chunked_array([pa.array(p, pa.string()) for p in parts], pa.string())


@pytest.mark.parametrize("width", [18, 32, 7, 16, 64])
def test_fixed_width_matches_hash_pass(width: int) -> None:
    rng = np.random.default_rng(width)
    mine = _tokens(rng, 500, width)
    strangers = _tokens(rng, 50, width)
    theirs = [mine[i] for i in rng.integers(0, 500, 900)] + strangers
    rng.shuffle(theirs)
    scoring, evaluations = _chunked(list(mine)), _chunked(list(theirs), 5)
    assert _records._fixed_rows(scoring) is not None  # the fast path is taken
    fast = subject_index(scoring, evaluations)
    slow = _records._subject_index_hashed(scoring, evaluations)
    assert fast.tolist() == slow.tolist()
    assert [mine[i] if i >= 0 else None for i in fast] == [
        t if t in set(mine) else None for t in theirs
    ]


def test_a_stranger_sharing_a_key_is_not_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    # The key made of the first word only: a stranger starting like a subject collides,
    # and the full comparison still tells them apart.
    monkeypatch.setattr(_records, "_row_key", lambda rows: rows[:, 0].copy())
    monkeypatch.setattr(_records, "_subject_index_hashed", None)  # the fast path only
    scoring = _chunked(["a" * 32, "b" * 32, "c" * 32])
    evaluations = _chunked(["a" * 8 + "z" * 24, "c" * 32, "b" * 8 + "a" * 24, "a" * 32])
    assert subject_index(scoring, evaluations).tolist() == [-1, 2, -1, 0]


def test_keys_shared_within_the_scoring_table_are_told_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_records, "_row_key", lambda rows: np.zeros(len(rows), np.uint64))
    monkeypatch.setattr(_records, "_subject_index_hashed", None)  # the fast path only
    scoring = _chunked(["a" * 32, "b" * 32, "c" * 32])
    evaluations = _chunked(["c" * 32, "x" * 32, "a" * 32, "b" * 32, "c" * 32])
    assert subject_index(scoring, evaluations).tolist() == [2, -1, 0, 1, 2]


def test_too_many_sharing_a_key_take_the_hash_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_records, "_row_key", lambda rows: np.zeros(len(rows), np.uint64))
    monkeypatch.setattr(_records, "_NEAR_LIMIT", 2)
    scoring = _chunked(["a" * 32, "b" * 32, "c" * 32])
    evaluations = _chunked(["c" * 32, "x" * 32, "a" * 32])
    assert _records._match_rows(*(_records._fixed_rows(c) for c in (scoring, evaluations))) is None
    assert subject_index(scoring, evaluations).tolist() == [2, -1, 0]


@pytest.mark.parametrize("key_bits", [64, 6, 2, 0])
@pytest.mark.parametrize("width", [32, 18, 8, 3, 16, 64, 40])
def test_colliding_keys_match_as_the_hash_pass(
    key_bits: int, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keys cut to a few bits: many subjects and strangers share each key, in any order.
    real = _records._row_key
    mask = np.uint64((1 << key_bits) - 1 if key_bits < 64 else 2**64 - 1)
    monkeypatch.setattr(_records, "_row_key", lambda rows: (real(rows) & mask) << np.uint64(58))
    rng = np.random.default_rng(key_bits * 100 + width)
    mine = list(dict.fromkeys(_tokens(rng, 300, width)))
    strangers = [t for t in _tokens(rng, 60, width) if t not in set(mine)]
    theirs = [mine[i] for i in rng.integers(0, len(mine), 700)] + strangers
    rng.shuffle(theirs)
    scoring, evaluations = _chunked(mine, 4), _chunked(theirs, 3)
    if key_bits > 2:
        found = _records._match_rows(*(_records._fixed_rows(c) for c in (scoring, evaluations)))
        assert found is not None
    expected = [mine.index(t) if t in set(mine) else -1 for t in theirs]
    assert subject_index(scoring, evaluations).tolist() == expected
    assert _records._subject_index_hashed(scoring, evaluations).tolist() == expected


@pytest.mark.parametrize("key_bits", [64, 1])
def test_a_repeat_among_colliding_keys_is_refused(
    key_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _records._row_key
    mask = np.uint64((1 << key_bits) - 1 if key_bits < 64 else 2**64 - 1)
    monkeypatch.setattr(_records, "_row_key", lambda rows: (real(rows) & mask) << np.uint64(60))
    subjects = ["a" * 32, "b" * 32, "c" * 32, "d" * 32, "b" * 32]
    with pytest.raises(ScoringError, match="subject") as caught:
        subject_index(_chunked(subjects), _chunked(["b" * 32]))
    assert caught.value.key == "score.input.duplicate_subject"


def test_one_subject_and_no_records() -> None:
    assert subject_index(_chunked(["a" * 32]), _chunked(["a" * 32, "b" * 32])).tolist() == [0, -1]
    assert subject_index(_chunked(["a" * 32]), _chunked([], 1)).tolist() == []
    assert subject_index(_chunked([], 1), _chunked(["a" * 32])).tolist() == [-1]
    assert subject_index(_chunked(["a" * 32]), _chunked([None, "a" * 32])).tolist() == [-1, 0]


def test_unaligned_and_sliced_columns_are_read_exactly() -> None:
    values = [f"{i:032x}" for i in range(50)]
    whole = pa.array(["x", *values], pa.string())
    sliced = pa.chunked_array([whole.slice(1)])  # an offset: bytes start off 8-byte alignment
    asked = pa.chunked_array([pa.array(values[::-1], pa.string()).slice(5, 20)])
    assert subject_index(sliced, asked).tolist() == list(range(44, 24, -1))


@pytest.mark.parametrize(
    "subjects",
    [["a" * 32, "b" * 32, "a" * 32, "a" * 32], ["a" * 32, None, "b" * 32], ["ab", "abc", "ab"]],
)
@pytest.mark.parametrize("wanted", ["b" * 32, "b" * 18])
def test_a_repeated_or_missing_subject_is_refused(subjects: list[str | None], wanted: str) -> None:
    with pytest.raises(ScoringError, match="subject") as caught:
        subject_index(_chunked(subjects), _chunked([wanted]))
    assert caught.value.key == "score.input.duplicate_subject"


def test_mixed_widths_take_the_hash_pass() -> None:
    scoring = _chunked(["ab", "abc", "abcd"])
    evaluations = _chunked(["abcd", "zz", "ab", "abc"])
    assert _records._fixed_rows(scoring) is None
    assert subject_index(scoring, evaluations).tolist() == [2, -1, 0, 1]


def test_evaluations_of_another_width_match_nothing() -> None:
    scoring = _chunked(["a" * 32, "b" * 32])
    assert subject_index(scoring, _chunked(["a" * 18, "b" * 18])).tolist() == [-1, -1]
    assert subject_index(scoring, _chunked([], 1)).tolist() == []
    assert subject_index(_chunked(["ab"]), _chunked(["ab\x00"])).tolist() == [-1]


def test_many_strangers_sharing_keys_take_the_hash_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys are public: a package could make every record a stranger sharing the key of a
    # run of subjects; past the limit the hash pass answers instead of walking back.
    monkeypatch.setattr(_records, "_row_key", lambda rows: np.zeros(len(rows), np.uint64))
    monkeypatch.setattr(_records, "_NEAR_LIMIT", 3)
    scoring = _chunked(["a" * 32, "b" * 32, "c" * 32])
    strangers = _chunked(["x" * 32, "y" * 32, "z" * 32, "w" * 32, "a" * 32])
    rows = (_records._fixed_rows(c) for c in (scoring, strangers))
    assert _records._match_rows(*rows) is None
    assert subject_index(scoring, strangers).tolist() == [-1, -1, -1, -1, 0]

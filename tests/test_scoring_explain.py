"""The reasons column: entries per subject in rule order, whichever way it is joined."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import _explain
from scoring._explain import Explainer


def _reference(size: int, parts: list[tuple[list[int], list[str]]]) -> list[str]:
    entries: list[list[str]] = [[] for _ in range(size)]
    for subjects, texts in parts:
        for subject, text in zip(subjects, texts, strict=True):
            entries[subject].append(text)
    return ["; ".join(e) for e in entries]


def _explained(size: int, parts: list[tuple[list[int], list[str]]]) -> list[str]:
    explain = Explainer(size)
    for subjects, texts in parts:
        ids = np.array([explain.label(t) for t in texts], dtype=np.int64)
        explain.add(np.array(subjects, dtype=np.int64), ids)
    return [str(v) for v in explain.build().to_pylist()]


@pytest.mark.parametrize(
    ("labels", "rules", "limit"), [(5, 4, 100_000), (70, 12, 100_000), (5, 4, 3)]
)
def test_reasons_match_the_reference(
    labels: int, rules: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 70 labels and up to 24 entries a subject do not fit a 63-bit code; a limit of 3
    # distinct lists sends the first case back to the general join as well.
    monkeypatch.setattr(_explain, "_MAX_COMBINATIONS", limit)
    rng = np.random.default_rng(labels + rules)
    size = 40
    parts = []
    for _ in range(rules):
        chosen = np.sort(rng.choice(size, 15))  # repeats: several entries of one rule
        parts.append(([int(s) for s in chosen], [f"R{rng.integers(labels)}" for _ in chosen]))
    assert _explained(size, parts) == _reference(size, parts)


def test_subjects_without_entries_get_empty_reasons() -> None:
    assert _explained(3, [([1], ["BASE+30"])]) == ["", "BASE+30", ""]
    assert _explained(2, []) == ["", ""]


def _mixed(
    size: int, rules: int, labels: int, seed: int
) -> tuple[Explainer, list[tuple[list[int], list[str]]]]:
    """Masks (dense and sparse) and indexed parts with repeats, as the engine adds them."""
    rng = np.random.default_rng(seed)
    explain, parts = Explainer(size), []
    for number in range(rules):
        if number % 3 == 0:
            mask = rng.random(size) < (0.9 if number % 2 == 0 else 0.02)  # dense first
            text = f"M{rng.integers(labels)}"
            explain.add_mask(mask, text)
            chosen = np.flatnonzero(mask)
            parts.append(([int(s) for s in chosen], [text] * chosen.size))
            continue
        chosen = np.sort(rng.choice(size, int(rng.integers(1, 3 * size + 1))))  # repeats
        texts = [f"R{rng.integers(labels)}" for _ in chosen]
        explain.add(chosen.astype(np.int64), np.array([explain.label(t) for t in texts]))
        parts.append(([int(s) for s in chosen], texts))
    return explain, parts


@pytest.mark.parametrize(
    ("size", "rules", "labels", "long", "limit"),
    [
        (60, 9, 6, 10_000, 100_000),  # short lists: codes only
        (60, 30, 100, 10_000, 100_000),  # long lists joined on their own
        (60, 30, 100, 2, 100_000),  # too many long lists: the general join
        (60, 9, 6, 10_000, 2),  # too many distinct lists: the general join
        (1, 40, 300, 10_000, 100_000),  # one subject, many entries in one part
        (80, 12, 30, 10_000, 100_000),  # 6 bits a label: lists of about 10, either way
        (80, 16, 12, 10_000, 100_000),  # 5 bits a label: lists of about 12, either way
        (80, 6, 1, 10_000, 100_000),  # 2 labels, 1 bit each
    ],
)
def test_masks_runs_and_long_lists_match_the_reference(
    size: int, rules: int, labels: int, long: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_explain, "_MAX_LONG", long)
    monkeypatch.setattr(_explain, "_MAX_COMBINATIONS", limit)
    for seed in range(5):
        explain, parts = _mixed(size, rules, labels, seed)
        assert [str(v) for v in explain.build().to_pylist()] == _reference(size, parts)


def test_a_part_with_more_entries_than_a_code_holds() -> None:
    texts = [f"R{i % 3}" for i in range(40)]
    assert _explained(2, [([1] * 40, texts), ([0, 1], ["A", "B"])]) == [
        "A",
        "; ".join([*texts, "B"]),
    ]
    assert _explained(0, []) == []

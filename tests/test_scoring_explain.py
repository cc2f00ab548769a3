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

"""Counting one item's records per subject: the sort-based reduction against a plain
reference (ties, repeats, input order), and its fallbacks for keys that do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import engine
from scoring._explain import Explainer
from scoring.engine import _by_subject, _count
from scoring.policy import load_policy

POLICY = load_policy()
ONCE = next(i for i in POLICY.items if i.kind != "veto" and i.counting == "once")
EACH = next(i for i in POLICY.items if i.kind != "veto" and i.counting == "each_record")


def _reference(
    once: bool, subjects: list[int], values: list[int], labels: list[int]
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Points per subject and the (subject, label) entries, subject by subject."""
    points: dict[int, int] = {}
    entries: list[tuple[int, int]] = []
    for subject in sorted(set(subjects)):
        mine = [i for i, s in enumerate(subjects) if s == subject]
        if once:
            best = max(values[i] for i in mine)
            first = next(i for i in mine if values[i] == best)
            points[subject] = best
            entries.append((subject, labels[first]))
        else:
            points[subject] = sum(values[i] for i in mine)
            entries += [(subject, labels[i]) for i in mine]
    return points, entries


@pytest.mark.parametrize("once", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_counting_matches_the_reference(once: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 40))
    count = int(rng.integers(1, 120))
    subjects = rng.integers(0, size, count)
    values = rng.integers(0, 4, count) * int(rng.choice([1, 5]))  # ties at the best
    labels = rng.integers(0, 9, count)
    explain = Explainer(size)
    who, points = _count(ONCE if once else EACH, subjects, values, labels, explain)
    expected, entries = _reference(once, subjects.tolist(), values.tolist(), labels.tolist())
    assert dict(zip(who.tolist(), points.tolist(), strict=True)) == expected
    assert who.tolist() == sorted(expected)
    (part,) = explain._parts
    assert part.subjects is not None
    assert list(zip(part.subjects.tolist(), np.asarray(part.ids).tolist(), strict=True)) == entries


@pytest.mark.parametrize("then", [None, "values"])
def test_the_order_falls_back_when_the_packed_key_does_not_fit(then: str | None) -> None:
    rng = np.random.default_rng(3)
    subjects = rng.integers(0, 7, 50)
    extra = rng.integers(0, 3, 50) if then else None
    packed = _by_subject(subjects, extra)
    big = subjects + 2**40  # no room left for the position in 63 bits
    assert (big[packed] == np.sort(big)).all()
    assert _by_subject(big, extra).tolist() == packed.tolist()
    assert engine._distinct(np.array([5, 2**20, 5, 0])).tolist() == [0, 5, 2**20]

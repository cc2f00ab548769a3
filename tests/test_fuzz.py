"""Replay the fuzzing seed corpus and every kept crash through its target.

``fuzz/run.py`` finds inputs on which a reader of untrusted bytes fails with anything but
a typed refusal; each such input is kept under ``tests/vectors/fuzz/<target>/`` and must
from then on be refused cleanly. The seeds must be refused cleanly or accepted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fuzz"))

import targets  # noqa: E402  (fuzz/ is not a package: it is run as a script)

REGRESSIONS = ROOT / "tests" / "vectors" / "fuzz"
CORPUS = ROOT / "fuzz" / "corpus"


def _inputs() -> list[tuple[str, Path]]:
    found = []
    for folder in (CORPUS, REGRESSIONS):
        for path in sorted(folder.glob("*/*")):
            found.append((path.parent.name, path))
    return found


def test_every_target_has_seeds() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(targets.TARGETS)


def test_kept_crashes_belong_to_a_target() -> None:
    assert {p.name for p in REGRESSIONS.iterdir()} <= set(targets.TARGETS)


@pytest.mark.parametrize(("name", "path"), _inputs(), ids=[f"{n}/{p.name}" for n, p in _inputs()])
def test_input_is_accepted_or_refused_cleanly(name: str, path: Path) -> None:
    refusal = _refusal(name, path.read_bytes())
    assert refusal is None or str(refusal)  # a refusal says something


def _refusal(name: str, data: bytes) -> BaseException | None:
    try:
        targets.TARGETS[name].run(data)
    except targets.TARGETS[name].expected as exc:
        return exc
    return None

"""``SubjectLocator``: the exact scoring row of any subject, fed a column piece at a time."""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa

from scoring import SubjectLocator


def _tokens(count: int) -> list[str]:
    return [os.urandom(16).hex() for _ in range(count)]


def _fed(*pieces: list[str | None]) -> SubjectLocator:
    locator = SubjectLocator()
    for piece in pieces:
        locator.add(pa.chunked_array([pa.array(piece, pa.string())]))
    return locator


def test_rows_of_subjects_added_in_pieces() -> None:
    tokens = _tokens(50)
    locator = _fed(tokens[:20], [], tokens[20:])
    assert locator.finish() == 0
    assert locator.usable
    asked = [tokens[7], "f" * 32, tokens[49], None, "short", tokens[7], tokens[0]]
    rows = locator.locate(pa.chunked_array([pa.array(asked, pa.string())]))
    assert rows.tolist() == [7, -1, 49, -1, -1, 7, 0]


def test_repeats_are_counted_in_full() -> None:
    tokens = _tokens(30)
    locator = _fed(tokens, [tokens[3], tokens[9]], [tokens[3]])
    assert locator.finish() == 3


def test_subjects_of_several_widths_or_missing_make_it_unusable() -> None:
    tokens = _tokens(5)
    for pieces in ([tokens, ["short"]], [[*tokens, None]]):
        locator = _fed(*pieces)
        assert locator.finish() == 0
        assert not locator.usable


def test_a_key_two_subjects_share_makes_it_unusable(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("scoring.locate.row_key", lambda rows: np.zeros(len(rows), np.uint64))
    locator = _fed(_tokens(4))
    assert locator.finish() == 0
    assert not locator.usable


def test_a_stranger_sharing_a_key_is_not_located(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("scoring.locate.row_key", lambda rows: rows[:, 0].copy())
    locator = _fed(["a" * 32, "b" * 32], ["c" * 32])
    assert locator.finish() == 0
    asked = ["a" * 8 + "z" * 24, "c" * 32, "b" * 32, "b" * 8 + "a" * 24, "a" * 32]
    rows = locator.locate(pa.chunked_array([pa.array(asked, pa.string())]))
    assert rows.tolist() == [-1, 2, 1, -1, 0]

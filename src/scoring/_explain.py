"""Build the reasons column from per-rule entries without a per-subject Python loop.

Each rule contributes a *part*: the subjects it applies to and, per subject, the id of a
label string (labels are few: ``BASE+30``, ``B1@市级+30``, ``B9+15`` …). Parts are
placed into one flat array by a counting sort (subject major, part order minor, record
order within a part), turned into an Arrow list array and joined with ``"; "``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Explainer", "IntArray"]

IntArray = npt.NDArray[np.int64]
SEPARATOR = "; "
_MAX_COMBINATIONS = 100_000  # distinct reason lists joined one by one, at most


@dataclass
class Explainer:
    """Collects reason parts in rule order for ``size`` subjects."""

    size: int
    _labels: dict[str, int] = field(default_factory=dict)
    _parts: list[tuple[IntArray, IntArray]] = field(default_factory=list)

    def label(self, text: str) -> int:
        """The id of a label string (registered on first use)."""
        return self._labels.setdefault(text, len(self._labels))

    def add_mask(self, mask: npt.NDArray[np.bool_], text: str) -> None:
        """Add ``text`` for every subject where ``mask`` holds."""
        subjects = np.flatnonzero(mask).astype(np.int64)
        if subjects.size:
            ids = np.full(subjects.size, self.label(text), dtype=np.int64)
            self._parts.append((subjects, ids))

    def add(self, subjects: IntArray, label_ids: IntArray) -> None:
        """Add one label per entry; ``subjects`` ascending (repeats keep their order)."""
        if subjects.size:
            self._parts.append((subjects.astype(np.int64), label_ids.astype(np.int64)))

    def build(self) -> pa.Array:
        """The reasons column (string, ``""`` for a subject without any entry)."""
        counts = np.zeros(self.size, dtype=np.int64)
        if self._parts:
            every = np.concatenate([subjects for subjects, _ in self._parts])
            counts = np.bincount(every, minlength=self.size)
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = np.empty(int(offsets[-1]), dtype=np.int64)
        filled = offsets[:-1].copy()  # where each subject's next entry goes
        for subjects, ids in self._parts:
            rank, starts = _rank_in_runs(subjects)
            flat[filled[subjects] + rank] = ids
            filled[subjects[starts]] += np.diff(np.append(starts, subjects.size))
        labels = list(self._labels)
        by_combination = _by_combination(flat, offsets, labels)
        if by_combination is not None:
            return by_combination
        dictionary = pa.array(labels, type=pa.string())
        values = dictionary.take(pa.array(flat, type=pa.int64()))
        lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
        return pc.binary_join(lists, SEPARATOR).cast(pa.string())


def _by_combination(flat: IntArray, offsets: IntArray, labels: list[str]) -> pa.Array | None:
    """The reasons column through its distinct entry lists (few: most subjects share one),
    each joined once; ``None`` when a subject's list does not fit one 63-bit code.

    A list's code packs ``label id + 1`` per entry, ``bits`` each, first entry lowest: an
    exact, unique code per list (so equal codes are equal lists).
    """
    bits = max(1, len(labels).bit_length())
    counts = np.diff(offsets)
    if counts.size == 0 or int(counts.max()) * bits > 63:
        return None
    rank = np.arange(flat.size, dtype=np.int64) - np.repeat(offsets[:-1], counts)
    part = (flat + 1).astype(np.uint64) << (rank * bits).astype(np.uint64)
    running = np.zeros(flat.size + 1, dtype=np.uint64)
    np.cumsum(part, out=running[1:])
    codes = running[offsets[1:]] - running[offsets[:-1]]  # exact: each below 2**63
    distinct, which = np.unique(codes, return_inverse=True)
    if distinct.size > _MAX_COMBINATIONS:
        return None
    mask = (1 << bits) - 1
    texts = []
    for code in distinct.tolist():
        entries = []
        while code:
            entries.append(labels[(code & mask) - 1])
            code >>= bits
        texts.append(SEPARATOR.join(entries))
    return pa.array(texts, pa.string()).take(pa.array(which.astype(np.int64)))


def _rank_in_runs(subjects: IntArray) -> tuple[IntArray, IntArray]:
    """Position of each entry within its run of equal (adjacent) subjects, and where
    each run starts (subjects ascending: one run a subject)."""
    starts = np.ones(subjects.size, dtype=bool)
    starts[1:] = subjects[1:] != subjects[:-1]
    start_pos = np.flatnonzero(starts)
    run_start = np.repeat(start_pos, np.diff(np.append(start_pos, subjects.size)))
    return np.arange(subjects.size, dtype=np.int64) - run_start, start_pos

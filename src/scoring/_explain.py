"""Build the reasons column from per-rule entries without a per-subject Python loop.

Each rule contributes a *part*: the subjects it applies to (a mask, or subject indices)
and, per subject, the id of a label string (labels are few: ``BASE+30``, ``B1@市级+30``,
``B9+15`` …). Each subject's entry list is packed, part by part, into one 64-bit code
(``bits`` a label id, the newest entry lowest), so that the lists are told apart by one
hash of the codes and each distinct list is joined once; the few subjects whose list does
not fit a code are joined on their own. Many distinct lists (or many long ones) take the
general join: parts placed into one flat array by a counting sort (subject major, part
order minor, record order within a part), an Arrow list array joined with ``"; "``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Explainer", "IntArray"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.uint64]
SEPARATOR = "; "
_MAX_COMBINATIONS = 100_000  # distinct reason lists joined one by one, at most
_MAX_LONG = 10_000  # subjects whose list does not fit a code, joined one by one, at most
_CODE_BITS = 63  # bits of a code a list may fill
_DENSE = 16  # a mask part holding more than 1/_DENSE of the subjects is applied whole


@dataclass(frozen=True)
class _Part:
    """One rule's entries: ``mask`` (one label for every subject where it holds) or
    ``subjects`` ascending with a label id each (``ids``)."""

    mask: BoolArray | None
    subjects: IntArray | None
    ids: IntArray | int

    def indices(self, among: BoolArray | None = None) -> tuple[IntArray, IntArray]:
        """The part as subjects and label ids (only subjects where ``among`` holds)."""
        if self.mask is not None:
            subjects = np.flatnonzero(self.mask if among is None else self.mask & among)
        elif self.subjects is not None:
            subjects = self.subjects
        else:
            raise ValueError("a part without subjects")
        ids = self.ids if not isinstance(self.ids, int) else np.full(subjects.size, self.ids)
        if among is not None and self.mask is None:
            keep = among[subjects]
            subjects, ids = subjects[keep], ids[keep]
        return subjects.astype(np.int64), ids.astype(np.int64)


@dataclass
class Explainer:
    """Collects reason parts in rule order for ``size`` subjects."""

    size: int
    _labels: dict[str, int] = field(default_factory=dict)
    _parts: list[_Part] = field(default_factory=list)

    def label(self, text: str) -> int:
        """The id of a label string (registered on first use)."""
        return self._labels.setdefault(text, len(self._labels))

    def add_mask(self, mask: npt.NDArray[np.bool_], text: str) -> None:
        """Add ``text`` for every subject where ``mask`` holds."""
        if mask.any():
            self._parts.append(_Part(np.array(mask, dtype=bool), None, self.label(text)))

    def add(self, subjects: IntArray, label_ids: IntArray) -> None:
        """Add one label per entry; ``subjects`` ascending (repeats keep their order)."""
        if subjects.size:
            self._parts.append(_Part(None, np.asarray(subjects), np.asarray(label_ids)))

    def build(self) -> pa.Array:
        """The reasons column (string, ``""`` for a subject without any entry)."""
        labels = list(self._labels)
        by_code = _by_code(self.size, self._parts, labels)
        if by_code is not None:
            return by_code
        flat, offsets = self._flat()
        dictionary = pa.array(labels, type=pa.string())
        values = dictionary.take(pa.array(flat, type=pa.int64()))
        lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
        return pc.binary_join(lists, SEPARATOR).cast(pa.string())

    def _flat(self) -> tuple[IntArray, IntArray]:
        """Every entry's label id, subject by subject in rule order, and each subject's
        offsets into them (a counting sort of the parts)."""
        parts = [part.indices() for part in self._parts]
        counts = np.zeros(self.size, dtype=np.int64)
        if parts:
            every = np.concatenate([subjects for subjects, _ in parts])
            counts = np.bincount(every, minlength=self.size)
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = np.empty(int(offsets[-1]), dtype=np.int64)
        filled = offsets[:-1].copy()  # where each subject's next entry goes
        for subjects, ids in parts:
            rank, starts = _rank_in_runs(subjects)
            flat[filled[subjects] + rank] = ids
            filled[subjects[starts]] += np.diff(np.append(starts, subjects.size))
        return flat, offsets


def _by_code(size: int, parts: list[_Part], labels: list[str]) -> pa.Array | None:
    """The reasons column through each subject's code (see the module docstring); ``None``
    when there are too many distinct lists or too many lists too long for a code."""
    coder = _Coder(np.zeros(size, dtype=np.uint64), max(1, len(labels).bit_length()))
    for part in parts:
        coder.append(part)
    long = np.unique(np.concatenate(coder.long)) if coder.long else np.zeros(0, np.int64)
    if long.size > _MAX_LONG:
        return None
    codes = coder.codes
    codes[long] = 0
    encoded = pc.dictionary_encode(pa.array(codes, type=pa.uint64()))
    distinct = encoded.dictionary.to_numpy()
    if distinct.size > _MAX_COMBINATIONS:
        return None
    texts = _decoded(distinct, coder.bits, pa.array(labels, type=pa.string()))
    which = encoded.indices
    if long.size:
        texts = pa.concat_arrays([texts, pa.array(_long_lists(size, long, parts, labels))])
        chosen = np.array(which.to_numpy(), dtype=np.int32)
        chosen[long] = np.arange(distinct.size, distinct.size + long.size, dtype=np.int32)
        which = pa.array(chosen, type=pa.int32())
    return texts.take(which)


@dataclass
class _Coder:
    """Each subject's entry list as a code: ``label id + 1`` in ``bits`` a digit, first
    entry highest. Exact and unique for lists of at most ``63 // bits`` entries (so
    equal codes are equal lists); the subjects of longer lists are listed in ``long``
    (their codes mean nothing) and joined from the parts on their own."""

    codes: Codes
    bits: int
    long: list[IntArray] = field(default_factory=list)
    fresh: bool = True  # no entry yet: every code is 0

    def append(self, part: _Part) -> None:
        """Append one part's entries to the subjects' codes."""
        shift = np.uint64(self.bits)
        fresh, self.fresh = self.fresh, False
        if part.mask is not None and np.count_nonzero(part.mask) * _DENSE > part.mask.size:
            value = np.uint64(int(part.ids) + 1)
            if fresh:
                np.multiply(part.mask, value, out=self.codes)
                return
            full = (self.codes >= self._room(1)) & part.mask
            if full.any():
                self.long.append(np.flatnonzero(full))
            grown = self.codes << shift
            grown |= value
            np.copyto(self.codes, grown, where=part.mask)
            return
        subjects, ids = part.indices()
        values = (ids + 1).astype(np.uint64)
        if subjects.size < 2 or bool((subjects[1:] != subjects[:-1]).all()):
            before = self.codes[subjects]
            self._extend(subjects, before, before << shift | values, 1)
            return
        rank, starts = _rank_in_runs(subjects)  # a subject with several entries in the part
        runs = np.diff(np.append(starts, subjects.size))
        after = np.minimum((np.repeat(runs, runs) - 1 - rank) * self.bits, 64)
        values = np.where(after < 64, values << np.minimum(after, 63).astype(np.uint64), 0)
        own = subjects[starts]
        moved = np.minimum(runs * self.bits, 64)
        before = self.codes[own]
        grown = np.where(moved < 64, before << np.minimum(moved, 63).astype(np.uint64), 0)
        self._extend(own, before, grown | np.add.reduceat(values, starts), runs)

    def _extend(
        self, subjects: IntArray, before: Codes, grown: Codes, entries: IntArray | int
    ) -> None:
        """Store the ``grown`` codes of ``subjects`` (``before`` they took ``entries``)."""
        full = before >= self._room(entries)
        if full.any():
            self.long.append(subjects[full])
        self.codes[subjects] = grown

    def _room(self, entries: IntArray | int) -> Codes:
        """The least code with no room for ``entries`` more (0: none has room)."""
        left = np.asarray(_CODE_BITS // self.bits - np.asarray(entries), dtype=np.int64)
        least = np.left_shift(np.uint64(1), (np.maximum(left, 0) * self.bits).astype(np.uint64))
        return np.where(left >= 0, least, np.uint64(0)).astype(np.uint64)


def _decoded(codes: Codes, bits: int, labels: pa.Array) -> pa.Array:
    """The joined list each code stands for (a code's digits, highest first)."""
    width = _CODE_BITS // bits
    digits = np.empty((codes.size, width), dtype=np.int64)  # highest digit first
    for place in range(width):
        shift = np.uint64((width - 1 - place) * bits)
        digits[:, place] = (codes >> shift) & np.uint64((1 << bits) - 1)
    present = digits != 0  # a code's digits are its entries, then zeros above them
    offsets = np.zeros(codes.size + 1, dtype=np.int64)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    values = labels.take(pa.array(digits[present] - 1, type=pa.int64()))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
    return pc.binary_join(lists, SEPARATOR).cast(pa.string())


def _long_lists(size: int, long: IntArray, parts: list[_Part], labels: list[str]) -> list[str]:
    """The joined lists of the subjects ``long`` (ascending), from the parts."""
    among = np.zeros(size, dtype=bool)
    among[long] = True
    chosen = [part.indices(among) for part in parts]
    subjects = np.concatenate([s for s, _ in chosen])
    ids = np.concatenate([i for _, i in chosen])
    order = np.argsort(subjects, kind="stable")  # part order, then record order
    ends = np.searchsorted(subjects[order], long, side="right")
    lists = np.split(ids[order], ends[:-1])
    return [SEPARATOR.join(labels[i] for i in entries.tolist()) for entries in lists]


def _rank_in_runs(subjects: IntArray) -> tuple[IntArray, IntArray]:
    """Position of each entry within its run of equal (adjacent) subjects, and where
    each run starts (subjects ascending: one run a subject)."""
    starts = np.ones(subjects.size, dtype=bool)
    starts[1:] = subjects[1:] != subjects[:-1]
    start_pos = np.flatnonzero(starts)
    run_start = np.repeat(start_pos, np.diff(np.append(start_pos, subjects.size)))
    return np.arange(subjects.size, dtype=np.int64) - run_start, start_pos

"""Where each subject is among more scoring rows than one scoring holds: an exact index
over subjects of one width (tokens), fed a column piece at a time, kept as 64-bit words.

Used to hand each bucket of a large scoring its own evaluation records from one pass over
them: ``locate`` answers the scoring row of each record's subject (-1 when none), and
``repeated`` counts subjects that repeat (the engine's refusal, over all rows). Pure: Arrow
columns in, numpy arrays out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from scoring._records import fixed_width_rows, row_key, same_rows

__all__ = ["SubjectLocator"]

IntArray = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint64]


class SubjectLocator:
    """Scoring subjects added in row order; then the row of any subject, exactly.

    Holds 8 bytes a subject per 8 bytes of its width (a row of words each), plus 16 for
    the sorted keys: about 48 bytes a subject for 32-character tokens.
    """

    def __init__(self) -> None:
        self._pieces: list[Words] = []
        self._width = 0
        self._words: Words | None = None
        self._keys: npt.NDArray[np.uint64] | None = None
        self._rows: IntArray | None = None
        self.usable = True  # False: subjects of several widths, or a null, were added

    def add(self, subjects: pa.ChunkedArray) -> None:
        """The next scoring rows' subjects (in order)."""
        if not self.usable or not len(subjects):
            return
        found = fixed_width_rows(subjects)
        if found is None or self._width not in (0, found[0]):
            self.usable = False
            self._pieces = []
            return
        self._width = found[0]
        self._pieces.append(found[1])

    def finish(self) -> int:
        """Sort the index; the number of rows whose subject repeats an earlier one's.

        A key two different subjects share makes the index unusable (``usable`` False):
        the caller then finds each record's subject another way.
        """
        if not self.usable or not self._pieces:
            self.usable = self.usable and not self._pieces
            return 0
        words = np.concatenate(self._pieces)  # a row of words a subject
        self._pieces = []
        keys = row_key(words)
        order = np.argsort(keys)  # unique keys or not used as an index: any sort will do
        ordered = keys[order]
        same_key = ordered[1:] == ordered[:-1]
        if same_key.any():
            repeated = _repeats(words, order, same_key)
            if repeated:
                return repeated
            self.usable = False  # two subjects share a key: not an index to trust
            return 0
        self._words, self._keys, self._rows = words, ordered, order.astype(np.int64)
        return 0

    def locate(self, subjects: pa.ChunkedArray) -> IntArray:
        """The scoring row of each subject (-1 when it is none of them)."""
        if self._keys is None or self._words is None or self._rows is None:
            raise ValueError("the index is not usable or not finished")
        rows = np.full(len(subjects), -1, dtype=np.int64)
        text = subjects.cast(pa.string())
        sized = np.asarray(pc.fill_null(pc.binary_length(text), 0).to_numpy(), dtype=np.int64)
        which = np.flatnonzero(sized == self._width)  # other widths cannot be a subject
        if not which.size:
            return rows
        chosen = text if which.size == len(text) else text.take(pa.array(which))
        found = fixed_width_rows(pa.chunked_array([chosen.combine_chunks()]))
        if found is None:
            return rows
        theirs = found[1]
        wanted = row_key(theirs)
        asked = np.argsort(wanted)  # searched in order: each search starts near the last
        ordered = wanted[asked]
        at = np.minimum(np.searchsorted(self._keys, ordered), self._keys.size - 1)
        row = self._rows[at]
        same = self._keys[at] == ordered
        same &= same_rows(np.take(self._words, row, axis=0), np.take(theirs, asked, axis=0))
        rows[which[asked[same]]] = row[same]
        return rows


def _repeats(words: Words, order: IntArray, same_key: npt.NDArray[np.bool_]) -> int:
    """Rows repeating an earlier row's subject among those sharing a key (compared in full)."""
    near = np.zeros(order.size, dtype=bool)
    near[1:] |= same_key
    near[:-1] |= same_key
    rows = order[near]
    candidates = words[rows]  # one row of words per candidate subject
    distinct = np.unique(candidates, axis=0).shape[0]
    return int(rows.size - distinct)

"""The bank's returned decisions joined to the community's own ledger, in bounded memory.

``sx results`` reads the ledger once, keeping per resident only what the results need
(``Residents``: the ID key and row the ledger's check keeps anyway, the token as two 64-bit
words, and the community and name when asked for); the decisions then arrive batch by
batch and fill arrays indexed by ledger row (``ResultsJoin``: text columns dictionary
encoded), so neither table is ever whole in memory. The rows come out in ledger order,
chunk by chunk, as ``results_for_residents`` would have sorted them (pure, no I/O).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange import pseudonym  # its ``tokens`` shares a name with a module of its own

__all__ = ["CHUNK_ROWS", "Residents", "ResultsJoin", "id_text", "token_words"]

# Ledger rows per output chunk (a Parquet row group of the results): each chunk is built,
# made inert for spreadsheets and written while the whole join is held, so it is what the
# peak moves with (10M residents: 1,794 MiB with chunks of 1M rows).
CHUNK_ROWS = 1 << 19

_HEX = np.full(256, 0xFF, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
_TOKEN_CHARS = 32
_ID_LEN = 18
_STARS = np.frombuffer(b"*" * 8, dtype=np.uint8)


def _fixed_width(text: pa.Array, width: int) -> np.ndarray:
    """The bytes of a string array whose values all have ``width`` bytes, one row each."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    start = int(offsets[text.offset])
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    return data[start : start + width * len(text)].reshape(len(text), width)


def token_words(tokens: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 128 bits of each hex token as two big-endian words, and which values are tokens
    at all (32 lowercase hex digits, as ``pseudonym.tokens`` writes them; others match no one).
    """
    text = tokens.combine_chunks() if isinstance(tokens, pa.ChunkedArray) else tokens
    text = text.cast(pa.string())
    if not len(text):
        empty = np.zeros(0, np.uint64)
        return empty, empty, np.zeros(0, bool)
    valid = pc.fill_null(pc.equal(pc.binary_length(text), _TOKEN_CHARS), False)
    fixed = pc.if_else(valid, text, pa.scalar("0" * _TOKEN_CHARS))
    nibbles = _HEX[_fixed_width(fixed, _TOKEN_CHARS)]
    ok = np.asarray(valid.to_numpy(zero_copy_only=False), bool) & (nibbles < 16).all(axis=1)
    raw = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    words = np.ascontiguousarray(raw).view(">u8").astype(np.uint64)
    return words[:, 0].copy(), words[:, 1].copy(), ok


_KEY_ROWS = 1 << 20  # residents turned into tokens at a time


def id_text(keys: np.ndarray) -> np.ndarray:
    """The 18 ASCII bytes of each ID number from its ledger key (``ledger.id_keys``: the 17
    leading digits times 11 plus the check value, X = 10), one row each."""
    text = np.empty((len(keys), _ID_LEN), np.uint8)
    digits, check = np.divmod(np.asarray(keys, np.int64), 11)
    for place in range(_ID_LEN - 2, -1, -1):
        digits, text[:, place] = np.divmod(digits, 10)
    text[:, :-1] += ord("0")
    text[:, -1] = np.where(check == 10, ord("X"), check + ord("0"))
    return text


def _as_strings(text: np.ndarray) -> pa.Array:
    """Rows of fixed-width bytes as a string array."""
    count, width = text.shape
    offsets = np.arange(0, width * (count + 1), width, dtype=np.int32)
    buffers = [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes())]
    return pa.Array.from_buffers(pa.string(), count, buffers)


class Residents:
    """The checked ledger's residents as the results need them, in ledger order: each one's
    ID key and row (what the ledger's check keeps of every row anyway), and its token under
    ``key`` as two 64-bit words, sorted for lookup. ``community`` and ``name``: kept only when
    asked for (the 公示 lists, a workbook for people).

    Raises:
        ValueError: a key that is not a checked ID number's (``keys`` of -1).
    """

    def __init__(
        self,
        keys: np.ndarray,
        rows: np.ndarray,
        key: bytes,
        *,
        community: pa.ChunkedArray | None = None,
        name: pa.ChunkedArray | None = None,
    ) -> None:
        if len(keys) != len(rows) or (len(keys) and int(keys.min()) < 0):
            raise ValueError("the residents' ID keys must be a checked ledger's")
        self.keys = keys
        self.rows = np.asarray(rows, np.int32)
        high = np.empty(len(keys), np.uint64)
        low = np.empty(len(keys), np.uint64)
        for start in range(0, len(keys), _KEY_ROWS):
            ids = _as_strings(id_text(keys[start : start + _KEY_ROWS]))
            end = start + len(ids)
            high[start:end], low[start:end], _ = token_words(pseudonym.tokens(key, ids))
        order = np.argsort(high, kind="stable")  # equal words: ledger order, as index_in
        self._high = high[order]
        del high
        self._low = low[order]
        del low
        self._order = order
        self._shared = np.zeros(len(order), bool)  # a word the next resident's token shares
        self._shared[:-1] = self._high[1:] == self._high[:-1]
        self._community = community
        self._name = name

    def __len__(self) -> int:
        return len(self.rows)

    def locate(self, tokens: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The ledger index of each token's resident, or -1 for a token of no resident."""
        high, low, valid = token_words(tokens)
        found = np.full(len(high), -1, np.int64)
        place = np.searchsorted(self._high, high, "left")
        asked = np.nonzero(valid & (place < len(self._high)))[0]
        place = place[asked]
        hit = self._high[place] == high[asked]
        asked, place = asked[hit], place[hit]
        shared = self._shared[place]  # the next resident's word is the same: compare all
        alone, at = asked[~shared], place[~shared]
        same = self._low[at] == low[alone]
        found[alone[same]] = self._order[at[same]]
        for index, first in zip(asked[shared], place[shared], strict=True):
            end = first
            while end < len(self._high) and self._high[end] == high[index]:
                if self._low[end] == low[index]:
                    found[index] = self._order[end]
                    break
                end += 1
        return found

    def masked_ids(self, at: np.ndarray) -> pa.Array:
        """``mask_id`` of the residents at ``at``: first 6, ``********``, last 4."""
        text = id_text(self.keys[at])
        text[:, 6:14] = _STARS
        return _as_strings(text)

    def column(self, name: str, at: np.ndarray) -> pa.Array:
        """The kept ``community`` or ``name`` of the residents at ``at``."""
        kept = self._community if name == "community" else self._name
        if kept is None:
            raise ValueError(f"the residents' {name} was not kept")
        return kept.take(pa.array(at, pa.int64())).combine_chunks()


class _TextColumn:
    """A text column by ledger row: a code per row (-1 for none) into its distinct values,
    two bytes a row while there are fewer than 32,767 of them."""

    def __init__(self, size: int, kind: pa.DataType) -> None:
        self.kind = kind
        self.codes = np.full(size, -1, np.int16)
        self.known: dict[str, int] = {}
        self._values: pa.Array | None = None

    def fill(self, at: np.ndarray, values: pa.Array) -> None:
        encoded = pc.dictionary_encode(values)
        words = encoded.dictionary.to_pylist()
        lookup = np.array([*(self.known.setdefault(w, len(self.known)) for w in words), -1])
        if len(self.known) > np.iinfo(self.codes.dtype).max:
            self.codes = self.codes.astype(np.int32)
        index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        self.codes[at] = lookup[np.asarray(index, np.int64)]
        self._values = None

    def take(self, at: np.ndarray) -> pa.Array:
        if self._values is None:
            self._values = pa.array(list(self.known), self.kind)
        codes = self.codes[at].astype(np.int32)
        return self._values.take(pa.array(codes, pa.int32(), mask=codes < 0))


class _FixedColumn:
    """A column of numbers or dates by ledger row, with which rows have a value (kept only
    once a row without one comes)."""

    def __init__(self, size: int, kind: pa.DataType) -> None:
        self.kind = kind
        self.physical = pa.int32() if pa.types.is_date32(kind) else kind
        self.values = np.zeros(size, self.physical.to_pandas_dtype())
        self.valid: np.ndarray | None = None

    def fill(self, at: np.ndarray, values: pa.Array) -> None:
        plain = values.cast(self.physical) if self.physical != self.kind else values
        self.values[at] = pc.fill_null(plain, 0).to_numpy(zero_copy_only=False)
        if values.null_count and self.valid is None:
            self.valid = np.ones(len(self.values), bool)
        if self.valid is not None:
            self.valid[at] = values.is_valid().to_numpy(zero_copy_only=False)

    def take(self, at: np.ndarray) -> pa.Array:
        mask = None if self.valid is None else ~self.valid[at]
        plain = pa.array(self.values[at], self.physical, mask=mask)
        return plain.cast(self.kind) if self.physical != self.kind else plain


def _column_for(size: int, kind: pa.DataType) -> _TextColumn | _FixedColumn:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _TextColumn(size, kind)
    if pa.types.is_integer(kind) or pa.types.is_date32(kind):
        return _FixedColumn(size, kind)
    raise ValueError(f"a decisions column of type {kind} cannot be joined")


class ResultsJoin:
    """The decisions keyed back to the ledger, filled batch by batch (``add``), then read
    in ledger order (``chunks``): the masked ID as ``subject``, ``source_row``, then the
    decisions' own columns; decisions of no resident of the ledger are left out.

    A subject the decisions repeat keeps every row, in the order they came (rare: the
    bank's scoring refuses repeated subjects); the repeats are held aside, as tables.
    """

    def __init__(self, schema: pa.Schema, residents: Residents) -> None:
        self.residents = residents
        self.schema = pa.schema([f for f in schema if f.name != "subject"])
        size = len(residents)
        self.filled = np.zeros(size, bool)
        self.columns = {f.name: _column_for(size, f.type) for f in self.schema}
        self._repeats: list[tuple[np.ndarray, pa.Table]] = []

    @property
    def rows(self) -> int:
        """Rows of the results so far."""
        return int(np.count_nonzero(self.filled)) + sum(len(a) for a, _ in self._repeats)

    def add(self, batch: pa.Table) -> None:
        """Key one batch of decisions (with a ``subject`` token column) to the ledger."""
        at = self.residents.locate(batch.column("subject"))
        known = np.nonzero(at >= 0)[0]
        at = at[known]
        first = np.zeros(len(at), bool)
        first[np.unique(at, return_index=True)[1]] = True
        first &= ~self.filled[at]
        body = batch.select(self.schema.names)
        if len(known) < batch.num_rows:  # no copy of the batch when every decision is known
            body = body.take(pa.array(known, pa.int64()))
        if not first.all():
            self._repeats.append((at[~first], body.filter(pa.array(~first))))
            body, at = body.filter(pa.array(first)), at[first]
        for name, column in self.columns.items():
            column.fill(at, body.column(name).combine_chunks())
        self.filled[at] = True

    def chunks(self, *, names: bool = False, community: bool = False) -> Iterator[pa.Table]:
        """The results in ledger order, at most ``CHUNK_ROWS`` ledger rows at a time (at least
        one table, empty when no decision matched). ``names``: the resident's name after the
        subject (for people's workbooks); ``community``: the ledger's, as the last column."""
        size = len(self.residents)
        for start in range(0, max(size, 1), CHUNK_ROWS):
            end = min(size, start + CHUNK_ROWS)
            at = start + np.nonzero(self.filled[start:end])[0]
            table = self._table(at, {n: c.take(at) for n, c in self.columns.items()})
            repeats = [(a, t) for a, t in self._repeats if ((a >= start) & (a < end)).any()]
            if repeats:
                table, at = self._with_repeats(table, at, repeats, start, end)
            if names:
                table = table.add_column(1, "name", self.residents.column("name", at))
            if community:
                table = table.append_column("community_", self.residents.column("community", at))
            yield table

    def _table(self, at: np.ndarray, body: dict[str, pa.Array]) -> pa.Table:
        masked = self.residents.masked_ids(at)
        rows = pa.array(self.residents.rows[at], pa.int32())
        return pa.table(
            [masked, rows, *(body[f.name] for f in self.schema)],
            names=["subject", "source_row", *self.schema.names],
        )

    def _with_repeats(
        self,
        table: pa.Table,
        at: np.ndarray,
        repeats: list[tuple[np.ndarray, pa.Table]],
        start: int,
        end: int,
    ) -> tuple[pa.Table, np.ndarray]:
        """The chunk with the repeated subjects' rows after their first, in arrival order."""
        tables, places = [table], [at]
        for where, rows in repeats:
            inside = (where >= start) & (where < end)
            place = where[inside]
            picked = rows.filter(pa.array(inside))
            tables.append(self._table(place, {n: picked.column(n) for n in self.schema.names}))
            places.append(place)
        joined = pa.concat_tables(tables)
        every = np.concatenate(places)
        order = np.argsort(every, kind="stable")
        return joined.take(pa.array(order, pa.int64())), every[order]

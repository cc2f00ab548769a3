"""Re-identification risk of a column group, measured as it is written (ARX-style).

The quasi-identifiers of a group are all its columns but the subject token: anyone holding
the group and, from elsewhere, the same facts about a person (the bank's own customer
records hold community, birth date, business type …) can single that person's row out when
no other row shares them. For each group a key without identity access reads, the meter
counts the rows in equivalence classes of one (``unique``) and the size of the smallest
class, the prosecutor model of ARX (every person is assumed to be in the table); the
result is the manifest's ``package.GroupRisk`` record.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.package import GroupRisk

__all__ = ["RiskMeter"]


class RiskMeter:
    """Counts the equivalence classes of one group over its batches (thread-safe)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self._classes: Counter[bytes] = Counter()
        self._codes: list[dict[Hashable, int]] = [{} for _ in self.columns]
        self._elements: dict[str, dict[Hashable, int]] = {}  # a list column's items' ids
        self._rows = 0
        self._lock = threading.Lock()

    def add(self, table: pa.Table) -> None:
        """Count a batch of the group (its quasi-identifier columns).

        Each column is dictionary-encoded (nulls as a value of their own), the codes are
        combined into one integer per row, and the classes of the batch are counted on
        those; only the batch's classes, keyed by their values' codes (the same in every
        batch), are merged into the running counts. Exact: no row is hashed.
        """
        if not table.num_rows:
            return
        names = list(self.columns)
        counted = (
            self._flat(table.select(names))
            .group_by(names, use_threads=False)  # the caller's worker: no hand-offs
            .aggregate([([], "count_all")])
            if names
            else None
        )
        with self._lock:  # the value codes are shared between batches
            classes, sizes = _batch_classes(counted, self.columns, self._codes, table.num_rows)
            for key, size in zip(classes, sizes, strict=True):
                self._classes[key] += size
            self._rows += table.num_rows

    def result(self) -> GroupRisk:
        """The risk over every batch counted so far."""
        with self._lock:
            sizes = list(self._classes.values())
            rows = self._rows
        return GroupRisk(
            self.columns,
            rows,
            sum(1 for s in sizes if s == 1),
            min(sizes) if sizes else 0,
        )

    def _flat(self, table: pa.Table) -> pa.Table:
        """``table`` with each nested column (a list of sittings, say) as a value rows can
        be grouped by: two rows fall in one class only when their values are equal.

        A list of flat items (structs of plain fields, or plain values) becomes the ids of
        its items in order, as bytes (an item's id is the same in every batch); any other
        nesting, the text of each value (a Python object per row: slow, but exact)."""
        for i, field in enumerate(table.schema):
            if not pa.types.is_nested(field.type):
                continue
            with self._lock:
                known = self._elements.setdefault(field.name, {})
            column = _item_ids(table.column(i), known, self._lock)
            if column is None:
                values = table.column(i).to_pylist()
                column = pa.array([None if v is None else repr(v) for v in values], pa.string())
            table = table.set_column(i, field.name, column)
        return table


def _item_ids(
    column: pa.ChunkedArray, known: dict[Hashable, int], lock: threading.Lock
) -> pa.Array | None:
    """Per row of a list column, the ids of its items in order (4 bytes each; null stays
    null, an empty list is empty), ``known`` mapping each distinct item to its id; ``None``
    if the items are not flat (structs of plain fields, or plain values)."""
    array = column.combine_chunks()
    if not pa.types.is_list(array.type):
        return None
    kind = array.type.value_type
    plain = [kind] if not pa.types.is_struct(kind) else [f.type for f in kind]
    if any(pa.types.is_nested(t) or pa.types.is_dictionary(t) for t in plain):
        return None
    offsets = np.asarray(array.offsets.to_numpy(), dtype=np.int64)
    first, last = int(offsets[0]), int(offsets[-1])
    items = array.values.slice(first, last - first)
    fields = items.flatten() if pa.types.is_struct(kind) else [items]  # slice applied
    codes, dictionaries = [], []
    if pa.types.is_struct(kind):  # a null item is not an item of null fields
        codes.append(np.asarray(items.is_valid().to_numpy(zero_copy_only=False), np.int64))
        dictionaries.append([False, True])
    for values in fields:
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        codes.append(np.asarray(encoded.indices.to_numpy(zero_copy_only=False), np.int64))
        dictionaries.append(encoded.dictionary.to_pylist())
    sizes = [max(len(d), 1) for d in dictionaries]
    if float(np.prod(sizes, dtype=np.float64)) < 2.0**62:  # the codes packed in one integer
        packed = np.zeros(len(items), np.int64)
        for code, size in zip(codes, sizes, strict=True):
            packed = packed * size + code
        unique, inverse = np.unique(packed, return_inverse=True)
        distinct = np.zeros((len(unique), len(codes)), np.int64)
        for j in range(len(codes) - 1, -1, -1):
            unique, distinct[:, j] = np.divmod(unique, sizes[j])
    else:
        stacked = np.stack(codes, axis=1) if len(items) else np.zeros((0, len(codes)), np.int64)
        distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
    keys = [
        tuple(d[c] for d, c in zip(dictionaries, row, strict=True)) for row in distinct.tolist()
    ]
    with lock:
        ids = np.array([known.setdefault(k, len(known)) for k in keys], dtype=np.int32)
    data = ids[inverse.reshape(-1)] if len(items) else np.zeros(0, np.int32)
    ends = ((offsets - first) * 4).astype(np.int32)
    flat = pa.Array.from_buffers(
        pa.binary(), len(array), [None, pa.py_buffer(ends.tobytes()), pa.py_buffer(data.tobytes())]
    )
    return pc.if_else(array.is_valid(), flat, pa.scalar(None, pa.binary()))


def _batch_classes(
    counted: pa.Table | None,
    columns: Sequence[str],
    codes_of: list[dict[Hashable, int]],
    rows: int,
) -> tuple[list[bytes], list[int]]:
    """The equivalence classes of one batch (``counted``: its rows grouped by ``columns``,
    with ``count_all``), each as the bytes of its values' codes (a value has the same code
    in every batch: ``codes_of``, one dict per column), and their sizes."""
    if counted is None:  # no quasi-identifier: one class of every row
        return [b""], [rows]
    codes = []
    for name, known in zip(columns, codes_of, strict=True):
        encoded = pc.dictionary_encode(counted.column(name), null_encoding="encode")
        encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
        values = encoded.dictionary.to_pylist()
        to_code = np.array([known.setdefault(v, len(known)) for v in values], np.int32)
        indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        codes.append(to_code[indices])
    matrix = np.ascontiguousarray(np.stack(codes, axis=1))
    width = matrix.shape[1] * matrix.itemsize
    data = matrix.tobytes()
    keys = [data[i : i + width] for i in range(0, len(data), width)]
    return keys, counted.column("count_all").to_pylist()

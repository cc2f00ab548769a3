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

import pyarrow as pa

from secure_exchange.package import GroupRisk

__all__ = ["RiskMeter"]


class RiskMeter:
    """Counts the equivalence classes of one group over its batches (thread-safe)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self._classes: Counter[tuple[Hashable, ...]] = Counter()
        self._rows = 0
        self._lock = threading.Lock()

    def add(self, table: pa.Table) -> None:
        """Count a batch of the group (its quasi-identifier columns)."""
        if not table.num_rows:
            return
        if not self.columns:
            with self._lock:
                self._classes[()] += table.num_rows
                self._rows += table.num_rows
            return
        counted = (
            table.select(list(self.columns))
            .group_by(list(self.columns))
            .aggregate([([], "count_all")])
        )
        keys = zip(*(counted.column(c).to_pylist() for c in self.columns), strict=True)
        sizes = counted.column("count_all").to_pylist()
        with self._lock:
            for key, size in zip(keys, sizes, strict=True):
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

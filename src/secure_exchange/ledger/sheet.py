"""Raw sheet blocks and the assembler that makes them out of any container's text columns.

Every reader (``csv``, ``parquet``, ``xlsx``) hands its header and then its blocks of text
columns to one ``Assembler``, which maps the header, trims cells, numbers rows as the
spreadsheet does and drops blank rows, so the three containers give the same blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from secure_exchange.errors import Problem
from secure_exchange.ledger.schema import LEDGER_COLUMNS, error, warning
from secure_exchange.ledger.text import nonempty, trim

__all__ = ["Assembler", "RawSheet", "clean_header"]


@dataclass
class RawSheet:
    """Rows of one sheet as trimmed, non-null text columns keyed by canonical name."""

    sheet: str
    columns: dict[str, pa.Array] = field(default_factory=dict)
    source_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    numeric_id: np.ndarray | None = None
    findings: list[Problem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        """Number of data rows kept."""
        return len(self.source_row)


def clean_header(text: str) -> str:
    """Trim whitespace (full-width spaces included) and a stray BOM from a header cell."""
    return text.replace("\ufeff", "").strip()


# What a header may carry around its name in officers' own sheets: spaces inside, a
# required-field star, a note in brackets at the end (身份证号（18位）, 联系电话(手机)*).
_HEADER_NOISE = re.compile(r"\s+|[*＊]|[（(][^（）()]*[）)]$")


def _loose(text: str) -> str:
    return _HEADER_NOISE.sub("", _HEADER_NOISE.sub("", text)).lower()


def _header_lookup(sheet: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for spec in LEDGER_COLUMNS[sheet].values():
        for label in (spec.name, spec.header_zh, *spec.aliases):
            lookup[label.lower()] = spec.name
    return lookup


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Assembler:
    """Turns raw text columns, block after block, into ``RawSheet`` blocks.

    It maps the header once, trims cells, numbers rows as the spreadsheet does (header = 1)
    and drops blank rows: those before a later filled row with a warning, trailing ones
    silently, even when the filled row comes blocks later.
    """

    def __init__(self, sheet: str, drop_unknown: bool) -> None:
        self.sheet = sheet
        self.drop_unknown = drop_unknown
        self.width = 0
        self.kept: dict[int, str] = {}
        self.unknown: dict[int, str] = {}  # named columns outside the format
        self.unnamed: dict[int, bool] = {}  # columns without a header: has data been seen?
        self.findings: list[Problem] = []
        self.next_row = 2
        self.blank: list[np.ndarray] = []  # blank rows not yet known to be inner ones

    def error(self, row: int | None, column: str | None, key: str, **params: object) -> None:
        """Record an error, given out with the next block."""
        self.findings.append(error(self.sheet, row, column, key, **params))

    def header(self, headers: Sequence[str]) -> None:
        """Map the header cells to canonical names; report duplicate and missing ones."""
        lookup = _header_lookup(self.sheet)
        self.width = len(headers)
        for index, header in enumerate(headers):
            text = clean_header(header)
            canonical = lookup.get(text.lower()) or lookup.get(_loose(text))
            if canonical is None:
                if text:
                    self.unknown[index] = text
                else:
                    self.unnamed[index] = False
            elif canonical in self.kept.values():
                self.error(1, canonical, "ledger.header.duplicate", header=text)
            else:
                self.kept[index] = canonical
        for spec in LEDGER_COLUMNS[self.sheet].values():
            if spec.required and spec.name not in self.kept.values():
                self.error(
                    None, spec.name, "ledger.header.missing", header=spec.header_zh, name=spec.name
                )

    def id_index(self) -> int | None:
        """The file column that holds the ID numbers (after ``header``), if any."""
        return next((i for i, name in self.kept.items() if name == "id_number"), None)

    def block(
        self,
        columns: Sequence[pa.Array],
        numeric_id: np.ndarray | None = None,
        *,
        trimmed: bool = False,
    ) -> RawSheet:
        """One block of rows (every column of the file, in file order) as a ``RawSheet``.

        ``trimmed`` says the cells were trimmed already.
        """
        for index in range(self.width, len(columns)):  # cells beyond the header row
            self.unnamed[index] = False
        self.width = max(self.width, len(columns))
        count = len(columns[0]) if columns else 0
        watched = [i for i in (*self.kept, *self.unnamed) if i < len(columns)]
        cells = {i: columns[i] if trimmed else trim(columns[i]) for i in watched}
        filled_cells = {i: nonempty(cells[i]) for i in watched}
        for index in self.unnamed:
            if index in filled_cells and not self.unnamed[index]:
                self.unnamed[index] = bool(filled_cells[index].any())
        filled = np.zeros(count, dtype=bool)
        for index in self.kept:
            if index in filled_cells:
                filled |= filled_cells[index]
        if numeric_id is not None:
            filled |= numeric_id
        rows = np.arange(self.next_row, self.next_row + count, dtype=np.int32)
        self.next_row += count
        self._blank_rows(rows, filled)
        keep = None if filled.all() else pa.array(filled, pa.bool_())
        raw = RawSheet(self.sheet, source_row=rows[filled], findings=self._take_findings())
        for index, name in self.kept.items():
            column = cells[index] if index in cells else pa.array([""] * count, pa.string())
            raw.columns[name] = column if keep is None else column.filter(keep)
        if numeric_id is not None and "id_number" in raw.columns:
            raw.numeric_id = numeric_id[filled]
        return raw

    def _blank_rows(self, rows: np.ndarray, filled: np.ndarray) -> None:
        """Warn of blank rows once a filled row follows them; hold back the trailing ones."""
        where = np.flatnonzero(filled)
        if not len(where):
            self.blank.append(rows)
            return
        last = int(where[-1])
        inner = [*self.blank, rows[:last][~filled[:last]]]
        self.blank = [rows[last + 1 :]]
        for row in np.concatenate(inner).tolist():
            self.findings.append(warning(self.sheet, int(row), None, "ledger.row.blank"))

    def _take_findings(self) -> list[Problem]:
        found, self.findings = self.findings, []
        return found

    def finish(self) -> RawSheet:
        """The last (empty) block: columns with data outside the format, dropped or not."""
        raw = RawSheet(
            self.sheet, columns={n: pa.array([], pa.string()) for n in self.kept.values()}
        )
        unknown = dict(self.unknown)
        unknown.update((i, _column_letter(i)) for i, seen in self.unnamed.items() if seen)
        names = [unknown[i] for i in sorted(unknown)]
        if names and self.drop_unknown:
            raw.dropped.extend(names)
            self.findings.append(
                warning(
                    self.sheet,
                    None,
                    None,
                    "ledger.header.dropped",
                    sheet=self.sheet,
                    headers="、".join(names),
                )
            )
        elif names:
            for name in names:
                self.error(1, name, "ledger.header.unknown", sheet=self.sheet, header=name)
        raw.findings = self._take_findings()
        return raw

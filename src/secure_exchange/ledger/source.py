"""Ledger containers (xlsx workbook, or a folder of CSV or Parquet files) read block by block.

A sheet arrives as a sequence of ``RawSheet`` blocks of whole rows, so a ledger of any size
is read in bounded memory: CSV files are cut at record ends (``csv``), Parquet files by
record batch (``parquet``), workbooks by runs of rows (``xlsx``, parsed by calamine).
Every cell becomes text here; nothing is interpreted yet except that numeric cells in an
ID column are flagged (Excel turned the ID into a number) so the rules can report them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from types import TracebackType

from secure_exchange.errors import LedgerError
from secure_exchange.ledger.csv import csv_blocks
from secure_exchange.ledger.parquet import parquet_blocks
from secure_exchange.ledger.schema import EVALUATIONS, OPTIONAL_SHEETS, PANEL, RESIDENTS
from secure_exchange.ledger.sheet import Assembler, RawSheet
from secure_exchange.ledger.xlsx import Workbook, open_workbook, worksheet_blocks

__all__ = ["BLOCK_BYTES", "BLOCK_ROWS", "LedgerSource"]

BLOCK_BYTES = 16 << 20  # CSV bytes per block (whole records, so a little less)
BLOCK_ROWS = 1 << 16  # rows per block of a Parquet file or a workbook

# A folder's file of each sheet: the English stem of the format, or the sheet's own name
# (居民.csv / 评议.csv / 评议小组.csv, as officers name them); the first that exists is read.
_FILE_STEMS = {
    RESIDENTS: ("residents", RESIDENTS),
    EVALUATIONS: ("evaluations", EVALUATIONS),
    PANEL: ("panel", PANEL),
}
# Spreadsheet formats openpyxl cannot read: the officer saves them again as .xlsx.
_RESAVE = (".xls", ".et", ".ett", ".ods", ".numbers", ".wps")


class LedgerSource:
    """An open ledger container whose sheets are read block by block.

    Use as a context manager: ``with LedgerSource(path, drop_unknown=False) as source:``
    then ``for block in source.blocks(RESIDENTS): ...``. The last block of a sheet carries
    the findings known only at its end (columns with data but no header, dropped columns).
    The block sizes are ``BLOCK_BYTES`` and ``BLOCK_ROWS`` as they are when it is opened.
    """

    def __init__(self, path: Path, *, drop_unknown: bool, pool: Executor | None = None) -> None:
        self.path = Path(path)
        self.drop_unknown = drop_unknown
        self.pool = pool
        self.block_bytes = BLOCK_BYTES
        self.block_rows = BLOCK_ROWS
        self._book: Workbook | None = None
        if not self.path.exists():
            raise LedgerError("ledger.not_found", path=str(self.path))
        if self.path.is_dir():
            return
        if self.path.suffix.lower() in _RESAVE:
            raise LedgerError("ledger.resave_xlsx", file=self.path.name)
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise LedgerError("ledger.container_unknown", path=str(self.path))
        self._book = open_workbook(self.path)

    def __enter__(self) -> LedgerSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the workbook, if any."""
        if self._book is not None:
            self._book.close()
            self._book = None

    def sooner(self, sheets: Sequence[str]) -> str:
        """Of ``sheets`` (none read yet), the one whose blocks come soonest: in a workbook
        the first parsed (all are parsed in the background), in a folder the first named
        (its files are read as they are checked)."""
        if self._book is None:
            return sheets[0]
        return self._book.first_parsed(sheets)

    def blocks(self, sheet: str) -> Iterator[RawSheet]:
        """The blocks of one sheet (``RESIDENTS``, ``EVALUATIONS`` or ``PANEL``), in row order.

        ``PANEL`` is optional: a container without it gives an empty sheet, no finding.
        """
        assembler = Assembler(sheet, self.drop_unknown)
        if self._book is not None:
            yield from worksheet_blocks(assembler, self._book, self.block_rows, self.path.name)
        else:
            yield from self._folder_blocks(assembler)
        yield assembler.finish()

    def _folder_blocks(self, assembler: Assembler) -> Iterator[RawSheet]:
        stems = _FILE_STEMS[assembler.sheet]
        for stem in stems:
            csv_path, parquet_path = self.path / f"{stem}.csv", self.path / f"{stem}.parquet"
            if csv_path.is_file():
                yield from csv_blocks(assembler, csv_path, self.pool, self.block_bytes)
                return
            if parquet_path.is_file():
                yield from parquet_blocks(assembler, parquet_path, self.block_rows)
                return
        if assembler.sheet in OPTIONAL_SHEETS:
            return
        assembler.error(
            None,
            None,
            "ledger.file.missing",
            file=f"{stems[0]}.csv",
            own=f"{stems[1]}.csv",
            sheet=assembler.sheet,
        )

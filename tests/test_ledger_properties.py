"""Properties of CSV cutting (hypothesis): record ends, and any block size reads alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secure_exchange.ledger import LEDGER_COLUMNS, RESIDENTS
from secure_exchange.ledger.csv import csv_blocks, record_end
from secure_exchange.ledger.sheet import Assembler

PROPERTY = settings(max_examples=80, deadline=timedelta(seconds=5), database=None)
HEADER = [spec.header_zh for spec in LEDGER_COLUMNS[RESIDENTS].values()]

# Cells as officers leave them: quotes, separators, line breaks inside a cell, edge spaces
# (full-width too), Chinese text, ID-like digits; rows short, long, blank.
_CELL = st.one_of(
    st.sampled_from(["", " ", "\u3000", "是", "否", "370828198705220258", "138 0537 1234"]),
    st.text(alphabet=st.sampled_from(list('ab,"\n\r 中文\u3000X1')), max_size=12),
)
_ROW = st.lists(_CELL, min_size=0, max_size=len(HEADER) + 2)
_ROWS = st.lists(_ROW, min_size=1, max_size=25)


def _records(rows: list[list[str]], terminator: str) -> list[bytes]:
    """Each row as the bytes of one CSV record, as Excel or pyarrow would write it."""
    out = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=terminator).writerow(row)
        out.append(buffer.getvalue().encode("utf-8"))
    return out


@PROPERTY
@given(_ROWS, st.sampled_from(["\n", "\r\n"]), st.data())
def test_record_end_is_the_last_whole_record(
    rows: list[list[str]], terminator: str, data: st.DataObject
) -> None:
    records = _records(rows, terminator)
    stream = b"".join(records)
    ends = np.cumsum([len(r) for r in records]).tolist()
    size = data.draw(st.integers(1, len(stream)), label="piece size")
    expected = max((end for end in ends if end <= size), default=None)
    assert record_end(stream[:size]) == expected


@PROPERTY
@given(st.lists(st.sampled_from([b'"', b"\n", b"\r", b",", b"a"]), max_size=40).map(b"".join))
def test_record_end_is_the_last_line_feed_outside_quotes(piece: bytes) -> None:
    outside = [
        i + 1 for i, byte in enumerate(piece) if byte == 0x0A and piece[:i].count(b'"') % 2 == 0
    ]
    assert record_end(piece) == (outside[-1] if outside else None)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cutting")


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as workers:
        yield workers


_Read = tuple[dict[str, list[str]], list[int], list[str]]


def _read(path: Path, block_bytes: int, pool: ThreadPoolExecutor | None) -> _Read:
    """Rows (text, spreadsheet row) and findings of the CSV at ``path`` read in blocks."""
    assembler = Assembler(RESIDENTS, drop_unknown=False)
    blocks = [*csv_blocks(assembler, path, pool, block_bytes), assembler.finish()]
    columns = {
        name: [cell for block in blocks for cell in block.columns[name].to_pylist()]
        for name in assembler.kept.values()
    }
    rows = np.concatenate([block.source_row for block in blocks]).tolist()
    findings = sorted(repr(f) for block in blocks for f in block.findings)
    return columns, rows, findings


@PROPERTY
@given(_ROWS, st.sampled_from(["\n", "\r\n"]), st.booleans(), st.data())
def test_any_block_size_reads_like_one_block(
    folder: Path,
    pool: ThreadPoolExecutor,
    rows: list[list[str]],
    terminator: str,
    bom: bool,
    data: st.DataObject,
) -> None:
    path = folder / "residents.csv"
    body = b"".join(_records([HEADER, *rows], terminator))
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    whole = _read(path, 1 << 24, None)
    block_bytes = data.draw(st.integers(1, len(body)), label="block bytes")
    assert _read(path, block_bytes, pool) == whole
    numbers = whole[1]
    assert numbers == sorted(set(numbers))

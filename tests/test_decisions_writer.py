"""The decisions writer's fast paths give the bytes of the plain ones: CSV pieces encoded
on several threads, the first-byte test before the formula pattern, the disk syncing
behind a streamed file, reading ahead of the buckets; Parquet and xlsx as before."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from scoring import output
from scoring.output import neutralise, starts_like_formula, write_decisions, writing_decisions
from secure_exchange import fsio
from secure_exchange.errors import SecureExchangeError
from secure_exchange.station import bucketed

# Cells that start like a formula, one way or another, and cells that must stay as they are
# although their first byte is one a formula-like cell may start with.
FORMULA_LIKE = ["=1+1", "+86", "-3", "@A1", "\tx", "\rx", "＝1", "＋86", "－3", "＠x", "  =x"]
FORMULA_LIKE += ["\u3000=x", "\u00a0+x", " \u3000\u00a0@x"]
HARMLESS = ["plain", "", " ", "\u3000", "  x", "\u00a0y", "\u3001x", "\uff01x", "真武社区", "a=b"]
TEXT_COLUMNS = ("subject", "community", "status", "reasons", "policy")


def _decisions(rows: int, tricky: dict[str, dict[int, str | None]] | None = None) -> pa.Table:
    """A decisions-like table: text (each column with its own cells at ``tricky`` rows),
    numbers with nulls and dates."""
    tricky = tricky or {}
    text = {
        name: [tricky.get(name, {}).get(i, f"{name}-{i % 5}") for i in range(rows)]
        for name in TEXT_COLUMNS
    }
    return pa.table(
        {
            **{name: pa.array(values, pa.string()) for name, values in text.items()},
            "credit_limit_yuan": pa.array([i * 1000 if i % 7 else None for i in range(rows)]),
            "rate_bp": pa.array([450 + i % 9 for i in range(rows)], pa.int32()),
            "as_of": pa.array([date(2022, 7, 1)] * rows, pa.date32()),
        }
    )


def _expected_csv(table: pa.Table) -> bytes:
    """The CSV the writer owes: the BOM, then one ``write_csv`` of the table with every
    text cell neutralised one by one in Python."""
    columns = [
        pa.array([None if v is None else neutralise(v) for v in col.to_pylist()], col.type)
        if pa.types.is_string(col.type)
        else col
        for col in table.columns
    ]
    whole = io.BytesIO()
    pa_csv.write_csv(pa.table(columns, names=table.column_names), whole)
    return output.BOM + whole.getvalue()


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pieces of three rows: a table of a few dozen rows spans more than the encoders
    hold ahead."""
    monkeypatch.setattr("scoring.output._PIECE", 3)
    return 3


@pytest.mark.parametrize("rows", [0, 1, 2, 3, 4, 29, 30, 31])
def test_csv_in_threaded_pieces_is_one_write_csv(
    tmp_path: Path, small_pieces: int, rows: int
) -> None:
    # formula-like cells on both sides of every piece boundary, a different one per column
    tricky = {
        name: {
            row: FORMULA_LIKE[(row + shift) % len(FORMULA_LIKE)]
            for row in range(rows)
            if row % small_pieces in (0, small_pieces - 1)
        }
        for shift, name in enumerate(TEXT_COLUMNS)
    }
    tricky["community"].update({row: None for row in range(1, rows, 4)})
    table = _decisions(rows, tricky)
    expected = _expected_csv(table)
    assert write_decisions(table, tmp_path / "one.csv").read_bytes() == expected
    with writing_decisions(tmp_path / "streamed.csv") as writer:
        for start in range(0, max(rows, 1), 10):  # buckets of ten, as buckets of subjects
            writer.write(table.slice(start, 10))
    assert (tmp_path / "streamed.csv").read_bytes() == expected
    assert writer.sha256 == hashlib.sha256(expected).hexdigest()
    assert writer.rows == rows


def test_an_empty_table_is_the_header_alone(tmp_path: Path) -> None:
    table = _decisions(0)
    written = write_decisions(table, tmp_path / "empty.csv").read_bytes()
    assert written == output.BOM + b'"' + '","'.join(table.column_names).encode() + b'"\n'


@pytest.mark.parametrize("cell", FORMULA_LIKE)
def test_a_formula_like_cell_is_neutralised_wherever_it_falls(
    tmp_path: Path, small_pieces: int, cell: str
) -> None:
    for row in (0, 2, 3, 8):  # the first, last and next piece's first row, a later one
        table = _decisions(9, {"reasons": {row: cell}, "policy": {8 - row: cell}})
        written = write_decisions(table, tmp_path / f"{row}.csv").read_bytes()
        assert written == _expected_csv(table)
        assert f'"\'{cell}"'.encode() in written


def _slot_arrays() -> list[pa.Array]:
    """String arrays the first-byte test reads by their buffers: sliced, with nulls and
    empty cells, large_string."""
    cells = [*HARMLESS, None, *FORMULA_LIKE]
    return [
        pa.array(cells, pa.string()),
        pa.array(cells, pa.large_string()),
        pa.array(cells, pa.string()).slice(3, 9),
        pa.array(cells, pa.large_string()).slice(len(HARMLESS) - 2),
        pa.array([None, "", None], pa.string()),
        pa.array([], pa.string()),
    ]


@pytest.mark.parametrize("array", _slot_arrays(), ids=lambda a: f"{a.type}-{a.offset}-{len(a)}")
def test_the_first_byte_test_misses_no_formula_like_cell(array: pa.Array) -> None:
    for index in range(len(array)):
        cell = array.slice(index, 1)
        if starts_like_formula(cell[0].as_py() or ""):
            assert output._may_start_like_formula(pa.chunked_array([cell]))
    needed = any(starts_like_formula(v or "") for v in array.to_pylist())
    assert output._may_start_like_formula(pa.chunked_array([array])) >= needed


@pytest.mark.parametrize("cells", [["plain", "", None, "真武社区", "a=b"], [], [None]])
def test_columns_that_cannot_start_like_a_formula_skip_the_pattern(cells: list[str]) -> None:
    column = pa.chunked_array([pa.array(cells, pa.string()), pa.array(["x"], pa.string())])
    assert not output._may_start_like_formula(column)
    table = pa.table({"text": column})
    assert output._inert_csv_columns(table) is table  # nothing replaced, nothing copied


def test_parquet_and_xlsx_are_written_as_before(tmp_path: Path) -> None:
    table = _decisions(40, {"reasons": {3: "=1+1"}})
    plain = io.BytesIO()
    pq.write_table(table, plain)
    assert write_decisions(table, tmp_path / "d.parquet").read_bytes() == plain.getvalue()
    with writing_decisions(tmp_path / "s.parquet") as writer:
        writer.write(table)
    assert (tmp_path / "s.parquet").read_bytes() == plain.getvalue()
    assert writer.sha256 == hashlib.sha256(plain.getvalue()).hexdigest()
    book = output.read_decisions(write_decisions(table, tmp_path / "d.xlsx"))
    assert book.column("reasons").to_pylist()[3] == "=1+1"  # a text cell, shown as typed


def test_the_disk_takes_a_streamed_file_behind_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(os.fstat(fd).st_size))
    with (tmp_path / "f").open("wb") as handle:
        sink = fsio.HashingWriter(handle, sync_every=4)
        for piece in (b"abc", b"defg", b"h", b"ijklmnop"):
            sink.write(piece)
        sink.wait()
    assert (tmp_path / "f").read_bytes() == b"abcdefghijklmnop"
    assert sink.digest.hexdigest() == hashlib.sha256(b"abcdefghijklmnop").hexdigest()
    assert synced[0] == 7  # flushed before each sync: what was written so far


def test_an_error_of_the_background_sync_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(_fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fdatasync", failing)
    monkeypatch.setattr("scoring.output._SYNC_EVERY", 1)
    target = tmp_path / "decisions.csv"
    with pytest.raises(SecureExchangeError, match="I/O error"), writing_decisions(target) as writer:
        writer.write(_decisions(5))
    assert list(tmp_path.iterdir()) == []


def test_an_abandoned_file_waits_for_its_sync_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scoring.output._SYNC_EVERY", 1)
    target = tmp_path / "decisions.parquet"

    def half_then_fail() -> None:
        with writing_decisions(target) as writer:
            writer.write(_decisions(5))
            raise RuntimeError("a later bucket failed")

    with pytest.raises(RuntimeError, match="later bucket"):
        half_then_fail()
    assert list(tmp_path.iterdir()) == []


def test_a_writer_onto_memory_has_nothing_to_sync() -> None:
    memory = io.BytesIO()
    sink = fsio.HashingWriter(memory, sync_every=1)
    sink.write(b"abc")
    sink.write(b"def")
    sink.wait()
    assert memory.getvalue() == b"abcdef"


def test_reading_ahead_starts_at_once_and_keeps_the_order() -> None:
    made: list[int] = []

    def tables() -> Iterator[pa.Table]:
        for number in range(4):
            made.append(number)
            yield pa.table({"n": [number]})

    with ThreadPoolExecutor(1) as pool:
        ahead = bucketed._ahead(tables(), pool)
        pool.submit(lambda: None).result()  # the pool's one thread is free: the first made
        assert made == [0]
        assert [t.column("n")[0].as_py() for t in ahead] == [0, 1, 2, 3]

"""The writer side of a package's parts: Parquet options, the writer thread, the sums."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_exchange import package as pkg
from secure_exchange.formats import age as _age
from secure_exchange.package import Sender
from secure_exchange.package import parts as _parts
from tests.support import CATS, NOW, Parties

ROWS = 5_000


def _scoring_batches() -> Iterator[pa.Table]:
    for _ in range(3):
        yield pa.table(
            {
                "subject": [os.urandom(16).hex() for _ in range(ROWS)],
                "community": ["刘庄社区", "真武社区"] * (ROWS // 2),
            }
        )


def _seal(parties: Parties, out: Path, groups: pkg.Groups) -> pkg.VerifiedPackage:
    return pkg.seal(
        groups,
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=out,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )


def _plain_parquet(sealed: pkg.VerifiedPackage, identity: _age.Identity) -> pq.ParquetFile:
    part = next(sealed.path.glob("scoring-*.age"))
    plain = _age.decrypt_bytes(part.read_bytes(), [identity])
    return pq.ParquetFile(pa.BufferReader(plain))


def test_parts_carry_no_statistics_and_no_dictionary_for_tokens(
    parties: Parties, tmp_path: Path
) -> None:
    """No min/max token in any footer; dictionaries only where values repeat; tokens
    DELTA_LENGTH_BYTE_ARRAY; zstd; a stock pyarrow read gives the rows back."""
    tables = list(_scoring_batches())
    schema = tables[0].schema
    sealed = _seal(parties, tmp_path, {"scoring": pkg.GroupStream(schema, tables)})
    meta = _plain_parquet(sealed, parties.scoring.age_identity).metadata
    assert meta.num_rows == 3 * ROWS
    for index in range(meta.num_row_groups):
        group = meta.row_group(index)
        chunks = {group.column(i).path_in_schema: group.column(i) for i in range(2)}
        assert all(not c.is_stats_set for c in chunks.values())
        assert all(c.compression == "ZSTD" for c in chunks.values())
        assert "RLE_DICTIONARY" not in chunks["subject"].encodings
        assert "DELTA_LENGTH_BYTE_ARRAY" in chunks["subject"].encodings  # no length prefixes
        assert "RLE_DICTIONARY" in chunks["community"].encodings
        assert "DELTA_LENGTH_BYTE_ARRAY" not in chunks["community"].encodings
    opened = pkg.open_package(sealed, [parties.scoring.age_identity])
    assert opened["scoring"].equals(pa.concat_tables(tables))
    stock = _plain_parquet(sealed, parties.scoring.age_identity).read()
    assert stock.equals(pa.concat_tables(tables))


def test_sums_list_the_bytes_on_disk(parties: Parties, tmp_path: Path) -> None:
    """The parts' digests taken while writing are those of the files as they lie."""
    tables = list(_scoring_batches())
    sealed = _seal(parties, tmp_path, {"scoring": pkg.GroupStream(tables[0].schema, tables)})
    listed = dict(
        reversed(line.split("  ", 1))
        for line in (sealed.path / "SHA256SUMS").read_text().splitlines()
    )
    for part in sealed.path.glob("*.age"):
        assert listed[part.name] == hashlib.sha256(part.read_bytes()).hexdigest()


def test_a_failing_source_stops_the_writer_thread(parties: Parties, tmp_path: Path) -> None:
    """An error while the batches are produced ends the seal: nothing left, no thread."""
    schema = next(_scoring_batches()).schema

    def failing() -> Iterator[pa.Table]:
        yield from list(_scoring_batches())[:2]
        raise RuntimeError("the ledger changed")

    with pytest.raises(RuntimeError, match="the ledger changed"):
        _seal(parties, tmp_path, {"scoring": pkg.GroupStream(schema, failing())})
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "sx-parts"]


def test_a_failing_writer_is_raised_in_the_caller(
    parties: Parties, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails in the writer thread (a full disk) is raised where the seal runs,
    while the source still has batches to give (the caller never waits on a full queue)."""

    def full(self: _parts._HashingFile, data: bytes, /) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_parts._HashingFile, "write", full)
    tables = list(_scoring_batches()) * 4
    with pytest.raises(Exception, match="disk is full"):
        _seal(parties, tmp_path, {"scoring": pkg.GroupStream(tables[0].schema, tables)})
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "sx-parts"]

"""The scoring record: canonical JSON naming the approved subjects' file by its hash (v2),
v1 records (the approved columns inside) still read, the approved file written as the
decisions come."""

from __future__ import annotations

import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq

from secure_exchange.formats.canonjson import canonical_json, loads
from secure_exchange.station.scored import _SCHEMA, FORMAT, ApprovedWriter, ScoringRecord


def _record(**kw: object) -> ScoringRecord:
    fields: dict[str, object] = {
        "package": "20260101-abcdefghijklmnopqrst",
        "agreement_sha256": "a" * 64,
        "sums_sha256": "b" * 64,
        "policy": "jinxiang-2022@1",
        "as_of": "2022-07-01",
        "decisions_sha256": "c" * 64,
        "statuses": {"approved": 3, "declined": 2},
        "approved_sha256": "d" * 64,
        "approved_rows": 3,
        "scored": "2026-12-02T03:00:00Z",
    }
    return ScoringRecord(**{**fields, **kw})  # type: ignore[arg-type]


def test_record_bytes_are_canonical_json_and_read_back() -> None:
    record = _record()
    data = record.to_bytes()
    assert data == canonical_json(loads(data))
    doc = loads(data)
    assert isinstance(doc, dict)
    assert doc["format"] == FORMAT == "sx-scored/v2"
    assert "approved" not in doc  # the subjects are in the file the hash names
    back = ScoringRecord.from_bytes(data)
    assert back == record
    assert not back.legacy


def test_a_v1_record_with_its_approved_columns_still_reads() -> None:
    columns = {
        "subject": ["0f" * 16, "1e" * 16],
        "community": ["真武社区", "高尚社区"],
        "credit_limit_yuan": [10_000, 20_000],
        "rate_bp": [500, 450],
    }
    doc = loads(_record().to_bytes())
    assert isinstance(doc, dict)
    for name in ("approved_sha256", "approved_rows"):
        del doc[name]
    data = canonical_json({**doc, "format": "sx-scored/v1", "approved": columns})
    back = ScoringRecord.from_bytes(data)
    assert back.legacy
    assert back.approved.to_pydict() == columns
    assert back.approved.schema == _SCHEMA


def _decisions(statuses: list[str], first: int) -> pa.Table:
    n = len(statuses)
    return pa.table(
        {
            "subject": [f"{first + i:032x}" for i in range(n)],
            "community": ["真武社区"] * n,
            "status": statuses,
            "credit_limit_yuan": pa.array([10_000 * (i + 1) for i in range(n)], pa.int64()),
            "rate_bp": pa.array([500] * n, pa.int32()),
            "reasons": ["BASE+30"] * n,
        }
    )


def test_approved_writer_keeps_the_approved_and_counts_every_status() -> None:
    sink = io.BytesIO()
    writer = ApprovedWriter(sink)
    writer.add(_decisions(["approved", "declined", "approved"], 0))
    writer.add(_decisions(["vetoed", "approved"], 3))
    writer.close()
    data = sink.getvalue()
    assert writer.sha256 == hashlib.sha256(data).hexdigest()
    assert dict(writer.statuses) == {"approved": 3, "declined": 1, "vetoed": 1}
    assert writer.rows == 3
    approved = pq.read_table(io.BytesIO(data))
    assert approved.schema == _SCHEMA
    assert approved.column("subject").to_pylist() == [f"{i:032x}" for i in (0, 2, 4)]
    assert approved.column("credit_limit_yuan").to_pylist() == [10_000, 30_000, 20_000]


def test_the_approved_file_is_plain_parquet_without_statistics() -> None:
    buffer = io.BytesIO()
    writer = ApprovedWriter(buffer)
    writer.add(_decisions(["approved", "declined", "approved"], 0))
    writer.close()
    parquet = pq.ParquetFile(pa.BufferReader(buffer.getvalue()))
    assert parquet.read().column("subject").to_pylist() == [f"{i:032x}" for i in (0, 2)]
    column = parquet.metadata.row_group(0).column(1)  # community: dictionary encoded
    assert "RLE_DICTIONARY" in column.encodings or "PLAIN_DICTIONARY" in column.encodings
    assert not column.is_stats_set

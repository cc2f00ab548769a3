"""The scoring record's bytes: the fast writer gives exactly what ``canonical_json`` gives."""

from __future__ import annotations

import pyarrow as pa
import pytest

from secure_exchange.formats.canonjson import canonical_json, loads
from secure_exchange.station.scored import _SCHEMA, ScoringRecord


def _record(subjects: list[str | None], communities: list[str | None]) -> ScoringRecord:
    n = len(subjects)
    approved = pa.table(
        [
            pa.array(subjects, pa.string()),
            pa.array(communities, pa.string()),
            pa.array([10_000 * (i + 1) for i in range(n)], pa.int64()),
            pa.array([-5 + i for i in range(n)], pa.int32()),
        ],
        schema=_SCHEMA,
    )
    return ScoringRecord(
        package="20260101-abcdefghijklmnopqrst",
        agreement_sha256="a" * 64,
        sums_sha256="b" * 64,
        policy="jinxiang-2022@1",
        as_of="2022-07-01",
        decisions_sha256="c" * 64,
        statuses={"approved": n, "declined": 2},
        approved=approved,
        scored="2026-12-02T03:00:00Z",
    )


def _slow(record: ScoringRecord) -> bytes:
    doc = loads(record.to_bytes())
    doc["approved"] = {n: record.approved.column(n).to_pylist() for n in _SCHEMA.names}
    return canonical_json(doc)


@pytest.mark.parametrize(
    ("subjects", "communities"),
    [
        (["0f" * 16, "1e" * 16, "2d" * 16], ["真武社区", "高尚社区", "金山社区"]),
        ([], []),
        (["ab" * 16], ['say "hi"']),  # a quote: json escapes it
        (["ab" * 16], ["back\\slash"]),
        (["ab" * 16], ["tab\there\x01"]),
        (["ab" * 16], [None]),
        (["ab" * 16], ["\u2028 and \x7f stay as they are"]),
    ],
)
def test_fast_record_bytes_are_canonical_json(
    subjects: list[str | None], communities: list[str | None]
) -> None:
    record = _record(subjects, communities)
    data = record.to_bytes()
    assert data == _slow(record)
    assert data == canonical_json(loads(data))
    back = ScoringRecord.from_bytes(data) if None not in communities else None
    if back is not None:
        assert back.approved.equals(record.approved)

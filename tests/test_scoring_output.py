"""Decision writers (CSV with BOM, Parquet, xlsx) and the plain-data summary."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from scoring import output
from scoring.engine import score
from scoring.errors import OutputFormatError, ScoringError
from scoring.output import write_decisions, writing_decisions
from scoring.policy import load_policy
from scoring.summary import summarise
from secure_exchange.i18n import set_language
from tests.support import sample_tables

AS_OF = date(2022, 7, 1)


@pytest.fixture
def decisions() -> pa.Table:
    scoring, evaluations = sample_tables()
    return score(scoring, evaluations, load_policy(), AS_OF).decisions


def as_text(value: object) -> str:
    """A cell value as the CSV would show it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def test_csv_has_bom_and_round_trips(tmp_path: Path, decisions: pa.Table) -> None:
    path = write_decisions(decisions, tmp_path / "decisions.csv")
    assert path.read_bytes().startswith(b'\xef\xbb\xbf"subject"')
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == decisions.column_names
    expected = [[as_text(v) for v in row.values()] for row in decisions.to_pylist()]
    assert rows[1:] == expected
    assert "LIMIT_ONLINE_MAX" in path.read_text("utf-8-sig")
    assert rows[0].index("initial_limit_yuan") + 1 == rows[0].index("credit_limit_yuan")
    assert not list(tmp_path.glob(".*partial"))


def test_parquet_round_trips(tmp_path: Path, decisions: pa.Table) -> None:
    path = write_decisions(decisions, tmp_path / "decisions.parquet")
    assert pq.read_table(path).equals(decisions)


def test_xlsx_round_trips(tmp_path: Path, decisions: pa.Table) -> None:
    path = write_decisions(decisions, tmp_path / "决策.xlsx")
    sheet = load_workbook(path, read_only=True)["decisions"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == decisions.column_names
    expected = [[as_text(v) for v in row.values()] for row in decisions.to_pylist()]
    assert [[as_text(v) for v in row] for row in rows[1:]] == expected
    assert isinstance(rows[1][rows[0].index("credit_limit_yuan")], int)


def test_unsupported_extension(tmp_path: Path, decisions: pa.Table) -> None:
    set_language("en")
    try:
        with pytest.raises(OutputFormatError, match=r"Cannot write decisions as '\.json'"):
            write_decisions(decisions, tmp_path / "decisions.json")
    finally:
        set_language(None)
    assert issubclass(OutputFormatError, ScoringError)
    assert issubclass(OutputFormatError, ValueError)
    assert not list(tmp_path.iterdir())


def test_summary(decisions: pa.Table) -> None:
    summary = summarise(decisions)
    assert summary.subjects == 24
    assert dict(summary.counts) == {"approved": 14, "declined": 3, "ineligible": 5, "vetoed": 2}
    assert summary.credit_yuan == sum(decisions["credit_limit_yuan"].to_pylist())
    by_name = {c.community: c for c in summary.communities}
    assert [c.community for c in summary.communities] == sorted(by_name)
    jinxi = by_name["金西社区"]
    assert (jinxi.subjects, jinxi.credit_yuan) == (4, 30000 + 65000 + 100000 + 60000)
    assert dict(jinxi.counts) == {"approved": 4, "declined": 0, "ineligible": 0, "vetoed": 0}
    assert sum(c.subjects for c in summary.communities) == 24


def test_summary_of_nothing() -> None:
    empty = pa.table(
        {
            "community": pa.array([], pa.string()),
            "status": pa.array([], pa.string()),
            "credit_limit_yuan": pa.array([], pa.int64()),
        }
    )
    summary = summarise(empty)
    assert (summary.subjects, summary.credit_yuan, summary.communities) == (0, 0, ())


def _mixed(rows: int) -> pa.Table:
    """Text (some cells formula-like, some quoted, some null), numbers and dates."""
    cells = ["plain", "=SUM(A1)", 'say "hi"', None, "＋86", "a,b", "真武社区"]
    return pa.table(
        {
            "subject": [f"{i:032x}" for i in range(rows)],
            "text": [cells[i % len(cells)] for i in range(rows)],
            "number": pa.array([i if i % 5 else None for i in range(rows)], pa.int32()),
            "as_of": pa.array([date(2022, 7, 1)] * rows, pa.date32()),
        }
    )


@pytest.mark.parametrize("rows", [0, 1, 6, 7, 50])
def test_csv_written_in_pieces_and_streamed_is_one_write_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr("scoring.output._PIECE", 3)
    table = _mixed(rows)
    whole = io.BytesIO()
    pa_csv.write_csv(output._inert_csv_columns(table), whole)
    expected = output.BOM + whole.getvalue()
    assert write_decisions(table, tmp_path / "one.csv").read_bytes() == expected
    with writing_decisions(tmp_path / "streamed.csv") as writer:
        for start in (0, 2, 9):  # tables of 2, 7 and the rest (some empty)
            writer.write(table.slice(start, 7 if start == 2 else (2 if start == 0 else None)))
    assert (tmp_path / "streamed.csv").read_bytes() == expected
    assert writer.sha256 == hashlib.sha256(expected).hexdigest()
    assert writer.rows == rows


def test_a_streamed_file_appears_only_complete(tmp_path: Path) -> None:
    target = tmp_path / "decisions.parquet"

    def half_then_fail() -> None:
        with writing_decisions(target) as half:
            half.write(_mixed(5))
            raise RuntimeError("a later bucket failed")

    with pytest.raises(RuntimeError, match="later bucket"):
        half_then_fail()
    assert list(tmp_path.iterdir()) == []
    with writing_decisions(target) as writer:
        writer.write(_mixed(5))
        writer.write(_mixed(3))
    assert pq.read_table(target).num_rows == 8
    with pytest.raises(OutputFormatError), writing_decisions(tmp_path / "d.xlsx"):
        pass

"""Streaming intake: a ledger read in many small blocks gives what it gives read at once."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_exchange.ledger import (
    EVALUATIONS,
    RESIDENTS,
    CheckReport,
    Ledger,
    LedgerScan,
    check_ledger,
    read_ledger,
)
from secure_exchange.ledger import source as ledger_source
from tests.support import (
    AS_OF,
    EVAL_HEADER,
    POLICY,
    RES_HEADER,
    broken_copy,
    evaluation,
    make_id,
    resident,
    shared_path,
    write_ledger,
)

SAMPLES = ("ledger-sample.xlsx", "ledger-sample-utf8", "ledger-sample-gb18030")


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few hundred bytes / three rows, so every ledger spans many."""
    monkeypatch.setattr(ledger_source, "BLOCK_BYTES", 300)
    monkeypatch.setattr(ledger_source, "BLOCK_ROWS", 3)


def _read(path: Path, **kwargs: object) -> Ledger:
    return read_ledger(path, as_of=AS_OF, **kwargs)  # type: ignore[arg-type]


def _findings(report: CheckReport) -> list[tuple[object, ...]]:
    return sorted(
        (f.where.sheet, f.where.row or 0, f.where.column or "", f.key, f.message(), f.level)
        for f in (*report.errors, *report.warnings)
    )


def _same(one: Ledger, other: Ledger) -> None:
    assert one.residents.equals(other.residents)
    assert one.evaluations.equals(other.evaluations)
    assert _findings(one.report) == _findings(other.report)
    assert one.dropped_columns == other.dropped_columns


def _whole_then_tiny(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> Ledger:
    whole = _read(path, **kwargs)
    monkeypatch.setattr(ledger_source, "BLOCK_BYTES", 300)
    monkeypatch.setattr(ledger_source, "BLOCK_ROWS", 3)
    tiny = _read(path, **kwargs)
    _same(whole, tiny)
    return tiny


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_in_tiny_blocks_give_the_same_ledger(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    ledger = _whole_then_tiny(monkeypatch, shared_path("samples", name))
    assert ledger.report.ok
    assert ledger.residents.num_rows > 10


def test_defects_in_tiny_blocks_are_the_same_findings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ledger = _whole_then_tiny(monkeypatch, broken_copy(tmp_path))
    rows = {(f.where.row, f.key) for f in ledger.report.errors}
    assert {
        (11, "ledger.id.duplicate"),
        (12, "ledger.id.duplicate"),
        (3, "ledger.id.checksum"),
    } <= rows


def _people(count: int) -> list[str]:
    return [
        make_id(f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}") for i in range(count)
    ]


def test_duplicate_and_orphan_far_apart_are_found(tiny_blocks: None, tmp_path: Path) -> None:
    people = _people(40)
    residents = [resident(p) for p in people] + [resident(people[0])]  # row 42 repeats row 2
    stranger = make_id("19700101", "999")
    evaluations = [evaluation(p) for p in people] + [evaluation(stranger)]
    folder = write_ledger(tmp_path / "x", residents, evaluations)
    report = read_ledger(folder, as_of=AS_OF, policy=POLICY).report  # type: ignore[arg-type]
    duplicate = [f for f in report.errors if f.key == "ledger.id.duplicate"]
    assert [f.where.row for f in duplicate] == [2, 42]
    assert "2、42" in duplicate[0].message()
    assert "370828********" in duplicate[0].message()
    assert people[0] not in duplicate[0].message()
    orphans = [f for f in report.errors if f.key == "ledger.eval.unknown_resident"]
    assert [(f.where.sheet, f.where.row) for f in orphans] == [(EVALUATIONS, 42)]
    assert stranger not in orphans[0].message()
    assert stranger[-4:] in orphans[0].message()


def test_blank_rows_across_blocks(tiny_blocks: None, tmp_path: Path) -> None:
    people = _people(12)
    blank = [""] * len(RES_HEADER)
    residents = (
        [resident(p) for p in people[:5]]
        + [blank] * 9
        + [resident(p) for p in people[5:]]
        + [blank] * 7
    )
    folder = write_ledger(tmp_path / "x", residents, [])
    ledger = read_ledger(folder, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert ledger.residents.column("source_row").to_pylist() == [*range(2, 7), *range(16, 23)]
    blank_rows = [f.where.row for f in ledger.report.warnings if f.key == "ledger.row.blank"]
    assert blank_rows == list(range(7, 16))  # inner ones only; the trailing 7 are silent


def test_quoted_line_breaks_at_every_cut(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    people = _people(30)
    header = [*RES_HEADER, "家庭住址"]
    rows = [[*resident(p), f'第{i}号\n"东院"\r\n二楼'] for i, p in enumerate(people)]
    folder = tmp_path / "x"
    write_ledger(folder, rows, [], res_header=header)
    whole = _read(folder, policy=POLICY)
    for size in (64, 97, 150, 301):
        monkeypatch.setattr(ledger_source, "BLOCK_BYTES", size)
        _same(whole, _read(folder, policy=POLICY))
    assert whole.residents.column("address")[3].as_py() == '第3号\n"东院"\r\n二楼'
    assert whole.residents.column("source_row").to_pylist() == list(range(2, 32))


def test_gb18030_after_ascii_blocks_is_detected(tiny_blocks: None, tmp_path: Path) -> None:
    people = _people(20)
    folder = tmp_path / "x"
    folder.mkdir()
    header = (
        "id_number,name,community,subject_type,full_civil_capacity,fixed_residence,"
        "fixed_income,major_bad_credit\r\n"
    )
    lines = [
        f"{p},Li Lei,Chunqiu,农户,是,是,是,否\r\n"
        if i == 15
        else f"{p},Li Lei,Chunqiu,1,1,1,1,0\r\n"
        for i, p in enumerate(people)
    ]
    (folder / "residents.csv").write_bytes((header + "".join(lines)).encode("gb18030"))
    (folder / "evaluations.csv").write_text(",".join(EVAL_HEADER) + "\r\n", encoding="utf-8")
    ledger = read_ledger(folder, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert ledger.residents.column("subject_type")[15].as_py() == "农户"
    assert not [f for f in ledger.report.errors if f.key == "ledger.encoding.unknown"]


def test_a_block_in_another_encoding_is_an_error(tiny_blocks: None, tmp_path: Path) -> None:
    people = _people(20)
    folder = write_ledger(tmp_path / "x", [resident(p) for p in people], [])
    data = (folder / "residents.csv").read_bytes()
    tail = "\r\n".join(",".join(resident(p)) for p in _people(3)).encode("gb18030")
    (folder / "residents.csv").write_bytes(data + tail)  # UTF-8 Chinese, then GB18030
    report = read_ledger(folder, as_of=AS_OF, policy=POLICY).report  # type: ignore[arg-type]
    found = [f for f in report.errors if f.key == "ledger.encoding.unknown"]
    assert found
    assert "residents.csv" in found[0].message()


def test_unnamed_column_with_data_in_a_late_block(tiny_blocks: None, tmp_path: Path) -> None:
    people = _people(15)
    rows = [[*resident(p), "x" if i == 13 else ""] for i, p in enumerate(people)]
    folder = write_ledger(tmp_path / "x", rows, [], res_header=[*RES_HEADER, ""])
    report = read_ledger(folder, as_of=AS_OF, policy=POLICY).report  # type: ignore[arg-type]
    assert [(f.key, f.where.column) for f in report.errors] == [("ledger.header.unknown", "J")]
    dropped = read_ledger(
        folder,
        as_of=AS_OF,
        policy=POLICY,  # type: ignore[arg-type]
        drop_unknown=True,
    )
    assert dropped.report.ok
    assert dropped.dropped_columns == ("J",)


def test_parquet_and_xlsx_in_row_blocks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = shared_path("samples", "ledger-sample-utf8")
    folder = tmp_path / "pq"
    folder.mkdir()
    for name in ("residents", "evaluations"):
        with (source / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        columns = {h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}
        pq.write_table(pa.table(columns), folder / f"{name}.parquet", row_group_size=4)
    whole = _whole_then_tiny(monkeypatch, folder)
    assert whole.residents.equals(_read(source).residents)


def test_check_ledger_counts_without_keeping_tables(tiny_blocks: None) -> None:
    checked = check_ledger(shared_path("samples", "ledger-sample-utf8"), as_of=AS_OF)
    whole = _read(shared_path("samples", "ledger-sample-utf8"))
    assert checked.report == whole.report
    assert (checked.residents, checked.evaluations) == (
        whole.residents.num_rows,
        whole.evaluations.num_rows,
    )


def test_scan_blocks_are_bounded_and_in_order(tiny_blocks: None) -> None:
    sizes: list[int] = []
    rows: list[int] = []
    with LedgerScan(shared_path("samples", "ledger-sample-utf8"), as_of=AS_OF) as scan:
        for block in scan.blocks(RESIDENTS):
            sizes.append(block.table.num_rows)
            rows += block.table.column("source_row").to_pylist()
        report = scan.finish()
    assert report.ok
    assert len(sizes) > 5
    assert max(sizes) <= 4
    assert rows == sorted(rows)
    assert rows[0] == 2


def test_a_sheet_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    shutil.copytree(shared_path("samples", "ledger-sample-utf8"), folder)
    with LedgerScan(folder, as_of=AS_OF) as scan:
        list(scan.blocks(RESIDENTS))
        with pytest.raises(ValueError, match="read already"):
            list(scan.blocks(RESIDENTS))


def test_an_abandoned_scan_stops_its_workers(tiny_blocks: None) -> None:
    with LedgerScan(shared_path("samples", "ledger-sample-utf8"), as_of=AS_OF) as scan:
        blocks = scan.blocks(RESIDENTS)
        next(blocks)
        blocks.close()
    assert scan.count(RESIDENTS) >= 1

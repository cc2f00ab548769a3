"""The return trip in bounded memory (issue 16): ``sx seal DECISIONS`` reads its file a
batch at a time, ``sx results`` joins the decisions to the ledger batch by batch; with
small batches, chunks and blocks both give what the whole-table code gives."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_exchange.ledger import id_keys, load_ledger
from secure_exchange.package import GROUP_COLUMNS
from secure_exchange.pseudonym import token_key, tokens
from secure_exchange.reports import lists_from_results, public_lists, read_output, write_output
from secure_exchange.station import Station, open_imported, results_for_residents, unlock
from secure_exchange.station import returned as _returned
from secure_exchange.station.results import names_for_rows
from secure_exchange.station.returned import Residents, ResultsJoin, id_text
from tests.support import CLI_PASS, NUMBER, Ready, World, build_world, make_id, make_ready
from tests.support import shared_path as _shared

KEY = bytes(range(32))


def _residents(count: int) -> pa.Table:
    ids = [
        make_id(f"1980{1 + i % 12:02d}{1 + i % 28:02d}", f"{i % 1000:03d}") for i in range(count)
    ]
    return pa.table(
        {
            "source_row": pa.array(range(2, count + 2), pa.int32()),
            "id_number": ids,
            "name": [f"居民{i}" for i in range(count)],
            "community": [f"村{i % 3}" for i in range(count)],
        }
    )


def _decisions(residents: pa.Table) -> pa.Table:
    """Decisions for most residents, shuffled, with strangers, a repeat and odd values."""
    mine = tokens(KEY, residents.column("id_number")).to_pylist()
    rng = np.random.default_rng(5)
    picked = [mine[i] for i in rng.permutation(len(mine))[: len(mine) - 3]]
    subjects = [*picked, "0" * 32, mine[4].upper(), None, "xyz", picked[2]]
    count = len(subjects)
    return pa.table(
        {
            "subject": pa.array(subjects, pa.string()),
            "community": [f"村{i % 4}" for i in range(count)],
            "status": [("approved", "declined", "vetoed")[i % 3] for i in range(count)],
            "total_points": pa.array([None if i % 7 == 0 else i for i in range(count)], pa.int32()),
            "credit_limit_yuan": pa.array([i * 1000 for i in range(count)], pa.int64()),
            "reasons": [None if i % 5 == 0 else f"A{i % 6}+1;E_AGE" for i in range(count)],
            "as_of": pa.array([date(2022, 7, 1)] * count, pa.date32()),
            "panel": pa.nulls(count, pa.string()),
        }
    )


def _kept(residents: pa.Table) -> Residents:
    """What ``sx results`` keeps of the residents: ID keys and rows, name and community."""
    return Residents(
        id_keys(residents.column("id_number").combine_chunks()),
        residents.column("source_row").to_numpy(),
        KEY,
        community=residents.column("community"),
        name=residents.column("name"),
    )


def test_id_numbers_come_back_from_their_keys() -> None:
    ids = [make_id(f"1980{m:02d}01", f"{m:03d}") for m in range(1, 13)]
    ids += ["11010519491231002X", "370828198001011239"]
    assert any(i.endswith("X") for i in ids)
    text = id_text(id_keys(pa.array(ids)))
    assert [bytes(row).decode() for row in text] == ids
    with pytest.raises(ValueError, match="checked"):
        Residents(np.array([-1], np.int64), np.array([2], np.int32), KEY)


def _in_batches(table: pa.Table, size: int) -> Iterator[pa.Table]:
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)


def test_join_batch_by_batch_is_the_whole_table_join(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_returned, "CHUNK_ROWS", 4)
    residents = _residents(23)
    decisions = _decisions(residents)
    joined = ResultsJoin(decisions.schema, _kept(residents))
    for batch in _in_batches(decisions, 3):
        joined.add(batch)
    whole = results_for_residents(decisions, residents, KEY)
    chunks = list(joined.chunks(names=True, community=True))
    assert len(chunks) == 6  # 23 ledger rows, 4 a chunk
    streamed = pa.concat_tables(chunks)
    assert streamed.drop_columns(["name", "community_"]).equals(whole)
    assert streamed.column("name").equals(pa.chunked_array([names_for_rows(whole, residents)]))
    assert joined.rows == whole.num_rows == len(decisions) - 4  # strangers and odd tokens out
    lists = lists_from_results(joined.chunks(names=True, community=True), "community_")
    assert lists == public_lists(whole, residents)  # the 公示 lists, from the chunks


def test_tokens_sharing_their_first_64_bits_are_told_apart_by_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = _returned.token_words

    def first_half_zero(
        tokens: pa.Array | pa.ChunkedArray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        high, low, valid = words(tokens)
        return np.zeros_like(high), low, valid

    monkeypatch.setattr(_returned, "token_words", first_half_zero)
    residents = _residents(23)
    decisions = _decisions(residents)
    joined = ResultsJoin(decisions.schema, _kept(residents))
    for batch in _in_batches(decisions, 4):
        joined.add(batch)
    assert pa.concat_tables(joined.chunks()).equals(
        results_for_residents(decisions, residents, KEY)
    )


def test_text_columns_take_four_bytes_a_row_once_two_do_not_hold_their_values() -> None:
    count = 40_000
    column = _returned._TextColumn(count, pa.string())
    column.fill(np.arange(10), pa.array([f"r{i}" for i in range(10)]))
    assert column.codes.dtype == np.int16
    column.fill(np.arange(10, count), pa.array([f"r{i}" for i in range(10, count)]))
    assert column.codes.dtype == np.int32
    assert column.take(np.array([0, 9, 10, count - 1, 5])).to_pylist() == [
        "r0",
        "r9",
        "r10",
        f"r{count - 1}",
        "r5",
    ]


def test_an_empty_ledger_or_no_decision_gives_one_empty_chunk() -> None:
    residents = _residents(8)
    decisions = _decisions(residents).slice(0, 0)
    joined = ResultsJoin(decisions.schema, _kept(residents.slice(0, 0)))
    joined.add(decisions)
    (only,) = joined.chunks()
    assert only.num_rows == 0
    assert only.schema.names[:2] == ["subject", "source_row"]
    assert only.equals(results_for_residents(decisions, residents.slice(0, 0), KEY))


# --- through the commands ----------------------------------------------------------------


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Ready:
    return make_ready(build_world(tmp_path_factory.mktemp("streamed")))


def _whole_results(world: World, back: Path) -> pa.Table:
    """What ``sx results`` wrote before issue 16: both tables whole, joined at once."""
    with Station.open(world.community) as station:
        identity = unlock(station, "zw-seal", lambda _n: CLI_PASS.encode(), "age")
        verified, tables = open_imported(station, back, identity, ["decisions"])
        key = token_key(identity.pseudonym_secret(), verified.agreement.sha256)
    ledger = load_ledger(_shared("samples", "ledger-sample.xlsx"))
    return results_for_residents(tables["decisions"], ledger.residents, key)


def _small_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_returned, "CHUNK_ROWS", 7)
    monkeypatch.setattr("secure_exchange.ledger.source.BLOCK_ROWS", 5)
    monkeypatch.setattr("secure_exchange.reports.chunked._BATCH_BYTES", 256)


def test_results_streamed_are_byte_identical_to_the_whole_tables(
    ready: Ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, ledger = ready.world, str(_shared("samples", "ledger-sample.xlsx"))
    whole = _whole_results(world, ready.back)
    for suffix in (".csv", ".parquet"):
        expected = world.root / f"whole{suffix}"
        write_output(whole, expected, "results")
        with monkeypatch.context() as patch:
            _small_everything(patch)
            out = world.root / f"streamed{suffix}"
            world.sx(
                world.community, "results", str(ready.back), "--ledger", ledger, "--out", str(out)
            )
        if suffix == ".csv":
            assert out.read_bytes() == expected.read_bytes()
        else:  # a row group per chunk: the same rows; the same bytes within one row group
            assert pq.read_table(out).equals(pq.read_table(expected))
            with monkeypatch.context() as patch:
                _small_everything(patch)
                patch.setattr(_returned, "CHUNK_ROWS", 1 << 20)
                world.sx(
                    world.community,
                    "results",
                    str(ready.back),
                    "--ledger",
                    ledger,
                    "--out",
                    str(out),
                    "--force",
                )
            assert out.read_bytes() == expected.read_bytes()
        assert os.stat(out).st_mode & 0o077 == 0  # rows about people: owner only
    assert whole.num_rows > 7  # several chunks
    assert not list(world.root.glob(".*.tmp-*"))


def test_results_workbook_streamed_shows_every_row_with_its_name(
    ready: Ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, ledger = ready.world, str(_shared("samples", "ledger-sample.xlsx"))
    whole = _whole_results(world, ready.back)
    _small_everything(monkeypatch)
    out = world.root / "结果.xlsx"
    world.sx(world.community, "results", str(ready.back), "--ledger", ledger, "--out", str(out))
    back = read_output(out)
    assert back.num_rows == whole.num_rows
    assert back.column("source_row").to_pylist() == whole.column("source_row").to_pylist()
    assert back.column("subject").to_pylist() == whole.column("subject").to_pylist()
    assert back.column("status").to_pylist() == whole.column("status").to_pylist()
    names = load_ledger(_shared("samples", "ledger-sample.xlsx")).residents
    assert back.column("name").to_pylist() == names_for_rows(whole, names).to_pylist()


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "more than an Excel sheet"), ("zh_CN.UTF-8", "超过 Excel")]
)
def test_results_too_many_for_a_sheet_are_refused_before_the_passphrase(
    ready: Ready, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    monkeypatch.setattr("secure_exchange.station.community.EXCEL_ROWS", 3)
    world, out = ready.world, ready.world.root / "太多.xlsx"
    done = world.sx(
        world.community,
        "results",
        str(ready.back),
        "--ledger",
        str(_shared("samples", "ledger-sample.xlsx")),
        "--out",
        str(out),
        ok=False,
        env={"SX_LANG": lang, "SX_PASSPHRASE": "not the passphrase"},
    )
    assert done.exit_code == 1
    assert words in done.output
    assert ".csv" in done.output
    if lang != "en":
        assert "rows" not in done.output
    assert not out.exists()


def _sealed_back(world: World, decisions: Path, tag: str) -> pa.Table:
    """Seal ``decisions`` at the bank, import the package at the community, and read its
    decisions group there."""
    out = world.root / f"back-{tag}"
    done = world.sx(world.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(out))
    package = Path(done.output.strip().splitlines()[-1])
    world.sx(world.community, "import", str(package))
    with Station.open(world.community) as station:
        identity = unlock(station, "zw-seal", lambda _n: CLI_PASS.encode(), "age")
        return open_imported(station, package, identity, ["decisions"])[1]["decisions"]


def test_decisions_sealed_batch_by_batch_are_the_file_read_whole(
    ready: Ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = ready.world
    table = read_output(ready.decisions)
    count = table.num_rows
    # an all-empty text column, empty and "NA" values among numbers, an empty reason
    odd = table.drop_columns([n for n in ("panel",) if n in table.column_names])
    odd = odd.append_column("panel", pa.nulls(count, pa.string()))
    points = odd.column("total_points").to_pylist()
    points[1] = None
    odd = odd.set_column(
        odd.schema.get_field_index("total_points"), "total_points", pa.array(points)
    )
    reasons = odd.column("reasons").to_pylist()
    reasons[2] = ""
    odd = odd.set_column(odd.schema.get_field_index("reasons"), "reasons", pa.array(reasons))
    path = world.root / "odd-decisions.csv"
    write_output(odd, path, "decisions")
    text = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([text[0]]))
    cells = next(csv.reader([text[4]]))
    cells[header.index("total_points")] = "NA"
    text[4] = ",".join(f'"{c}"' if c else "" for c in cells)
    path.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    expected = GROUP_COLUMNS["decisions"].conform(read_output(path))  # the whole-file seal's
    monkeypatch.setattr("secure_exchange.reports.chunked._BATCH_BYTES", 512)
    monkeypatch.setattr("secure_exchange.package.parts.ROW_GROUP_ROWS", 4)
    sealed = _sealed_back(world, path, "odd")
    assert sealed.equals(expected)
    assert sealed.column("panel").null_count == count
    assert sealed.column("total_points")[3].as_py() is None
    assert sealed.column("reasons")[2].as_py() == ""
    parquet = world.root / "decisions.parquet"
    pq.write_table(read_output(ready.decisions), parquet)
    assert _sealed_back(world, parquet, "parquet").equals(
        GROUP_COLUMNS["decisions"].conform(read_output(ready.decisions))
    )


def _broken_copy(ready: Ready, name: str, change: str) -> Path:
    """The decisions CSV with its last row changed: a value of the wrong type, or a row
    with a field too many."""
    lines = ready.decisions.read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([lines[0]]))
    cells = next(csv.reader([lines[-1]]))
    if change == "value":
        cells[header.index("credit_limit_yuan")] = "lots"
    else:
        cells.append("lots")
    lines[-1] = ",".join(f'"{c}"' if c else "" for c in cells)
    path = ready.world.root / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.parametrize(
    ("change", "en", "zh"),
    [
        ("value", "credit_limit_yuan of group decisions cannot be converted", "无法转换"),
        ("field", "bad-field.csv cannot be read", "无法读取"),
    ],
)
def test_a_decisions_file_bad_part_way_seals_nothing(
    ready: Ready, monkeypatch: pytest.MonkeyPatch, change: str, en: str, zh: str
) -> None:
    world = ready.world
    bad = _broken_copy(ready, f"bad-{change}.csv", change)
    monkeypatch.setattr("secure_exchange.reports.chunked._BATCH_BYTES", 512)  # last batch
    out = world.root / "back-bad"
    for lang, words in (("en", en), ("zh_CN.UTF-8", zh)):
        done = world.sx(
            world.bank,
            "seal",
            str(bad),
            "--agreement",
            NUMBER,
            "--out",
            str(out),
            ok=False,
            env={"SX_LANG": lang},
        )
        assert done.exit_code == 1, done.output
        assert words in done.output
        assert "lots" not in done.output
        assert not [p for p in out.iterdir() if p.name.startswith((".sx-", "sx-"))]

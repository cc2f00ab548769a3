"""The checks that match evaluations to residents give one report whichever sheet is read
first: the whole pass at the end (residents first) and the block-by-block lookups of
``_EvaluationIndex`` (evaluations first, as ``sx seal`` and a workbook's check read them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from secure_exchange.ledger import EVALUATIONS, PANEL, RESIDENTS, LedgerScan
from secure_exchange.ledger import panel as panel_module
from secure_exchange.ledger import scan as scan_module
from secure_exchange.ledger.schema import CheckReport
from secure_exchange.ledger.spans import orphan_findings, sorted_keys
from secure_exchange.ledger.synthetic import synthetic_ledger
from tests.support import AS_OF, POLICY


def _keys(rng: np.random.Generator, count: int, top: int) -> np.ndarray:
    keys = rng.integers(-1, top, count).astype(np.int64)
    return keys


@pytest.mark.parametrize("seed", range(6))
def test_index_lookups_match_the_whole_pass(seed: int) -> None:
    """Resident blocks matched against the evaluations one at a time find the sittings and
    the evaluations naming no resident that the whole pass finds (IDs not repeated)."""
    rng = np.random.default_rng(seed)
    names = ["甲村", "乙村", "丙社区"]
    for _ in range(60):
        residents = rng.permutation(np.arange(-1, 40, dtype=np.int64))[: int(rng.integers(0, 30))]
        residents = np.concatenate([residents, np.full(int(rng.integers(0, 4)), -1)])
        community = rng.integers(-1, 3, len(residents)).astype(np.int32)
        evaluations = _keys(rng, int(rng.integers(0, 90)), 45)
        days = rng.integers(-1, 4, len(evaluations)).astype(np.int32) + 19_000
        days[rng.random(len(days)) < 0.1] = -1
        rows = np.arange(2, len(evaluations) + 2, dtype=np.int32)

        index = scan_module._EvaluationIndex.of(evaluations, sorted_keys(evaluations))
        cuts = sorted(rng.integers(0, len(residents) + 1, 3).tolist())
        for block in np.split(np.arange(len(residents)), cuts):
            found = index.find(residents[block])
            index.take(found, community[block])

        whole = panel_module.evaluated_sittings(
            residents, community, names, evaluations, days, rows
        )
        assert panel_module.sittings_of(index.community, names, days, rows) == whole
        unmatched = ~index.matched & (evaluations >= 0)
        expected = orphan_findings(evaluations, rows, residents)
        assert sorted(rows[unmatched].tolist()) == [f.where.row for f in expected]


def _ledger(folder: Path, *, orphans: bool, repeat: bool) -> Path:
    """A CSV ledger whose evaluations name residents of another ledger too (``orphans``),
    some residents without a community, and (``repeat``) an ID given twice."""
    residents, evaluations = synthetic_ledger(400, 7, records_per_resident=1.2)
    if orphans:
        _, others = synthetic_ledger(50, 8, records_per_resident=1.0)
        evaluations = pa.concat_tables([evaluations, others])
    column = residents.column_names.index("所属社区")
    communities = residents.column(column).to_pylist()
    for row in range(0, len(communities), 37):
        communities[row] = None
    residents = residents.set_column(column, "所属社区", pa.array(communities, pa.string()))
    if repeat:
        residents = pa.concat_tables([residents, residents.slice(5, 1)])
    folder.mkdir()
    for name, table in (("residents", residents), ("evaluations", evaluations)):
        with (folder / f"{name}.csv").open("wb") as fh:
            fh.write(b"\xef\xbb\xbf")
            pa_csv.write_csv(table, fh)
    return folder


def _report(folder: Path, order: tuple[str, ...]) -> tuple[CheckReport, bool]:
    with LedgerScan(folder, as_of=AS_OF, policy=POLICY) as scan:
        scan._source.block_bytes = 4096  # many blocks
        for sheet in order:
            for _ in scan.blocks(sheet):
                pass
        used = scan._index is not None
        return scan.finish(), used


@pytest.mark.parametrize(("orphans", "repeat"), [(False, False), (True, False), (True, True)])
def test_either_order_gives_the_same_report(tmp_path: Path, orphans: bool, repeat: bool) -> None:
    folder = _ledger(tmp_path / "ledger", orphans=orphans, repeat=repeat)
    first, used_first = _report(folder, (RESIDENTS, EVALUATIONS, PANEL))
    second, used_second = _report(folder, (EVALUATIONS, RESIDENTS, PANEL))
    assert (used_first, used_second) == (False, True)
    assert second == first
    keys = [f.key for f in first.errors]
    assert ("ledger.eval.unknown_resident" in keys) == orphans
    assert ("ledger.id.duplicate" in keys) == repeat
    assert any(f.key == "ledger.panel.absent" for f in first.warnings)  # sittings were found


def test_many_evaluations_are_matched_in_one_pass_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the cache-sized limit the evaluations are not indexed: the same report all the same.
    folder = _ledger(tmp_path / "ledger", orphans=True, repeat=False)
    indexed, _ = _report(folder, (EVALUATIONS, RESIDENTS, PANEL))
    monkeypatch.setattr(scan_module, "_INDEX_EVALUATIONS", 10)
    whole, used = _report(folder, (EVALUATIONS, RESIDENTS, PANEL))
    assert not used
    assert whole == indexed

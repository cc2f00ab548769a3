"""The 评议小组 roster in the package: counts and roles for the scoring keys, names only with
the identity fields; sealed, verified and scored end to end."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from secure_exchange import package as pkg
from secure_exchange.ledger import read_ledger
from secure_exchange.pseudonym import pseudonymise
from tests.support import (
    AGE_WINDOW,
    AS_OF,
    NUMBER,
    POLICY,
    World,
    evaluation,
    make_id,
    resident,
    shared_path,
)
from tests.support import write_ledger as write_csv_folder

KEY = bytes(range(32))
ROLES = ["支书/主任", "妇女主席", "党员", "乡贤", "农商银行人员"]
ID_C = make_id("19750310", "241")


def _ledger(tmp_path: Path) -> Path:
    folder = write_csv_folder(
        tmp_path / "ledger",
        [resident(), resident(ID_C)],
        [evaluation(), evaluation(code="D4", panel_date="2022-06-28")],
    )
    rows = [["所属社区", "评议日期", "姓名", "角色"]]
    rows += [["春秋社区", "2022-06-28", f"评议员{i}", role] for i, role in enumerate(ROLES)]
    with (folder / "panel.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def test_scoring_gets_counts_and_roles_identity_the_names(tmp_path: Path) -> None:
    ledger = read_ledger(_ledger(tmp_path), as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert ledger.report.ok
    split = pseudonymise(ledger.residents, ledger.evaluations, KEY, AGE_WINDOW, panel=ledger.panel)
    scoring, identity = split.groups["scoring"], split.groups["identity"]
    sittings = scoring["panel_sittings"].to_pylist()
    assert sittings[0] == [
        {"panel_date": date(2022, 6, 28), "members": 5, "roles": "、".join(ROLES)}
    ]
    assert sittings[1] is None  # not evaluated
    assert "评议员" not in json.dumps(scoring.to_pylist(), default=str, ensure_ascii=False)
    members = identity["panel_members"].to_pylist()[0]
    assert [m["name"] for m in members] == [f"评议员{i}" for i in range(5)]
    assert {m["role"] for m in members} == set(ROLES)
    for name, table in split.groups.items():
        assert pkg.GROUP_COLUMNS[name].conform(table).num_rows == table.num_rows


def test_no_roster_no_columns(tmp_path: Path) -> None:
    ledger = read_ledger(_ledger(tmp_path), as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    split = pseudonymise(ledger.residents, ledger.evaluations, KEY, AGE_WINDOW)
    assert "panel_sittings" not in split.groups["scoring"].column_names
    assert "panel_members" not in split.groups["identity"].column_names


@pytest.fixture(scope="module")
def rostered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The xlsx sample with a complete 评议小组 sheet for each of its sittings."""
    source = shared_path("samples", "ledger-sample.xlsx")
    book = load_workbook(source)
    residents = list(book["居民"].iter_rows(values_only=True))
    where = {str(r[0]): str(r[2]) for r in residents[1:]}
    sittings: dict[tuple[str, str], None] = defaultdict(lambda: None)
    for row in list(book["评议"].iter_rows(values_only=True))[1:]:
        day = row[5] if isinstance(row[5], str) else row[5].date().isoformat()
        sittings[(where[str(row[0])], day)] = None
    sheet = book.create_sheet("评议小组")
    sheet.append(["所属社区", "评议日期", "姓名", "角色"])
    for community, day in sittings:
        for i, role in enumerate(ROLES):
            sheet.append([community, day, f"评议员{i}", role])
    path = tmp_path_factory.mktemp("rostered") / "台账.xlsx"
    book.save(path)
    return path


def test_sealed_verified_and_scored_with_the_roster(world: World, rostered: Path) -> None:
    checked = world.sx(world.community, "ledger", "check", str(rostered), "--json")
    assert json.loads(checked.output)["warnings"] == []  # every sitting is on the roster
    sealed = world.sx(
        world.community, "seal", str(rostered), "--agreement", NUMBER, "--out", str(world.stick)
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    doc = json.loads(world.sx(world.bank, "verify", str(package), "--json").output)
    assert doc["ok"] is True
    manifest = json.loads((package / "manifest.json").read_text("utf-8"))
    text = json.dumps(manifest, ensure_ascii=False)
    assert "panel_sittings" in text
    assert "panel_members" in text
    world.sx(world.bank, "import", str(package))
    out = world.root / "rostered.csv"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert sum(r["status"] == "approved" for r in rows) == 14  # the roster changes no score
    assert not any("评议员" in str(r) for r in rows)
    evaluated = [r for r in rows if r["panel"]]
    assert evaluated
    assert all(" 5 支书/主任、妇女主席、党员、乡贤、农商银行人员" in r["panel"] for r in evaluated)
    page = world.root / "report.html"
    world.sx(world.bank, "report", str(out), "--out", str(page))
    html = page.read_text("utf-8")
    sittings = html.split("The credit-evaluation panel&#x27;s sittings")[1].split("</section>")[0]
    assert sittings.count("<tr><td>") == 8  # the sample's eight sittings
    assert "支书/主任、妇女主席、党员、乡贤、农商银行人员" in sittings
    assert "评议员" not in html


def test_group_types_agree(tmp_path: Path) -> None:
    ledger = read_ledger(_ledger(tmp_path), as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    split = pseudonymise(ledger.residents, ledger.evaluations, KEY, AGE_WINDOW, panel=ledger.panel)
    for name in ("scoring", "identity"):
        schema = split.groups[name].schema
        for field in schema:
            assert pkg.GROUP_COLUMNS[name].type_of(field.name) == field.type, field.name
    assert isinstance(split.groups["scoring"]["panel_sittings"].type, pa.ListType)


def _lists_by_hand(
    found: dict[tuple[str, int], object],
    communities: list[str | None],
    keys: list[int],
    dates: tuple[list[int], list[int]],
) -> tuple[list[object], list[object]]:
    """Per resident, one at a time: the sittings on their records' dates, the members."""
    sittings: list[object] = []
    members: list[object] = []
    for community, key in zip(communities, keys, strict=True):
        days = sorted({d for k, d in zip(*dates, strict=True) if k == key}) if key >= 0 else []
        hits = [found[(community, d)] for d in days if (community, d) in found]  # type: ignore[index]
        sittings.append(
            [{"panel_date": f.day, "members": f.members, "roles": f.roles} for f in hits] or None  # type: ignore[attr-defined]
        )
        members.append(
            [{"panel_date": f.day, "name": n, "role": r} for f in hits for n, r in f.names]  # type: ignore[attr-defined]
            or None
        )
    return sittings, members


@pytest.mark.parametrize("seed", range(8))
def test_roster_lookups_for_a_whole_block_match_one_resident_at_a_time(seed: int) -> None:
    import numpy as np

    from secure_exchange.pseudonym import split

    rng = np.random.default_rng(seed)
    names = ["甲村", "乙村", "丙社区", "丁村"]
    rows = []
    for _ in range(int(rng.integers(0, 25))):
        day = date(2022, 6, int(rng.integers(1, 6)))
        rows.append((names[int(rng.integers(0, 3))], day, f"成员{int(rng.integers(0, 9))}"))
    panel = pa.table(
        {
            "community": pa.array([r[0] for r in rows], pa.string()),
            "panel_date": pa.array([r[1] for r in rows], pa.date32()),
            "name": pa.array([r[2] for r in rows], pa.string()),
            "role": pa.array(["党员"] * len(rows), pa.string()),
        }
    )
    found = split._sittings(panel)
    roster = split._Roster.of(found)
    record_keys = np.sort(rng.integers(-1, 30, int(rng.integers(0, 120)))).astype(np.int64)
    epoch = date(1970, 1, 1).toordinal()
    record_days = (
        rng.integers(date(2022, 6, 1).toordinal(), date(2022, 6, 7).toordinal(), len(record_keys))
        - epoch
    )
    record_days[rng.random(len(record_days)) < 0.1] = -1
    dates = (record_keys, record_days.astype(np.int32))
    count = int(rng.integers(0, 40))
    keys = rng.integers(-1, 32, count).astype(np.int64)
    communities = [None if rng.random() < 0.1 else names[int(rng.integers(0, 4))] for _ in keys]
    sittings, members = roster.lists(pa.array(communities, pa.string()), keys, dates)
    expected = _lists_by_hand(
        found, communities, keys.tolist(), (record_keys.tolist(), dates[1].tolist())
    )
    assert sittings.to_pylist() == expected[0]
    assert members.to_pylist() == expected[1]
    assert sittings.type == pkg.SITTINGS_TYPE
    assert members.type == pkg.MEMBERS_TYPE

"""The 评议小组 roster (ledger-v1 revision 2): every check, from every container."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from secure_exchange.i18n import set_language
from secure_exchange.ledger import PANEL, Ledger, read_ledger, sittings
from secure_exchange.ledger import panel as panel_module
from tests.support import (
    AS_OF,
    EVAL_HEADER,
    ID_A,
    POLICY,
    RES_HEADER,
    evaluation,
    resident,
    write_ledger,
)

HEADER = ["所属社区", "评议日期", "姓名", "角色"]
DAY = "2022-06-28"  # the date of support.evaluation()
ROLES = ["支书/主任", "妇女主席", "红白理事会会长", "党员", "农商银行人员"]


def members(
    roles: list[str] = ROLES, day: str = DAY, community: str = "春秋社区"
) -> list[list[str]]:
    return [[community, day, f"成员{i}", role] for i, role in enumerate(roles)]


def run(tmp_path: Path, roster: list[list[str]] | None, header: list[str] = HEADER) -> Ledger:
    folder = write_ledger(tmp_path / "ledger", [resident()], [evaluation()])
    if roster is not None:
        with (folder / "panel.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *roster])
    return read_ledger(folder, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]


def found(
    ledger: Ledger, level: str = "error"
) -> list[tuple[str | None, int | None, str | None, str]]:
    items = ledger.report.errors if level == "error" else ledger.report.warnings
    return [(f.where.sheet, f.where.row, f.where.column, f.key) for f in items]


@pytest.fixture(autouse=True)
def _english() -> object:
    set_language("en")
    yield
    set_language(None)


def test_a_complete_roster_passes_and_is_kept(tmp_path: Path) -> None:
    ledger = run(tmp_path, members())
    assert found(ledger) == []
    assert found(ledger, "warning") == []
    assert ledger.panel.num_rows == 5
    assert ledger.panel["role"].to_pylist() == ROLES
    (sitting,) = sittings(ledger.panel)
    assert (sitting.community, sitting.panel_date, sitting.first_row, sitting.members) == (
        "春秋社区",
        DAY,
        2,
        5,
    )


@pytest.mark.parametrize("size", [5, 6, 7])
def test_five_to_seven_members(tmp_path: Path, size: int) -> None:
    assert found(run(tmp_path, members([*ROLES, "乡贤", "其他"][:size]))) == []


@pytest.mark.parametrize(
    "roles", [["支书/主任", "党员", "乡贤", "农商银行人员"], [*ROLES, "乡贤", "其他", "党员"]]
)
def test_too_few_or_too_many_members(tmp_path: Path, roles: list[str]) -> None:
    ledger = run(tmp_path, members(roles))
    assert found(ledger) == [(PANEL, 2, "name", "ledger.panel.size")]
    assert f"has {len(roles)} member(s): it needs 5 to 7" in ledger.report.errors[0].message()


def test_a_sitting_needs_a_bank_officer(tmp_path: Path) -> None:
    ledger = run(tmp_path, members(["支书/主任", "妇女主席", "党员", "乡贤", "其他"]))
    assert found(ledger) == [(PANEL, 2, "role", "ledger.panel.no_bank")]
    assert "春秋社区 on 2022-06-28" in ledger.report.errors[0].message()


def test_a_sitting_needs_a_party_secretary_or_head(tmp_path: Path) -> None:
    ledger = run(tmp_path, members(["农商银行人员", "妇女主席", "党员", "乡贤", "其他"]))
    assert found(ledger) == [(PANEL, 2, "role", "ledger.panel.no_chair")]


def test_each_sitting_is_checked_on_its_own(tmp_path: Path) -> None:
    roster = [*members(), *members(ROLES[:4], day="2022-06-29")]
    ledger = run(tmp_path, roster)
    assert found(ledger) == [
        (PANEL, 7, "name", "ledger.panel.size"),
        (PANEL, 7, "role", "ledger.panel.no_bank"),
    ]


def test_roles_checked_and_aliases_read(tmp_path: Path) -> None:
    roster = members(["支书", "妇女主席", "党员", "村民代表", "银行人员"])
    ledger = run(tmp_path, roster)
    assert found(ledger) == [(PANEL, 5, "role", "ledger.panel.role")]
    assert ledger.panel["role"].to_pylist() == [
        "支书/主任",
        "妇女主席",
        "党员",
        None,
        "农商银行人员",
    ]


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("主任", "支书/主任"),
        ("支书\u3000", "支书/主任"),
        ("村党支部书记", "支书/主任"),
        ("社区党委书记", "支书/主任"),
        ("村委会主任", "支书/主任"),
        ("支书兼主任", "支书/主任"),
        ("农商银行客户经理", "农商银行人员"),
        ("信用社信贷员", "农商银行人员"),
        ("妇女主任", "妇女主席"),
        ("村委会副主任", None),
    ],
)
def test_village_titles_are_read_as_their_roster_role(
    tmp_path: Path, title: str, role: str | None
) -> None:
    """What a village writes in the role column: its officers' titles, not only our words."""
    ledger = run(tmp_path, [*members(), *members([title], community="春秋社区")[:1]])
    assert ledger.panel["role"].to_pylist()[-1] == role
    errors = [key for *_, key in found(ledger)]
    assert errors == ([] if role else ["ledger.panel.role"])


def test_cells_checked_by_row_and_column(tmp_path: Path) -> None:
    roster = members()
    roster[1][2] = ""  # row 3: no name
    roster[2][1] = "2022-13-01"  # row 4: no such date
    ledger = run(tmp_path, roster)
    assert (PANEL, 3, "name", "ledger.cell.empty") in found(ledger)
    assert (PANEL, 4, "panel_date", "ledger.value.date") in found(ledger)


def test_missing_header_named(tmp_path: Path) -> None:
    ledger = run(tmp_path, [r[:3] for r in members()], header=HEADER[:3])
    assert (PANEL, None, "role", "ledger.header.missing") in found(ledger)


def test_unlisted_sitting_is_a_warning_at_the_evaluation_row(tmp_path: Path) -> None:
    ledger = run(tmp_path, members(day="2022-06-27"))
    assert found(ledger) == []
    assert found(ledger, "warning") == [("评议", 2, "panel_date", "ledger.panel.unlisted")]
    assert "春秋社区 on 2022-06-28" in ledger.report.warnings[0].message()


def test_no_roster_is_one_warning(tmp_path: Path) -> None:
    ledger = run(tmp_path, None)
    assert found(ledger) == []
    assert found(ledger, "warning") == [("评议", None, "panel_date", "ledger.panel.absent")]
    assert ledger.panel.num_rows == 0


def test_messages_never_name_a_member(tmp_path: Path) -> None:
    roster = members(["支书/主任", "妇女主席", "党员", "乡贤"])
    for lang in ("en", "zh"):
        set_language(lang)
        ledger = run(tmp_path / lang, roster)
        assert ledger.report.errors
        assert not any("成员" in f.message() for f in ledger.report.errors)


@pytest.mark.parametrize("title", ["评议小组", "panel"])
def test_roster_from_a_workbook(tmp_path: Path, title: str) -> None:
    book = Workbook()
    sheets = (("居民", RES_HEADER, [resident()]), ("评议", EVAL_HEADER, [evaluation()]))
    book.remove(book.active)
    for name, header, rows in (*sheets, (title, HEADER, members())):
        sheet = book.create_sheet(name)
        for row in [header, *rows]:
            sheet.append(row)
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    ledger = read_ledger(path, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert found(ledger) == []
    assert found(ledger, "warning") == []
    assert ledger.panel.num_rows == 5


def test_roster_from_parquet(tmp_path: Path) -> None:
    folder = write_ledger(tmp_path / "ledger", [resident(ID_A)], [evaluation()])
    rows = members()
    table = pa.table({h: [r[i] for r in rows] for i, h in enumerate(HEADER)})
    pq.write_table(table, folder / "panel.parquet")
    ledger = read_ledger(folder, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert found(ledger) == []
    assert found(ledger, "warning") == []
    assert ledger.panel.num_rows == 5


def test_roster_csv_in_gb18030(tmp_path: Path) -> None:
    folder = write_ledger(tmp_path / "ledger", [resident()], [evaluation()])
    text = "\n".join(",".join(r) for r in [HEADER, *members()]) + "\n"
    (folder / "panel.csv").write_bytes(text.encode("gb18030"))
    ledger = read_ledger(folder, as_of=AS_OF, policy=POLICY)  # type: ignore[arg-type]
    assert found(ledger) == []
    assert found(ledger, "warning") == []
    assert ledger.panel["community"].to_pylist() == ["春秋社区"] * 5


def _sittings_by_hand(keys, community, names, eval_keys, days, rows):
    """The sittings the evaluations name, one evaluation at a time (the reference)."""
    first_of = {}
    for position, key in enumerate(keys.tolist()):
        first_of.setdefault(key, position)  # a repeated ID: its first resident
    found, seen = [], set()
    for key, day, row in zip(eval_keys.tolist(), days.tolist(), rows.tolist(), strict=True):
        at = first_of.get(key) if key >= 0 else None
        if at is None or community[at] < 0 or day < 0 or (community[at], day) in seen:
            continue
        seen.add((community[at], day))
        when = date(1970, 1, 1) + timedelta(days=day)
        found.append((names[community[at]], when.isoformat(), row))
    return found


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_evaluated_sittings_match_a_reading_by_hand(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looked up a chunk of evaluations at a time (bounded memory at 10M residents), the
    sittings are those read one evaluation at a time, in the order they first appear."""
    monkeypatch.setattr(panel_module, "_SITTING_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    names = ["甲村", "乙村", "丙社区"]
    for _ in range(200):
        keys = rng.integers(-1, 30, int(rng.integers(1, 40))).astype(np.int64)
        community = rng.integers(-1, 3, len(keys)).astype(np.int32)
        eval_keys = rng.integers(-1, 35, int(rng.integers(0, 80))).astype(np.int64)
        days = rng.integers(-1, 4, len(eval_keys)).astype(np.int32) + 19_000
        days[rng.random(len(days)) < 0.1] = -1
        rows = np.arange(2, len(eval_keys) + 2, dtype=np.int32)
        args = (keys, community, names, eval_keys, days, rows)
        assert panel_module.evaluated_sittings(*args) == _sittings_by_hand(*args)


def test_first_rows_are_those_of_a_sorted_unique() -> None:
    """Each distinct value with the row it first appears on, as ``np.unique`` gives them."""
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 50, 5000):
        values = (rng.integers(0, 7, size).astype(np.int64) << 32) | rng.integers(0, 3, size)
        found, rows = panel_module._first_rows(values)
        unique, first = np.unique(values, return_index=True)
        assert sorted(zip(found, rows.tolist(), strict=True)) == list(
            zip(unique.tolist(), first.tolist(), strict=True)
        )
        assert rows.tolist() == sorted(rows.tolist())  # in the order they first appear

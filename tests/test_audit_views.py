"""What reviewers see of the access log: the report, ``audit show``, CSV/xlsx exports.

No raw ``{placeholder}`` in the report, action codes in words, night work grouped per
night and actor; ``audit show`` fits about 100 columns and lines up on a CJK console;
``audit export --format csv|xlsx``; ``audit verify --home`` on a copied station folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from secure_exchange.audit import Actor, AuditLog
from secure_exchange.audit.report import find_flags, render_report
from secure_exchange.cli import build_cli
from secure_exchange.cli.click_zh import display_width
from secure_exchange.i18n import set_language
from tests.support import World

OFFICER = Actor("张三-经办", "fp-1")
NIGHT_OWL = Actor("night-owl", "fp-2")


class Clock:
    """A fake clock: each reading a minute after the last."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    station = tmp_path / "bank"
    station.mkdir()
    (station / "station.json").write_text(json.dumps({"org": "某农商银行", "role": "bank"}))
    monkeypatch.setenv("SX_HOME", str(station))
    clock = Clock(datetime(2025, 3, 1, 22, 10, tzinfo=UTC))
    log = AuditLog.open(station, clock=clock)
    for _ in range(4):  # one night's work of one officer, past midnight
        with log.operation("package.opened", actor=OFFICER, package="20250301-abcdefgh"):
            clock.now += timedelta(hours=1)
    with log.operation("key.unlocked", actor=NIGHT_OWL):
        pass
    clock.now = datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
    log.record(
        "package.verified",
        actor=OFFICER,
        outcome="refused",
        package="20250302-zzzz",
        detail={"error": "fs.output_exists"},  # a message with a {path} placeholder
    )
    log.record("reidentified", actor=OFFICER, counts={"rows": 3}, detail={"reason": "notify"})
    return station


def _sx(*args: str, lang: str = "zh") -> str:
    result = CliRunner().invoke(build_cli(), list(args), env={"SX_LANG": lang}, prog_name="sx")
    assert result.exit_code == 0, result.output
    return result.output


def test_report_shows_no_placeholders_and_actions_in_words(home: Path) -> None:
    set_language("zh")
    log = AuditLog.open(home)
    page = render_report("某农商银行", log.events(), AuditLog.verify(home))
    assert not re.search(r"\{[A-Za-z_]+\}", page), "a raw placeholder in the report"
    assert "已存在" in page  # the refusal's message, its path shown as …
    for words in ("打开数据包", "核验数据包", "被拒绝", "用户告知"):
        assert words in page
    assert "package.opened" not in page


def test_night_work_is_one_line_per_night_and_actor(home: Path) -> None:
    set_language("zh")
    log = AuditLog.open(home)
    nights = [f for f in find_flags(log.events(), AuditLog.verify(home)) if "night" in f.key]
    assert len(nights) == 2
    officer = next(f for f in nights if f.params["actor"] == OFFICER.name)
    assert officer.params["night"] == "2025-03-01"  # 01:00 belongs to the night before
    assert officer.params["count"] == 4
    assert "打开数据包 ×4" in officer.message


def test_show_fits_100_columns_and_lines_up_in_chinese(home: Path) -> None:
    lines = _sx("audit", "show").splitlines()
    table = lines[:-1]
    assert all(display_width(line) <= 100 for line in table), lines
    starts = set()
    for line in table[1:]:
        for label in ("打开数据包", "解锁密钥", "核验数据包", "身份还原"):
            if label in line:
                starts.add(display_width(line[: line.index(label)]))
    assert len(starts) == 1, lines  # the action column starts at one display column
    assert display_width(table[0][: table[0].index("操作  ")]) == starts.pop()


def test_export_csv_keeps_canonical_headers(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    _sx("audit", "export", "--format", "csv", "--out", str(out))
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["action"] == "package.opened"
    assert rows[0]["actor"] == OFFICER.name
    seqs = [int(r["seq"]) for r in rows]
    assert seqs == sorted(seqs)
    assert any(r["detail"] == "error=fs.output_exists" for r in rows)


def test_export_xlsx_in_the_readers_language(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "log.xlsx"
    _sx("audit", "export", "--format", "xlsx", "--out", str(out))
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows())]
    assert header[:3] == ["序号", "时间（UTC）", "工作站"]
    assert sheet.max_row > 5


def test_compliance_verifies_a_copied_station_without_its_keys(
    world: World, tmp_path: Path
) -> None:
    copy = tmp_path / "copy-of-community"
    shutil.copytree(world.community, copy)
    for secret in copy.rglob("*"):
        if secret.is_file() and secret.name.endswith((".key", ".age")):
            secret.unlink()
    compliance = tmp_path / "compliance"
    world.sx(compliance, "init", "--org", "合规部", "--role", "compliance")
    result = world.sx(compliance, "audit", "verify", "--home", str(copy), env={"SX_LANG": "zh"})
    assert "日志完整" in result.output or "通过" in result.output, result.output

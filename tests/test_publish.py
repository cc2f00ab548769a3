"""公示 lists: masking, no reasons, one list per community, and an A4 page in a real browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from scoring import load_policy, score
from secure_exchange.errors import SecureExchangeError
from secure_exchange.ledger import read_ledger
from secure_exchange.reports import Notice, mask_name, public_lists, write_public_lists
from secure_exchange.station.results import preview_tables
from tests.support import CHROMIUM, chromium, png_facts, shared_path

NOTICE = Notice(date(2022, 7, 12), "真武社区居委会（电话 0537-8712345）", date(2022, 7, 5))


@pytest.fixture(scope="module")
def sample() -> tuple[pa.Table, pa.Table]:
    """(decisions with source_row, residents) of the UTF-8 sample, scored as the preview."""
    ledger = read_ledger(shared_path("samples", "ledger-sample-utf8"), as_of=date(2022, 7, 1))
    scoring, evaluations = preview_tables(ledger)
    decisions = score(scoring, evaluations, load_policy(), date(2022, 7, 1)).decisions
    return decisions, ledger.residents


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王小明", "王*明"), ("欧阳小明", "欧**明"), ("王明", "王*"), ("明", "*"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_one_list_per_community_nothing_private(sample: tuple[pa.Table, pa.Table]) -> None:
    decisions, residents = sample
    lists = public_lists(decisions, residents)
    assert sorted(item.community for item in lists) == sorted(
        set(residents["community"].to_pylist())
    )
    assert sum(len(item.rows) for item in lists) == residents.num_rows == 24
    approved = decisions["status"].to_pylist().count("approved")
    assert sum(item.granted for item in lists) == approved
    names = set(residents["name"].to_pylist())
    ids = set(residents["id_number"].to_pylist())
    for item in lists:
        for row in item.rows:
            assert row[1] not in names
            assert row[2] not in ids
            assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", row[2])
            assert row[3] in ("已获授信", "未获授信")
            if row[3] == "未获授信":
                assert row[4:] == ("—", "—")  # no points: a veto would show through


def test_files_refuse_to_overwrite(sample: tuple[pa.Table, pa.Table], tmp_path: Path) -> None:
    lists = public_lists(*sample)
    paths = write_public_lists(lists, tmp_path / "公示", NOTICE)
    assert len(paths) == 2 * len(lists)
    before = {p: p.read_bytes() for p in paths}
    with pytest.raises(SecureExchangeError, match=r"no notice was written|未写入任何公示"):
        write_public_lists(lists, tmp_path / "公示", NOTICE)
    assert {p: p.read_bytes() for p in paths} == before
    write_public_lists(lists, tmp_path / "公示", NOTICE, force=True)


def test_xlsx_rows_are_text(sample: tuple[pa.Table, pa.Table], tmp_path: Path) -> None:
    lists = public_lists(*sample)
    paths = write_public_lists(lists[:1], tmp_path, NOTICE)
    sheet = load_workbook(paths[0])["公示"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == f"{lists[0].community}全民授信评议结果公示"
    assert values[1] == ["序号", "姓名", "身份证号", "评议结果", "评分", "授信额度（元）"]
    assert [tuple(v) for v in values[2 : 2 + len(lists[0].rows)]] == list(lists[0].rows)
    assert any("公示期至 2022-07-12" in str(v[0]) for v in values)
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9: A4


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH")
def test_page_prints_on_a4(sample: tuple[pa.Table, pa.Table], tmp_path: Path) -> None:
    lists = public_lists(*sample)
    html = write_public_lists(lists, tmp_path / "board", NOTICE)[1]
    pdf = tmp_path / "notice.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert boxes
    for width, height in boxes:  # A4: 210 x 297 mm = 595.3 x 841.9 pt
        assert abs(float(width) - 595.3) < 1
        assert abs(float(height) - 841.9) < 1
    dom = chromium(tmp_path, "--dump-dom", html.as_uri()).decode("utf-8")
    assert "全民授信评议结果公示" in dom
    assert "公示期至 2022-07-12" in dom
    assert "<script" not in dom
    shot = tmp_path / "notice.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=900,1300", html.as_uri())
    width, height, rows = png_facts(shot.read_bytes())
    assert (width, height) == (900, 1300)
    assert len(set(rows)) > 64

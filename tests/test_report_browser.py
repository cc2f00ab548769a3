"""The decisions report rendered by a real headless Chromium: DOM with drawn charts, and a
non-blank screenshot. Skipped when no Chromium binary is installed (Debian: ``chromium``)."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from scoring import load_policy
from secure_exchange import i18n
from secure_exchange.reports import build_report
from tests.support import CHROMIUM, chromium, png_facts, synthetic_decisions

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (Debian: apt-get install chromium)"
)
RECT = re.compile(r'<rect\b[^>]*\bwidth="([0-9.]+)"')


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Chinese report on 2,000 synthetic subjects, written to a temporary file."""
    policy = load_policy()
    i18n.set_language("zh")
    try:
        page = build_report(
            synthetic_decisions(2_000, policy), policy, now=datetime(2022, 7, 2, 9, 30)
        )
    finally:
        i18n.set_language(None)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_dom_has_drawn_charts(page_file: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", page_file.as_uri()).decode("utf-8")
    assert "<h1>全民授信 评议结果报告</h1>" in dom
    assert dom.count("<svg") >= 8
    widths = [float(w) for w in RECT.findall(dom)]
    assert sum(1 for w in widths if w > 0) >= 50
    assert "2022年 新增涉农贷款 1亿元" in dom
    assert "<script" not in dom
    assert "tok_" not in dom


def test_screenshot_is_not_blank(page_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", page_file.as_uri())
    data = shot.read_bytes()
    assert len(data) > 50_000
    width, height, rows = png_facts(data)
    assert (width, height) == (1280, 2400)
    assert len(rows) >= height * (1 + 3 * width)  # RGB or RGBA rows, one filter byte each
    assert len(set(rows)) > 128  # a blank or single-colour page has a handful of values
    assert len(zlib.compress(rows, 1)) > 40_000  # text and charts do not compress away

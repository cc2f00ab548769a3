"""The README's days, run as written: every ``sh`` line between the ``days`` markers, in
order, in a temporary home, with a folder for the stick. Five substitutions keep it a
test: the stick ``/media/usb`` is a temporary folder, keys use ``--kdf fast``, the two
agreement confirmations get ``--yes``, the agreement's dates are moved to enclose
today, and scoring is as of today (inside the agreement, as the package's age facts
need). The officer's filled-in ledger ``台账.xlsx`` is the shared sample workbook. The
PowerShell blocks are checked to run the same ``sx`` verbs as the ``sh`` block they follow.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.support import CLI_PASS, shared_path

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"```(sh|powershell)\n(.*?)```", re.S)
SKIP = "# not run by the tests"


def _section() -> str:
    text = README.read_text("utf-8")
    return text.split("<!-- days:begin -->", 1)[1].split("<!-- days:end -->", 1)[0]


def _blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in FENCE.finditer(_section())]


def _script(stick: Path) -> str:
    today = date.today()
    lines = ["set -euo pipefail", "set -x"]
    for kind, body in _blocks():
        if kind != "sh" or body.startswith(SKIP):
            continue
        body = body.replace("/media/usb", str(stick))
        body = re.sub(r"(sx keys new \S+ --purpose \S+)", r"\1 --kdf fast", body)
        body = re.sub(r"(sx agreement (?:sign|import) \S+(?: --as \S+)?)", r"\1 --yes", body)
        body = re.sub(r"--valid-from \S+", f"--valid-from {today - timedelta(days=1)}", body)
        body = re.sub(r"--valid-until \S+", f"--valid-until {today + timedelta(days=365)}", body)
        # The bank scores on a day inside the agreement (its age facts cover that window).
        body = re.sub(r"(sx score \S+ )--as-of \S+", rf"\1--as-of {today}", body)
        lines.append(body)
    return "\n".join(lines) + "\n"


def _verbs(body: str) -> list[str]:
    """The ``sx`` verbs a block runs, in order (``sx keys new`` -> ``keys new``)."""
    found = []
    for line in body.splitlines():
        match = re.match(r"\s*sx ((?:[a-z-]+ )?[a-z-]+)", line)
        if match:
            found.append(match[1])
    return found


def test_every_sh_block_has_a_windows_block_running_the_same_verbs() -> None:
    blocks = _blocks()
    pairs = [(b, w) for (k, b), (_k, w) in itertools.pairwise(blocks) if k == "sh"]
    assert len(pairs) == sum(1 for k, _ in blocks if k == "sh")
    for sh, windows in pairs:
        assert windows in {b for k, b in blocks if k == "powershell"}, sh
        if not sh.startswith(SKIP):
            assert _verbs(sh) == _verbs(windows), (sh, windows)


def test_the_days_name_every_step() -> None:
    section = _section()
    for step in (
        "sx init --org",  # the stations
        "--role bank",
        "--role compliance",
        "sx agreement new",
        "zw-seal.card",  # party A's seal card travels too
        "sx agreement show",
        "sx agreement sign",
        "sx agreement import",
        "sx media enroll",
        "sx seal 台账.xlsx",
        "sx verify",
        "sx import",
        "sx reidentify",
        "sx results",
        "seal key's passphrase",
        "sx audit verify --home",
        "py -m secure_exchange",
        "python3 -m secure_exchange",
    ):
        assert step in section, step


def test_python_dash_m_runs_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "secure_exchange", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "SX_LANG": "en"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert "Usage:" in result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_days_run_as_written(tmp_path: Path) -> None:
    home, work, stick = tmp_path / "home", tmp_path / "work", tmp_path / "usb"
    for folder in (home, work, stick):
        folder.mkdir()
    shutil.copyfile(shared_path("samples", "ledger-sample.xlsx"), work / "台账.xlsx")
    script = work / "days.sh"
    script.write_text(_script(stick), "utf-8")
    env = {
        "HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "SX_PASSPHRASE": CLI_PASS,
        "SX_LANG": "zh_CN.UTF-8",
        "LANG": "C.UTF-8",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    for name in ("台账模板.xlsx", "预览.xlsx", "授信结果.xlsx", "报告.html", "告知名单.xlsx"):
        assert (work / name).is_file(), name
    for name in ("结果.xlsx", "协议打印页.html", "访问日志.html", "访问日志.jsonl"):
        assert (work / name).is_file(), name
    results = openpyxl.load_workbook(work / "结果.xlsx").worksheets[0]
    assert results.title == "授信结果"
    assert results.max_row == 25  # the sample's 24 residents, back with their names
    assert "内部错误" not in result.stderr

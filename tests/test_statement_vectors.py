"""The committed statement v1 vectors (protocols/vectors/statement-v1) check as
``cases.json`` says, with our code and with stock minisign, and regenerate byte for byte."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secure_exchange.errors import AgreementError
from secure_exchange.trust import Agreement, Statement

VECTORS = Path(__file__).resolve().parents[1] / "protocols" / "vectors"
CASES = VECTORS / "statement-v1"
KEYS = VECTORS / "package-v2" / "keys"


def _index() -> dict[str, object]:
    return json.loads((CASES / "cases.json").read_text(encoding="utf-8"))


def _cases() -> list[dict[str, str]]:
    return list(_index()["cases"])  # type: ignore[call-overload]


def _agreement() -> Agreement:
    return Agreement.from_bytes((VECTORS / "package-v2" / "agreement.json").read_bytes())


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["case"])
def test_each_case_checks_as_described(case: dict[str, str]) -> None:
    agreement = _agreement()
    assert agreement.sha256 == _index()["agreement_sha256"]
    statement = Statement.from_bytes((CASES / f"{case['case']}.json").read_bytes())
    assert statement.kind == case["kind"]
    assert (CASES / f"{case['case']}.body").read_bytes() == statement.body_bytes
    if case["expected"] == "ok":
        assert statement.signer(agreement).identity.name == case["signer"]
    else:
        with pytest.raises(AgreementError) as info:
            statement.signer(agreement)
        assert info.value.key == case["expected"]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["case"])
def test_stock_minisign_agrees(case: dict[str, str]) -> None:
    tool = shutil.which("minisign")
    if tool is None:
        pytest.skip("stock minisign is not installed (.ci/run installs it)")
    body = CASES / f"{case['case']}.body"
    run = subprocess.run(
        [
            tool,
            "-Vm",
            str(body),
            "-x",
            f"{body}.minisig",
            "-p",
            str(KEYS / f"{case['signer']}.pub"),
        ],
        capture_output=True,
        check=False,
    )
    assert (run.returncode == 0) == (case["expected"] == "ok"), run.stderr


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    script = VECTORS / "generate_statements.py"
    subprocess.run([sys.executable, str(script), str(tmp_path / "v")], check=True)
    cmp = filecmp.dircmp(CASES, tmp_path / "v")
    assert cmp.diff_files + cmp.left_only + cmp.right_only == []

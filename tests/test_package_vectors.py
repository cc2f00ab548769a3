"""The committed sealed-package v2 vectors verify, open to the expected rows, and regenerate."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange.formats import age as _age
from secure_exchange.package import DirectoryReader, open_package, verify
from secure_exchange.trust import Agreement

VECTORS = Path(__file__).resolve().parents[1] / "protocols" / "vectors"
PKG = VECTORS / "package-v2"


def _meta() -> dict[str, str]:
    return json.loads((PKG / "meta.json").read_text())


def test_vector_verifies_and_opens() -> None:
    agreement = Agreement.from_bytes((PKG / "agreement.json").read_bytes())
    assert agreement.sha256 == _meta()["agreement_sha256"]
    folder = DirectoryReader(PKG / "package", name=f"sx-{_meta()['package_id']}")  # §4.5
    checked = verify(folder, [agreement], now=datetime.fromisoformat(_meta()["now"]))
    assert checked.package_id == _meta()["package_id"]
    ident = _age.X25519Identity.from_str((PKG / "keys" / "b-scoring.age-identity.txt").read_text())
    reid = _age.X25519Identity.from_str((PKG / "keys" / "b-reid.age-identity.txt").read_text())
    tables = open_package(checked, [ident, reid])
    for group, table in tables.items():
        expected = json.loads((PKG / "expected" / f"{group}.json").read_text())
        rows = json.loads(json.dumps(table.to_pylist(), ensure_ascii=False, default=str))
        assert rows == expected, group


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    if _meta()["pyarrow"] != pa.__version__:
        pytest.skip("vectors were made with another pyarrow; Parquet bytes may differ")
    subprocess.run([sys.executable, str(VECTORS / "generate.py"), str(tmp_path / "v")], check=True)
    cmp = filecmp.dircmp(PKG, tmp_path / "v")
    mismatches: list[str] = []

    def walk(d: filecmp.dircmp[str]) -> None:
        mismatches.extend(d.diff_files + d.left_only + d.right_only)
        for sub in d.subdirs.values():
            walk(sub)

    walk(cmp)
    assert mismatches == []


def test_vector_keys_carry_hybrid_recipients() -> None:
    from secure_exchange.trust import PublicIdentity

    for card in sorted((PKG / "keys").glob("*.card")):
        public = PublicIdentity.from_card(card.read_text(encoding="utf-8"))
        text = (PKG / "keys" / card.name.replace(".card", ".age-pq-identity.txt")).read_text()
        assert str(_age.HybridIdentity.from_str(text).recipient()) == public.age_pq


def test_vector_scoring_group_is_minimal_and_measured() -> None:
    manifest = json.loads((PKG / "package" / "manifest.json").read_bytes())
    assert manifest["format"] == "sx-package-v2"
    scoring = manifest["groups"]["scoring"]
    names = [f["name"] for f in scoring["schema"]]
    assert "birth_date" not in names
    assert "sex" not in names
    assert scoring["risk"]["quasi_identifiers"] == names[1:]
    assert scoring["risk"]["rows"] == 3

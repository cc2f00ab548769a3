"""Regenerate the sealed-package v1 test vectors with fixed keys, times and randomness.

Usage: ``.venv/bin/python protocols/vectors/generate.py [OUT_DIR]`` (default: beside this
script, ``package-v1/``). The keys are test keys derived from fixed labels: never use them
for anything real. Re-running with the same pyarrow version gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from secure_exchange.formats import age as _age
from secure_exchange.formats import minisign as _minisign
from secure_exchange.package import Sender, seal
from secure_exchange.trust import PublicIdentity, UnlockedIdentity, new_agreement

NOW = datetime(2022, 7, 1, 8, 30, tzinfo=UTC)
CREATED = "2022-06-01T00:00:00Z"
ORG_A, ORG_B = "金乡街道示例社区", "示例农村商业银行"


def drbg(label: str) -> Callable[[int], bytes]:
    """Deterministic bytes: SHA-256 in counter mode over ``label`` (test vectors only)."""
    state = {"counter": 0}

    def take(n: int) -> bytes:
        out = b""
        while len(out) < n:
            block = f"{label}/{state['counter']}".encode()
            out += hashlib.sha256(block).digest()
            state["counter"] += 1
        return out[:n]

    return take


def vector_key(name: str, org: str, purpose: str) -> UnlockedIdentity:
    """A test identity derived from its name."""
    seed = hashlib.sha256(f"sx-vector-ed25519/{name}".encode()).digest()
    key_id = hashlib.sha256(f"sx-vector-keyid/{name}".encode()).digest()[:8]
    signing = _minisign.SecretKey.from_seed(seed, key_id)
    age_id = _age.X25519Identity(hashlib.sha256(f"sx-vector-x25519/{name}".encode()).digest())
    public = PublicIdentity(
        name=name,
        org=org,
        purpose=purpose,
        minisign=signing.public_key,
        age_recipient=str(age_id.recipient()),
        created=CREATED,
    )
    return UnlockedIdentity(public, signing, age_id, Path("."))


def groups() -> dict[str, pa.Table]:
    """Three invented residents, already pseudonymised (tokens are fixed strings)."""
    subjects = ["0" * 31 + "1", "0" * 31 + "2", "0" * 31 + "3"]
    return {
        "scoring": pa.table(
            {
                "subject": subjects,
                "birth_date": pa.array([date(1980, 1, 2), date(1990, 3, 4), date(2006, 5, 6)]),
                "community": ["示例社区"] * 3,
                "subject_type": ["农户", "个体工商户", "农户"],
                "full_civil_capacity": [True, True, True],
            }
        ),
        "evaluations": pa.table(
            {
                "subject": subjects[:2],
                "code": ["B1", "D4"],
                "level": ["市级", None],
                "points": pa.array([None, None], type=pa.int32()),
            }
        ),
        "identity": pa.table(
            {
                "subject": subjects,
                "name": ["张示例", "李示例", "王示例"],
                "phone": ["13800000001", "13800000002", None],
            }
        ),
    }


def main(out: Path) -> None:
    """Write keys, agreement, package and expected tables under ``out``."""
    keys = {
        "a-officer": vector_key("a-officer", ORG_A, "officer"),
        "a-seal": vector_key("a-seal", ORG_A, "seal"),
        "b-scoring": vector_key("b-scoring", ORG_B, "scoring"),
        "b-reid": vector_key("b-reid", ORG_B, "reidentify"),
        "b-seal": vector_key("b-seal", ORG_B, "seal"),
    }
    agreement = (
        new_agreement(
            "示例协议〔2022〕1号",
            [keys["a-officer"].public, keys["a-seal"].public],
            [keys["b-scoring"].public, keys["b-reid"].public, keys["b-seal"].public],
            date(2022, 6, 1),
            date(2023, 5, 31),
            now=datetime(2022, 6, 1, tzinfo=UTC),
        )
        .sign(keys["a-seal"])
        .sign(keys["b-seal"])
    )
    if out.exists():
        shutil.rmtree(out)
    (out / "keys").mkdir(parents=True)
    (out / "expected").mkdir()
    for name, key in keys.items():
        (out / "keys" / f"{name}.card").write_text(key.public.to_card(), encoding="utf-8")
        (out / "keys" / f"{name}.age-identity.txt").write_text(str(key.age_identity) + "\n")
        (out / "keys" / f"{name}.pub").write_text(key.public.minisign.to_file_text())
    (out / "agreement.json").write_bytes(agreement.to_bytes())
    work = out / "work"
    sealed = seal(
        groups(),
        agreement,
        [keys["a-officer"], keys["a-seal"]],
        out_dir=work,
        sender=Sender("A", ORG_A),
        sequence=1,
        categories={
            "scoring": ["身份证号码"],
            "evaluations": ["身份证号码"],
            "identity": ["居民姓名", "电话号码", "身份证号码"],
        },
        now=NOW,
        _random=drbg("sx-vector-package"),
    )
    sealed.path.rename(out / "package")
    work.rmdir()
    for group, table in groups().items():
        rows = json.dumps(table.to_pylist(), ensure_ascii=False, indent=1, default=str)
        (out / "expected" / f"{group}.json").write_text(rows + "\n", encoding="utf-8")
    meta = {
        "now": NOW.isoformat(),
        "package_id": sealed.package_id,
        "pyarrow": pa.__version__,
        "agreement_sha256": agreement.sha256,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "package-v1")

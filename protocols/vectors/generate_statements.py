"""Regenerate the statement v1 test vectors (protocols/lifecycle-v1.md) with fixed keys,
times and ids.

Usage: ``.venv/bin/python protocols/vectors/generate_statements.py [OUT_DIR]`` (default:
beside this script, ``statement-v1/``). The keys and the agreement are those of the
package vectors (``package-v2/``, test keys derived from fixed labels: never use them for
anything real). Ed25519 signatures are deterministic: a re-run gives identical files.

Each case is ``<case>.json`` (the statement file), ``<case>.body`` (the canonical body,
the bytes signed) and ``<case>.body.minisig`` (the signature alone), so stock ``minisign
-Vm <case>.body -p ../package-v2/keys/<signer>.pub`` checks it; ``cases.json`` says what
each case is and what a receiver must answer.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import ORG_A, ORG_B, vector_key

from secure_exchange.trust import Agreement, Statement

NOW = datetime(2022, 12, 1, 8, 0, tzinfo=UTC)
INCIDENT = "c0ffee" + "ab" * 13


def cases(agreement: Agreement) -> list[tuple[str, str, Statement, str]]:
    """(case, description, statement, expected answer) for each vector."""
    a_seal = vector_key("a-seal", ORG_A, "seal")
    a_officer = vector_key("a-officer", ORG_A, "officer")
    b_seal = vector_key("b-seal", ORG_B, "seal")
    b_reid = vector_key("b-reid", ORG_B, "reidentify")

    def make(kind: str, signer: object, fields: dict[str, object], n: int) -> Statement:
        return Statement.issue(
            kind, agreement, signer, fields, now=NOW, statement_id=f"{n:02d}" + "ab" * 15
        )  # type: ignore[arg-type]

    revoked = make("agreement.revoked", a_seal, {"reason": "ended"}, 1)
    key = b_reid.public
    fields = {
        "reason": "compromised",
        "key": {
            "key_id": key.key_id,
            "fingerprint": key.fingerprint,
            "name": key.name,
            "role": "reidentify",
        },
    }
    key_revoked = make("key.revoked", b_seal, fields, 2)
    counts = {"outputs": 2, "packages": 1, "scoring_records": 1, "keys": 3}
    destroyed = make("destroyed", b_seal, {"counts": {**counts, "changed": 0, "gone": 0}}, 3)
    notice = {
        "incident": INCIDENT,
        "what": "lost-media",
        "when": "2022-11-30",
        "packages": ["20220701-abcdefghjkmnpqrstuvw"],
        "media": ["0a1b2c3d4e5f60718293a4b5c6d7e8f9"],
        "ticket": "SEC-2022-12",
    }
    opened = make("incident.opened", a_officer, notice, 4)
    closed = make("incident.closed", a_seal, {"incident": INCIDENT}, 5)
    doc = json.loads(revoked.to_bytes())
    doc["body"]["reason"] = "breach"
    altered = Statement.from_bytes(json.dumps(doc, ensure_ascii=False).encode())
    return [
        ("agreement-revoked", "party A's seal revokes the agreement", revoked, "ok"),
        ("key-revoked", "party B's seal revokes its re-identification key", key_revoked, "ok"),
        ("destroyed", "party B's destruction certificate", destroyed, "ok"),
        ("incident-opened", "party A's officer notifies a lost stick", opened, "ok"),
        ("incident-closed", "party A's seal closes the incident", closed, "ok"),
        ("altered", "the reason changed after signing", altered, "statement.bad_signature"),
    ]


def main(out: Path) -> None:
    """Write every case under ``out``."""
    here = Path(__file__).parent
    agreement = Agreement.from_bytes((here / "package-v2" / "agreement.json").read_bytes())
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    index = []
    for name, description, statement, expected in cases(agreement):
        (out / f"{name}.json").write_bytes(statement.to_bytes())
        (out / f"{name}.body").write_bytes(statement.body_bytes)
        (out / f"{name}.body.minisig").write_text(statement.minisig, encoding="ascii")
        signer = agreement.key(statement.key_id)
        index.append(
            {
                "case": name,
                "description": description,
                "kind": statement.kind,
                "signer": signer.identity.name if signer is not None else None,
                "expected": expected,
            }
        )
    text = json.dumps({"agreement_sha256": agreement.sha256, "cases": index}, indent=1)
    (out / "cases.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "statement-v1")

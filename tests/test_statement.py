"""Signed statements (protocols/lifecycle-v1.md §2–§4) and every column inside the scope
(issue 13 item 4): the format, who may sign what, and the categories a package carries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from secure_exchange import package as pkg
from secure_exchange.errors import AgreementError, VerificationError
from secure_exchange.package import GROUP_COLUMNS, Sender
from secure_exchange.package import sealing as _sealing
from secure_exchange.pseudonym import load_profile
from secure_exchange.trust import (
    CATEGORIES,
    KINDS,
    Agreement,
    Statement,
    new_agreement,
    statement_file_name,
)
from tests.support import CATS, NOW, Parties, groups

SEVEN = CATEGORIES[:7]  # Annex 3 §一 as written, before revision 2


def revocation(p: Parties, **kw: object) -> Statement:
    return Statement.issue("agreement.revoked", p.agreement, p.seal_a, {"reason": "ended"}, **kw)


def test_a_statement_round_trips_and_verifies_against_the_pinned_seal(parties: Parties) -> None:
    made = revocation(parties)
    back = Statement.from_bytes(made.to_bytes())
    assert back == made
    key = back.signer(parties.agreement)
    assert (key.party, key.role) == ("A", "seal")
    assert back.kind == "agreement.revoked"
    assert back.text("reason") == "ended"
    assert back.agreement_number == parties.agreement.number
    assert statement_file_name(back.statement_id).startswith("sx-statement-")
    assert not any(len(run) >= 11 for run in __import__("re").findall(r"[0-9]+", back.statement_id))


def test_each_kind_names_the_roles_that_may_sign_it(parties: Parties) -> None:
    assert set(KINDS) == {
        "agreement.revoked",
        "key.revoked",
        "destroyed",
        "incident.opened",
        "incident.closed",
    }
    with pytest.raises(
        AgreementError, match="may sign a statement of agreement revocation"
    ) as info:
        Statement.issue(
            "agreement.revoked", parties.agreement, parties.officer, {"reason": "ended"}
        )
    assert info.value.key == "statement.signer_role"
    fields = {
        "incident": "a" * 32,
        "what": "leak",
        "when": "2026-11-30",
        "packages": [],
        "media": [],
    }
    opened = Statement.issue("incident.opened", parties.agreement, parties.officer, fields)
    assert opened.signer(parties.agreement).role == "officer"
    with pytest.raises(AgreementError):
        Statement.issue(
            "incident.closed", parties.agreement, parties.officer, {"incident": "a" * 32}
        )


def test_a_changed_body_or_signature_is_refused(parties: Parties) -> None:
    made = revocation(parties)
    doc = json.loads(made.to_bytes())
    doc["body"]["reason"] = "breach"
    changed = Statement.from_bytes(json.dumps(doc).encode())
    with pytest.raises(AgreementError) as info:
        changed.signer(parties.agreement)
    assert info.value.key == "statement.bad_signature"
    doc = json.loads(made.to_bytes())
    doc["key_id"] = parties.officer.public.key_id  # claims another pinned key
    with pytest.raises(AgreementError) as info:
        Statement.from_bytes(json.dumps(doc).encode()).signer(parties.agreement)
    assert info.value.key == "statement.signer_not_pinned"


def test_a_statement_about_another_agreement_is_refused(parties: Parties) -> None:
    other = new_agreement(
        "金街办协〔2022〕99号",
        [parties.officer.public, parties.seal_a.public],
        [parties.scoring.public, parties.reidentify.public, parties.seal_b.public],
        parties.agreement.valid_from,
        parties.agreement.valid_until,
    )
    with pytest.raises(AgreementError) as info:
        revocation(parties).signer(other)
    assert info.value.key == "statement.other_agreement"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra=1),
        lambda d: d.update(format="sx-statement-v0"),
        lambda d: d["body"].update(kind="agreement.paused"),
        lambda d: d["body"].update(reason="because I said so"),
        lambda d: d["body"].update(id="0" * 31),
        lambda d: d["body"].pop("party"),
        lambda d: d.update(minisig=7),
    ],
)
def test_malformed_statements_are_refused_before_any_check(parties: Parties, change) -> None:
    doc = json.loads(revocation(parties).to_bytes())
    change(doc)
    with pytest.raises(AgreementError) as info:
        Statement.from_bytes(json.dumps(doc).encode())
    assert info.value.key == "statement.malformed"


def test_incident_references_are_codes_never_free_text(parties: Parties) -> None:
    fields = {
        "incident": "b" * 32,
        "what": "leak",
        "when": "2026-11-30",
        "packages": ["张三的台账"],
        "media": [],
    }
    with pytest.raises(AgreementError) as info:
        Statement.issue("incident.opened", parties.agreement, parties.seal_a, fields)
    assert info.value.key == "statement.malformed"


# --- every column inside the scope ---------------------------------------------------------


def test_every_column_that_travels_has_a_category() -> None:
    profile = load_profile()
    missing = [
        f"{r.table}.{r.column}" for r in profile.rules if r.group != "drop" and not r.category
    ]
    assert missing == []
    for rule in GROUP_COLUMNS.values():
        assert all(rule.categories[f.name] in CATEGORIES for f in rule.schema), rule.group
    panel = {r.column: r.category for r in profile.rules if r.table == "evaluations"}
    assert panel["code"] == panel["note"] == "评议信息"  # vetoes and the panel's notes
    flags = {r.column: r.category for r in profile.rules if r.table == "residents"}
    assert flags["major_bad_credit"] == flags["fixed_income"] == "信用信息"


def _seven(p: Parties):
    return (
        new_agreement(
            "金街办协〔2021〕3号",
            [p.officer.public, p.seal_a.public],
            [p.scoring.public, p.reidentify.public, p.seal_b.public],
            p.agreement.valid_from,
            p.agreement.valid_until,
            categories=SEVEN,
        )
        .sign(p.seal_a)
        .sign(p.seal_b)
    )


def _seal(agreement, p: Parties, out: Path) -> pkg.VerifiedPackage:
    return pkg.seal(
        groups(),
        agreement,
        [p.officer, p.seal_a],
        out_dir=out,
        sender=Sender("A", "金乡街道真武社区"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )


def test_a_column_whose_category_the_agreement_does_not_list_is_not_sealed(
    parties: Parties, tmp_path: Path
) -> None:
    with pytest.raises(AgreementError, match="Column code is data of category 评议信息") as info:
        _seal(_seven(parties), parties, tmp_path)
    assert info.value.key == "package.column_category"
    assert list(tmp_path.iterdir()) == []


def test_such_a_package_is_refused_before_anything_is_decrypted(
    parties: Parties, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A careless sender that neither checks nor declares the columns' categories: the
    verification (here the sender's own read-back, §6) refuses the package by its schema."""
    seven = _seven(parties)
    monkeypatch.setattr(_sealing, "unlisted_categories", lambda *_a: [])
    monkeypatch.setattr(_sealing, "column_categories", lambda *_a: set())
    with pytest.raises(VerificationError, match="column code is data of category 评议信息") as info:
        _seal(seven, parties, tmp_path)
    assert info.value.check == "scope"
    assert info.value.key == "verify.column_category"
    assert list(tmp_path.iterdir()) == []  # the hidden partial package is gone


def test_the_manifest_declares_every_columns_category(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties.agreement, parties, tmp_path)
    declared = {g.name: set(g.categories) for g in sealed.manifest.groups}
    assert declared["evaluations"] == {"身份证号码", "评议信息"}
    assert declared["scoring"] == {"身份证号码", "家庭住址"}


def test_retention_is_optional_and_not_before_the_start(parties: Parties) -> None:
    keys_a = [parties.officer.public, parties.seal_a.public]
    keys_b = [parties.scoring.public, parties.reidentify.public, parties.seal_b.public]
    start, end = parties.agreement.valid_from, parties.agreement.valid_until
    assert parties.agreement.retain_until is None
    assert parties.agreement.retention_end == end  # an agreement without it: validity decides
    kept = new_agreement("金街办协〔2022〕5号", keys_a, keys_b, start, end, retain_until=start)
    assert kept.retention_end == start
    assert Agreement.from_bytes(kept.to_bytes()).retain_until == start
    with pytest.raises(AgreementError) as info:
        new_agreement(
            "金街办协〔2022〕6号", keys_a, keys_b, start, end, retain_until=date(2019, 1, 1)
        )
    assert info.value.key == "agreement.retention_before_start"

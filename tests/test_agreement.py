"""Agreements: both seals, dates, foreign signatures, trust store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from secure_exchange.errors import AgreementError
from secure_exchange.trust import Agreement, TrustStore, new_agreement
from tests.support import Parties, make_key


def draft(p: Parties, **kw) -> Agreement:
    return new_agreement(
        "协议-1",
        [p.officer.public, p.seal_a.public],
        [p.scoring.public, p.reidentify.public, p.seal_b.public],
        date(2022, 1, 1),
        date(2022, 12, 31),
        **kw,
    )


def test_in_force_only_with_both_seals_and_dates(parties: Parties) -> None:
    d = draft(parties)
    with pytest.raises(AgreementError, match="seal signature of party A"):
        d.check_in_force(date(2022, 6, 1))
    half = d.sign(parties.seal_a)
    with pytest.raises(AgreementError, match="party B"):
        half.check_in_force(date(2022, 6, 1))
    full = half.sign(parties.seal_b)
    full.check_in_force(date(2022, 6, 1))
    with pytest.raises(AgreementError, match="expired"):
        full.check_in_force(date(2023, 1, 1))
    with pytest.raises(AgreementError, match="only on"):
        full.check_in_force(date(2021, 12, 31))


def test_officer_signature_is_not_a_seal(parties: Parties) -> None:
    d = draft(parties).sign(parties.officer).sign(parties.seal_b)
    with pytest.raises(AgreementError, match="party A"):
        d.check_sealed()


def test_file_round_trip_and_hash_covers_body(parties: Parties) -> None:
    full = draft(parties).sign(parties.seal_a).sign(parties.seal_b)
    again = Agreement.from_bytes(full.to_bytes())
    assert again.sha256 == full.sha256
    again.check_sealed()
    doc = json.loads(full.to_bytes())
    doc["body"]["valid_until"] = "2099-12-31"
    changed = Agreement.from_bytes(json.dumps(doc).encode())
    with pytest.raises(AgreementError):
        changed.check_sealed()


def test_signer_must_be_named(parties: Parties, tmp_path: Path) -> None:
    outsider = make_key(tmp_path, "outsider", "某公司", "seal")
    with pytest.raises(AgreementError, match="not named"):
        draft(parties).sign(outsider)


def test_roles_per_party_and_categories(parties: Parties, tmp_path: Path) -> None:
    wrong = make_key(tmp_path, "a-scoring", "金乡街道真武社区", "scoring")
    with pytest.raises(AgreementError, match="cannot hold"):
        new_agreement(
            "x",
            [parties.officer.public, parties.seal_a.public, wrong.public],
            [parties.seal_b.public],
            date(2022, 1, 1),
            date(2022, 2, 1),
        )
    with pytest.raises(AgreementError, match="Annex 3"):
        draft(parties, categories=["病史"])


def test_recipients_per_group(parties: Parties) -> None:
    d = draft(parties)
    assert d.group_recipients("scoring") == (parties.scoring.public.age_recipient,)
    assert d.group_recipients("identity") == (parties.reidentify.public.age_pq,)
    assert d.hybrid_groups == ("identity",)


def test_trust_store(parties: Parties, tmp_path: Path) -> None:
    store = TrustStore(tmp_path)
    with pytest.raises(AgreementError):
        store.add(draft(parties))
    full = draft(parties).sign(parties.seal_a).sign(parties.seal_b)
    store.add(full)
    assert store.get("协议-1").sha256 == full.sha256
    with pytest.raises(AgreementError, match="does not trust"):
        store.get("nope")

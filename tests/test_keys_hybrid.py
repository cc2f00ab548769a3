"""Post-quantum keys: v2 key cards with a hybrid recipient, unlocking, export, and the
agreement's requirement of hybrid readers for the identity group."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from secure_exchange.errors import AgreementError, IdentityError
from secure_exchange.formats.age import (
    HybridIdentity,
    ScryptIdentity,
    ScryptRecipient,
    decrypt_bytes,
    encrypt_bytes,
)
from secure_exchange.trust.agreement import Agreement, new_agreement
from secure_exchange.trust.keys import Keyring, PublicIdentity, fingerprint_of
from tests.support import PASS, make_key

ORG_A, ORG_B = "金乡街道真武社区", "金乡农商银行"


def test_new_key_has_a_v2_card_with_a_working_hybrid_key(tmp_path: Path) -> None:
    key = make_key(tmp_path, "bank-reid", ORG_B, "reidentify")
    card = key.public.to_card()
    assert "format: sx-key-card-v2\n" in card
    assert f"age-pq: {key.public.age_pq}\n" in card
    assert key.public.age_pq.startswith("age1pq1")
    assert PublicIdentity.from_card(card) == key.public
    assert key.hybrid_identity is not None
    assert str(key.hybrid_identity.recipient()) == key.public.age_pq
    assert key.age_identities == (key.hybrid_identity, key.age_identity)
    sealed = encrypt_bytes(b"secret", [key.hybrid_identity.recipient()])
    assert decrypt_bytes(sealed, list(key.age_identities)) == b"secret"
    assert (tmp_path / "keys" / "bank-reid" / "age.key.age").stat().st_mode & 0o077 == 0
    assert not (tmp_path / "keys" / "bank-reid" / "age-pq.key.age").exists()  # one file, one KDF
    exported = Keyring(tmp_path).export_age_identity("bank-reid", PASS, hybrid=True)
    assert HybridIdentity.from_str(exported) == key.hybrid_identity


def test_the_hybrid_recipient_is_bound_by_the_fingerprint(tmp_path: Path) -> None:
    key = make_key(tmp_path, "bank-reid", ORG_B, "reidentify")
    other = make_key(tmp_path, "bank-reid2", ORG_B, "reidentify")
    card = key.public.to_card().replace(key.public.age_pq, other.public.age_pq)
    with pytest.raises(IdentityError, match="fingerprint"):
        PublicIdentity.from_card(card)
    dropped = "".join(
        line for line in key.public.to_card().splitlines(True) if not line.startswith("age-pq")
    )
    with pytest.raises(IdentityError):
        PublicIdentity.from_card(dropped)


def test_v1_keys_keep_their_card_and_fingerprint(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    public = ring.create("zw-officer", ORG_A, "officer", PASS, cost="fast", hybrid=False)
    assert public.age_pq == ""
    card = public.to_card()
    assert "format: sx-key-card-v1\n" in card
    assert "age-pq" not in card
    assert public.fingerprint == fingerprint_of(
        public.name, public.org, public.purpose, public.minisign.base64(), public.age_recipient
    )
    unlocked = ring.unlock("zw-officer", PASS)
    assert unlocked.hybrid_identity is None
    assert unlocked.age_identities == (unlocked.age_identity,)
    with pytest.raises(IdentityError):
        ring.export_age_identity("zw-officer", PASS, hybrid=True)


def test_swapped_hybrid_secret_is_a_mismatch(tmp_path: Path) -> None:
    make_key(tmp_path, "a", ORG_B, "scoring")
    make_key(tmp_path, "b", ORG_B, "scoring")
    keys = tmp_path / "keys"
    a_lines = age_lines(keys / "a")
    b_lines = age_lines(keys / "b")
    swapped = encrypt_bytes(f"{a_lines[0]}\n{b_lines[1]}\n".encode(), [ScryptRecipient(PASS)])
    (keys / "a" / "age.key.age").write_bytes(swapped)
    with pytest.raises(IdentityError, match="do not match"):
        Keyring(tmp_path).unlock("a", PASS)


def age_lines(folder: Path) -> list[str]:
    plain = decrypt_bytes((folder / "age.key.age").read_bytes(), [ScryptIdentity(PASS)])
    return plain.decode().split()


def _parties(tmp_path: Path, *, hybrid_reid: bool = True) -> tuple[list, list]:
    officer = make_key(tmp_path / "a", "zw-officer", ORG_A, "officer")
    seal_a = make_key(tmp_path / "a", "zw-seal", ORG_A, "seal")
    scoring = make_key(tmp_path / "b", "bank-scoring", ORG_B, "scoring")
    ring = Keyring(tmp_path / "b")
    ring.create("bank-reid", ORG_B, "reidentify", PASS, cost="fast", hybrid=hybrid_reid)
    reid = ring.unlock("bank-reid", PASS)
    seal_b = make_key(tmp_path / "b", "bank-seal", ORG_B, "seal")
    return [officer, seal_a], [scoring, reid, seal_b]


def test_new_agreements_require_hybrid_readers_for_identity(tmp_path: Path) -> None:
    a, b = _parties(tmp_path)
    draft = new_agreement(
        "协〔2022〕1号",
        [k.public for k in a],
        [k.public for k in b],
        date(2022, 1, 1),
        date(2022, 12, 31),
    )
    assert draft.hybrid_groups == ("identity",)
    assert draft.group_recipients("identity") == (b[1].public.age_pq,)
    assert draft.group_recipients("scoring") == (b[0].public.age_recipient,)
    signed = draft.sign(a[1]).sign(b[2])
    assert Agreement.from_bytes(signed.to_bytes()).group_recipients("identity") == (
        b[1].public.age_pq,
    )


def test_a_v1_reader_cannot_join_a_hybrid_group_unless_the_agreement_waives_it(
    tmp_path: Path,
) -> None:
    a, b = _parties(tmp_path, hybrid_reid=False)
    cards_a, cards_b = [k.public for k in a], [k.public for k in b]
    dates = (date(2022, 1, 1), date(2022, 12, 31))
    with pytest.raises(AgreementError, match="bank-reid"):
        new_agreement("协〔2022〕1号", cards_a, cards_b, *dates)
    waived = new_agreement("协〔2022〕1号", cards_a, cards_b, *dates, hybrid_groups=())
    assert waived.group_recipients("identity") == (b[1].public.age_recipient,)


def test_an_agreement_from_before_has_no_hybrid_groups(tmp_path: Path) -> None:
    a, b = _parties(tmp_path)
    draft = new_agreement(
        "协〔2022〕1号",
        [k.public for k in a],
        [k.public for k in b],
        date(2022, 1, 1),
        date(2022, 12, 31),
    )
    old_body = {k: v for k, v in draft.body.items() if k != "hybrid_groups"}
    old = Agreement(old_body, draft.keys).sign(a[1]).sign(b[2])
    again = Agreement.from_bytes(old.to_bytes())
    again.check_sealed()
    assert again.hybrid_groups == ()
    assert again.group_recipients("identity") == (b[1].public.age_recipient,)

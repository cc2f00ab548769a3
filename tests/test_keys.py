"""Identities: stock formats, encrypted secrets, cards and fingerprints, passphrases."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secure_exchange import i18n
from secure_exchange.errors import IdentityError, PassphraseError, VerificationError
from secure_exchange.formats.errors import FormatError
from secure_exchange.trust import Keyring, PublicIdentity
from tests.support import PASS


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    ring = Keyring(tmp_path)
    ring.create("zw-officer", "金乡街道真武社区", "officer", PASS, cost="fast")
    return ring


def test_files_are_stock_formats_and_private(ring: Keyring) -> None:
    folder = ring.root / "zw-officer"
    assert (folder / "minisign.key").read_text().startswith("untrusted comment:")
    assert (folder / "age.key.age").read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt")
    for name in ("minisign.key", "age.key.age"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert b"AGE-SECRET-KEY" not in (folder / "age.key.age").read_bytes()


def test_no_secret_stored_in_plaintext(ring: Keyring) -> None:
    unlocked = ring.unlock("zw-officer", PASS)
    secret = str(unlocked.age_identity).encode()
    for path in ring.root.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes()
    assert "AGE-SECRET" not in repr(unlocked)


def test_wrong_passphrase_clear_error_both_languages(ring: Keyring) -> None:
    with pytest.raises(PassphraseError, match=r"(?i)passphrase"):
        ring.unlock("zw-officer", b"nope")
    i18n.set_language("zh")
    with pytest.raises(PassphraseError, match="口令"):
        ring.unlock("zw-officer", b"nope")


def test_card_round_trip_and_fingerprint(ring: Keyring) -> None:
    ident = ring.get("zw-officer")
    card = ident.to_card()
    assert "fingerprint:" in card
    assert PublicIdentity.from_card(card) == ident


def test_tampered_card_refused(ring: Keyring, tmp_path: Path) -> None:
    other = Keyring(tmp_path / "o").create("evil", "x", "officer", PASS, cost="fast")
    card = ring.get("zw-officer").to_card()
    forged = card.replace(
        next(line for line in card.splitlines() if line.startswith("age:")),
        f"age: {other.age_recipient}",
    )
    with pytest.raises(IdentityError, match="does not match"):
        PublicIdentity.from_card(forged)


def test_names_and_purposes_checked(ring: Keyring) -> None:
    with pytest.raises(IdentityError, match="not allowed"):
        ring.create("../evil", "x", "officer", PASS, cost="fast")
    with pytest.raises(IdentityError, match="not valid"):
        ring.create("ok", "x", "boss", PASS, cost="fast")
    with pytest.raises(IdentityError, match="exists"):
        ring.create("zw-officer", "x", "officer", PASS, cost="fast")
    with pytest.raises(PassphraseError):
        ring.create("ok", "x", "officer", b"", cost="fast")


def test_seal_key_holds_pseudonym_secret(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    ring.create("seal", "x", "seal", PASS, cost="fast")
    secret = ring.unlock("seal", PASS).pseudonym_secret()
    assert len(secret) == 32
    assert secret not in (ring.root / "seal" / "pseudonym.secret.age").read_bytes()


def test_key_format_errors_arrive_wrapped_with_their_message(ring: Keyring) -> None:
    folder = ring.root / "zw-officer"
    key_file = folder / "minisign.key"
    key_file.write_text("untrusted comment: x\nnot a key\n")
    with pytest.raises(IdentityError, match="damaged") as caught:
        ring.unlock("zw-officer", PASS)
    assert caught.value.key == "minisign.seckey.malformed"
    assert not isinstance(caught.value, FormatError)
    assert isinstance(caught.value.__cause__, FormatError)


def test_damaged_pseudonym_secret_is_an_identity_error(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    ring.create("seal", "x", "seal", PASS, cost="fast")
    unlocked = ring.unlock("seal", PASS)
    secret = ring.root / "seal" / "pseudonym.secret.age"
    secret.write_bytes(secret.read_bytes()[:-1])
    with pytest.raises(IdentityError) as caught:
        unlocked.pseudonym_secret()
    assert caught.value.key == "age.payload"


def test_signature_checked_by_an_identity(ring: Keyring) -> None:
    unlocked = ring.unlock("zw-officer", PASS)
    sig = unlocked.signing_key.sign(b"data", trusted_comment="t")
    assert unlocked.public.verify_signature(b"data", sig) == "t"
    with pytest.raises(VerificationError, match="does not match") as caught:
        unlocked.public.verify_signature(b"other", sig)
    assert caught.value.check == "signatures"
    assert caught.value.key == "minisign.signature.bad"

"""The mlkem768x25519 hybrid recipient type: keys, round trips, refusals."""

from __future__ import annotations

import pytest

from secure_exchange.formats.age import (
    AgeHeaderError,
    AgeKeyError,
    AgeNoIdentityMatchError,
    HybridIdentity,
    HybridRecipient,
    X25519Identity,
    decrypt_bytes,
    encrypt_bytes,
)

# The example key pair printed in the C2SP age spec (age.md, "The MLKEM768-X25519 hybrid
# post-quantum recipient type"): the recipient is checked by its start and end.
SPEC_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
SPEC_RECIPIENT_START = "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5z"
SPEC_RECIPIENT_END = "xpfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"


def test_spec_identity_gives_spec_recipient() -> None:
    identity = HybridIdentity.from_str(SPEC_IDENTITY)
    recipient = str(identity.recipient())
    assert str(identity) == SPEC_IDENTITY
    assert recipient.startswith(SPEC_RECIPIENT_START)
    assert recipient.endswith(SPEC_RECIPIENT_END)
    assert len(identity.recipient().public_key) == 1184 + 32
    assert HybridRecipient.from_str(recipient) == identity.recipient()


def test_round_trip_and_other_key_does_not_match() -> None:
    identity = HybridIdentity.generate()
    sealed = encrypt_bytes(b"x" * 70_000, [identity.recipient()])
    assert decrypt_bytes(sealed, [identity]) == b"x" * 70_000
    with pytest.raises(AgeNoIdentityMatchError):
        decrypt_bytes(sealed, [HybridIdentity.generate()])
    with pytest.raises(AgeNoIdentityMatchError):
        decrypt_bytes(sealed, [X25519Identity.generate()])


def test_secret_never_in_repr() -> None:
    identity = HybridIdentity.generate()
    assert str(identity)[20:40] not in repr(identity)
    assert identity.seed.hex() not in repr(identity)


def test_hybrid_and_classical_recipients_are_not_mixed() -> None:
    with pytest.raises(ValueError, match="mixed"):
        encrypt_bytes(
            b"", [HybridIdentity.generate().recipient(), X25519Identity.generate().recipient()]
        )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "age1pq1qqqq",
        str(X25519Identity.generate().recipient()),
        SPEC_IDENTITY,
    ],
)
def test_bad_recipient_strings_are_refused(text: str) -> None:
    with pytest.raises(AgeKeyError):
        HybridRecipient.from_str(text)


def test_bad_identity_strings_are_refused() -> None:
    with pytest.raises(AgeKeyError):
        HybridIdentity.from_str(str(X25519Identity.generate()))
    with pytest.raises(AgeKeyError):
        HybridIdentity.from_str(SPEC_IDENTITY[:-1] + "Q")


def test_truncated_stanza_is_a_header_error() -> None:
    identity = HybridIdentity.generate()
    sealed = encrypt_bytes(b"data", [identity.recipient()])
    line_end = sealed.index(b"\n", sealed.index(b"-> mlkem768x25519"))
    broken = sealed[: line_end - 4] + sealed[line_end:]
    with pytest.raises(AgeHeaderError):
        decrypt_bytes(broken, [identity])

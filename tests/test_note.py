"""C2SP signed notes, checkpoints and cosignatures: spec vectors and rejections."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats import note
from secure_exchange.formats.errors import FormatError
from secure_exchange.formats.note import Checkpoint, Ed25519NoteSigner, NoteError, NoteVerifier

# The signed-note example of the C2SP spec / Go sumdb note package (public test key).
PN_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PN_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PN_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PN_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n"
)


def _peter() -> Ed25519NoteSigner:
    raw = base64.b64decode(PN_SKEY.split("+", 4)[4])
    return Ed25519NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(raw[1:]))


def _fixed(name: str, seed: int) -> Ed25519NoteSigner:
    return Ed25519NoteSigner(name, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def test_spec_vector_key_and_signature() -> None:
    signer = _peter()
    assert str(NoteVerifier.from_signer(signer)) == PN_VKEY
    assert note.sign_note(PN_TEXT, [signer]).decode() == PN_TEXT + "\n" + PN_SIG
    opened = note.open_note((PN_TEXT + "\n" + PN_SIG).encode(), [NoteVerifier.from_str(PN_VKEY)])
    assert opened.text == PN_TEXT
    assert [s.name for s in opened.signatures] == ["PeterNeumann"]


def test_verifier_key_round_trip_and_rejects_bad_hash() -> None:
    verifier = NoteVerifier.from_str(PN_VKEY)
    assert NoteVerifier.from_str(str(verifier)) == verifier
    with pytest.raises(NoteError, match=r"audit\.note\.bad_key"):
        NoteVerifier.from_str(PN_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError, match=r"audit\.note\.bad_key"):
        NoteVerifier.from_str("no-plus-signs")
    with pytest.raises(NoteError, match=r"audit\.note\.bad_key"):
        NoteVerifier.from_str("PeterNeumann+c74f20a3+\u00e9RpcQ")
    with pytest.raises(ValueError, match="key name"):
        NoteVerifier("two words", bytes(32))


def test_open_note_rejections() -> None:
    verifier = NoteVerifier.from_str(PN_VKEY)
    data = (PN_TEXT + "\n" + PN_SIG).encode()
    tampered = data.replace(b"answer", b"Answer")
    with pytest.raises(NoteError, match=r"audit\.note\.bad_signature \(name=PeterNeumann\)"):
        note.open_note(tampered, [verifier])
    with pytest.raises(NoteError, match=r"audit\.note\.unverified"):
        note.open_note(data, [NoteVerifier.from_signer(_fixed("Other", 7))])
    for bad in (
        b"no blank line\n",
        PN_TEXT.encode() + b"\n",
        b"\n\n" + PN_SIG.encode(),
        PN_TEXT.encode() + b"\n- PeterNeumann AAAA\n",
        b"\xff\xfe\n\n" + PN_SIG.encode(),
        PN_TEXT.encode() + "\n— PeterNeumann x08go/ZJ\u0251\n".encode(),
    ):
        with pytest.raises(NoteError, match=r"audit\.note\.malformed"):
            note.parse_note(bad)


def test_unknown_signers_are_ignored() -> None:
    a, b = _fixed("alice", 1), _fixed("bob", 2)
    data = note.sign_note(PN_TEXT, [a, b])
    assert note.open_note(data, [NoteVerifier.from_signer(b)]).text == PN_TEXT


def test_checkpoint_body_round_trip_and_vector() -> None:
    head = Checkpoint("sx.audit/bank", 7, bytes(range(32)))
    assert head.text() == "sx.audit/bank\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert Checkpoint.parse(head.text()) == head
    signer = _fixed("bank-seal", 9)
    signed = note.sign_note(head.text(), [signer]).decode()
    # Regression vector: Ed25519 is deterministic, so this line never changes.
    assert (
        signed == head.text() + "\n— bank-seal 56rex9naGt8FIApdJJJ1cBFTAPBdewlssmqTIu5Lmg1Y1o"
        "xSF3dIEMV8gpTqBDOJQeHfiuppBpOwVTkjlqEjhiO6KgE=\n"
    )
    assert note.key_hash("bank-seal", signer.public_key).hex() == "e7aadec7"
    for bad in (
        "sx\n07\nAAAA\n",
        "sx\n1\nnot-base64\n",
        "sx\n1\n",
        "\n1\n" + "A" * 44 + "\n",
        "sx\n1\n" + "\u00e9" * 44 + "\n",
    ):
        with pytest.raises(NoteError, match=r"audit\.note\.bad_checkpoint"):
            Checkpoint.parse(bad)


def test_cosignature_round_trip_and_rejections() -> None:
    head = Checkpoint("sx.audit/village", 3, bytes(32)).text()
    witness = _fixed("bank-seal", 9)
    sig = note.cosign(head, witness, 1_700_000_000)
    verifier = NoteVerifier.from_signer(witness)
    assert sig.key_hash == note.key_hash("bank-seal", witness.public_key, note.COSIGNATURE_V1)
    assert sig.key_hash != verifier.key_hash()
    assert note.verify_cosignature(head, sig, verifier) == 1_700_000_000
    other = Checkpoint("sx.audit/village", 4, bytes(32)).text()
    assert note.verify_cosignature(other, sig, verifier) is None
    assert (
        note.verify_cosignature(head, sig, NoteVerifier.from_signer(_fixed("bank-seal", 8))) is None
    )
    forged = note.NoteSignature(sig.name, sig.key_hash, (1).to_bytes(8, "big") + sig.signature[8:])
    assert note.verify_cosignature(head, forged, verifier) is None
    # A cosignature is not a note signature: open_note does not accept it.
    data = note.Note(head, (sig,)).to_bytes()
    with pytest.raises(NoteError, match=r"audit\.note\.unverified"):
        note.open_note(data, [verifier])
    merged = note.add_signatures(note.sign_note(head, [_fixed("village", 3)]), [sig, sig])
    assert len(note.parse_note(merged).signatures) == 2


def test_note_errors_belong_to_the_formats_layer() -> None:
    """The audit layer wraps them with context; the format knows nothing of the application."""
    assert issubclass(NoteError, FormatError)
    assert not issubclass(NoteError, SecureExchangeError)
    with pytest.raises(NoteError) as caught:
        note.open_note((PN_TEXT + "\n" + PN_SIG).encode(), [])
    assert (caught.value.key, caught.value.params) == ("audit.note.unverified", {})

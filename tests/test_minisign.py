"""Tests of the minisign-compatible keys and signatures (no external tool needed).

The ``STOCK_*`` vectors were written by stock minisign 0.11 (``-G -W``, ``-G`` with the
passphrase ``pass``, ``-S`` and ``-S -l`` over the 6 bytes ``hello\\n``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from secure_exchange import i18n
from secure_exchange.formats.errors import FormatError
from secure_exchange.formats.minisign import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    KeyFormatError,
    KeyPassphraseError,
    MinisignError,
    PublicKey,
    SecretKey,
    Signature,
    SignatureError,
    default_trusted_comment,
)

DATA = b"hello\n"
STOCK_PUB = (
    "untrusted comment: minisign public key 9AF7F7DCDA8B0612\n"
    "RWQSBova3Pf3mokr8myV6hz8GTbTDXAX0COWbtMXr6kiENp9zKGLaNV3\n"
)
STOCK_KEY_UNENCRYPTED = (
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEgaL2tz395rM/Oa2"
    "loQWQ6M+Mw5TeXS69B9qGX7a6UB6UMwRJu9BRIkr8myV6hz8GTbTDXAX0COWbtMXr6kiENp9zKGLaNV3AAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
)
STOCK_SIG = (
    "untrusted comment: signature from minisign secret key\n"
    "RUQSBova3Pf3mvy2wdxLiqiDancNinb/J4lvKQIusDL4Gs/ZyLmEB4ojy7na8OC9XUvjf7fR24nE7l1PYFy0taUf"
    "c8ieUomRjAU=\n"
    "trusted comment: timestamp:1795715477\tfile:f.txt\thashed\n"
    "u//9TnSKdyGeNcm6yvCfqB+rdh8VUZw9lRbulE7XgLveBrTm2qsND69MePWFA7sOluSVDeOBbHDe5i/ZnihnBA==\n"
)
STOCK_SIG_LEGACY = (
    "untrusted comment: signature from minisign secret key\n"
    "RWQSBova3Pf3mqQAVTn/FBGEboavK61E15tizb8H5w32oNoH55AOh/ueARTXIxM/qM0UdytATAmaGBw9b1BfAtFK"
    "DnFV4k1bmQU=\n"
    "trusted comment: timestamp:1795715477\tfile:f.txt\n"
    "vMHRa8iTz7O/uFXy+A5bpCyTyJTUYh9sbGltIc8/TNxZ+OSgyPuuD8fHKbcZqiQjwQ/AMx7L0uub7n1Od6h0Cw==\n"
)
STOCK_ENC_PUB = (
    "untrusted comment: minisign public key 6C63648F83A04CF6\n"
    "RWT2TKCDj2RjbDGEmnSEyYq7cSpyMO+B9NCleg9gAwSmlCutm7X+44ci\n"
)
STOCK_ENC_KEY = (
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iy3Bxgu44W8J/D40Fjw+JjXVfkkGOoM/lHjLqscDStSXkAAAACAAAAAAAAAEAAAAAAGc2kRc1Oxxvh3zuf"
    "tHiK9xBK43y4F3PP49d9OYqGg1wTYnd2/RzlQzpEFoHcxmyLxdYCrQzHkNfBvcIyTccAw/luCC4MC/fkwSV0fnTv"
    "hY9QUJs+74vVcNrEmSwJLMYaG3xyTzmVh04=\n"
)
STOCK_ENC_SIG = (
    "untrusted comment: signature from minisign secret key\n"
    "RUT2TKCDj2RjbK/lWEVradyCrt3zZ1WmzO3GY+7Hq+7JPNAB3cxUr7/ySTxe7eqt8w0gMHWOvUfJqRE8oPLpD7t2"
    "CsEs62EPCg8=\n"
    "trusted comment: timestamp:1795715491\tfile:f.txt\thashed\n"
    "EGU8PI3mJoicDXIAq7pWdEPPXt1Jp5DrU3Dxw7U38SFoQOuL1LBplbibGnYuRj6IBb0bEWQUbCmc8ZqVxO+yBA==\n"
)
FAST = {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


@pytest.fixture(scope="module")
def key() -> SecretKey:
    return SecretKey.from_seed(bytes(range(32)), bytes.fromhex("0102030405060708"))


def _replace_line(text: str, index: int, line: str) -> str:
    lines = text.splitlines()
    lines[index] = line
    return "\n".join(lines) + "\n"


def _flip_b64(line: str, byte: int) -> str:
    raw = bytearray(base64.b64decode(line))
    raw[byte] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# --- public keys -------------------------------------------------------------------------


def test_public_key_reads_stock_file_and_base64_line() -> None:
    from_file = PublicKey.from_str(STOCK_PUB)
    from_line = PublicKey.from_str(STOCK_PUB.splitlines()[1])
    assert from_file == from_line
    assert from_file.key_id == bytes.fromhex("12068bdadcf7f79a")
    assert from_file.key_id_hex == "9AF7F7DCDA8B0612"
    assert from_file.to_file_text() == STOCK_PUB
    assert str(from_file) == from_file.base64() == STOCK_PUB.splitlines()[1]


def test_public_key_accepts_crlf_and_custom_comment() -> None:
    pub = PublicKey.from_str(STOCK_PUB.replace("\n", "\r\n"))
    assert pub.to_file_text("bank officer key").startswith("untrusted comment: bank officer key\n")


def test_key_id_hex_is_little_endian_without_padding() -> None:
    pub = PublicKey(key_id=bytes.fromhex("0102030405060700"), key=bytes(32))
    assert pub.key_id_hex == "7060504030201"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "untrusted comment: x\nnot base64!!\n",
        STOCK_PUB[:-10],
        "untrusted comment: x\n" + base64.b64encode(b"Xx" + bytes(40)).decode(),
        "first\nsecond\n",
        STOCK_PUB + "extra line\n",
    ],
)
def test_public_key_rejects_malformed(text: str) -> None:
    with pytest.raises(KeyFormatError, match=r"minisign\.pubkey\.malformed"):
        PublicKey.from_str(text)


def test_public_key_length_misuse_is_value_error() -> None:
    with pytest.raises(ValueError, match="8-byte id"):
        PublicKey(key_id=b"short", key=bytes(32))


# --- secret keys -------------------------------------------------------------------------


def test_reads_stock_unencrypted_key_and_signs_byte_exact() -> None:
    key = SecretKey.from_file_text(STOCK_KEY_UNENCRYPTED, None)
    assert key.public_key == PublicKey.from_str(STOCK_PUB)
    trusted = "timestamp:1795715477\tfile:f.txt\thashed"
    assert key.sign(DATA, trusted_comment=trusted) == STOCK_SIG


def test_legacy_signature_record_matches_stock_byte_exact() -> None:
    key = SecretKey.from_file_text(STOCK_KEY_UNENCRYPTED, None)
    record = key._signature_record(
        b"Ed", DATA, "timestamp:1795715477\tfile:f.txt", "signature from minisign secret key"
    )
    assert str(record) == STOCK_SIG_LEGACY


@pytest.mark.slow
def test_reads_stock_encrypted_key() -> None:
    # Stock minisign uses the sensitive KDF limits: 1 GiB for a few seconds.
    key = SecretKey.from_file_text(STOCK_ENC_KEY, b"pass")
    assert key.public_key == PublicKey.from_str(STOCK_ENC_PUB)
    assert key.key_id_hex == "6C63648F83A04CF6"


def test_encrypted_round_trip(key: SecretKey) -> None:
    text = key.to_file_text(b"correct horse", **FAST)
    assert text.startswith("untrusted comment: minisign encrypted secret key\n")
    blob = base64.b64decode(text.splitlines()[1])
    assert blob[:6] == b"EdScB2"
    assert struct.unpack("<QQ", blob[38:54]) == (OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE)
    again = SecretKey.from_file_text(text, b"correct horse")
    assert again.public_key == key.public_key
    assert again.sign_raw(b"m") == key.sign_raw(b"m")


def test_each_encryption_uses_a_fresh_salt(key: SecretKey) -> None:
    assert key.to_file_text(b"pw", **FAST) != key.to_file_text(b"pw", **FAST)


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "Wrong passphrase for this secret key"), ("zh", "口令不对，无法解开私钥")],
)
def test_wrong_passphrase(key: SecretKey, lang: str, message: str) -> None:
    text = key.to_file_text(b"right", **FAST)
    i18n.set_language(lang)
    with pytest.raises(KeyPassphraseError) as caught:
        SecretKey.from_file_text(text, b"wrong")
    assert caught.value.key == "minisign.passphrase.wrong"
    assert message in i18n.t(caught.value.key, **caught.value.params)


def test_missing_passphrase_for_encrypted_key(key: SecretKey) -> None:
    text = key.to_file_text(b"right", **FAST)
    with pytest.raises(KeyPassphraseError, match=r"minisign\.passphrase\.required"):
        SecretKey.from_file_text(text, None)


def test_unencrypted_needs_explicit_consent(key: SecretKey) -> None:
    with pytest.raises(KeyPassphraseError) as caught:
        key.to_file_text(None)
    assert caught.value.key == "minisign.passphrase.unencrypted_refused"
    assert "without a passphrase" in i18n.t(caught.value.key)
    i18n.set_language("zh")
    assert "不设口令" in i18n.t(caught.value.key)


def test_empty_passphrase_refused(key: SecretKey) -> None:
    with pytest.raises(KeyPassphraseError, match=r"minisign\.passphrase\.empty"):
        key.to_file_text(b"", **FAST)


def test_unencrypted_round_trip_has_checksum(key: SecretKey) -> None:
    text = key.to_file_text(None, allow_unencrypted=True)
    blob = base64.b64decode(text.splitlines()[1])
    assert blob[:6] == b"Ed\x00\x00B2"
    assert blob[-32:] != bytes(32)
    assert SecretKey.from_file_text(text, None).public_key == key.public_key
    # A passphrase given for a clear key is simply not needed.
    assert SecretKey.from_file_text(text, b"unused").public_key == key.public_key


def _tamper_secret(text: str, offset: int) -> str:
    lines = text.splitlines()
    blob = bytearray(base64.b64decode(lines[1]))
    blob[offset] ^= 0x01
    return f"{lines[0]}\n{base64.b64encode(bytes(blob)).decode()}\n"


def test_unencrypted_checksum_mismatch_is_corrupt(key: SecretKey) -> None:
    text = key.to_file_text(None, allow_unencrypted=True)
    with pytest.raises(KeyFormatError, match=r"minisign\.seckey\.corrupt"):
        SecretKey.from_file_text(_tamper_secret(text, 157), None)


def test_unencrypted_secret_and_public_halves_must_agree(key: SecretKey) -> None:
    stock = STOCK_KEY_UNENCRYPTED  # zero checksum, so only the key pair check catches this
    with pytest.raises(KeyFormatError) as caught:
        SecretKey.from_file_text(_tamper_secret(stock, 54 + 8 + 40), None)
    assert caught.value.key == "minisign.seckey.corrupt"


def test_encrypted_bit_flip_reads_as_wrong_passphrase(key: SecretKey) -> None:
    text = key.to_file_text(b"pw", **FAST)
    with pytest.raises(KeyPassphraseError):
        SecretKey.from_file_text(_tamper_secret(text, 100), b"pw")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        STOCK_KEY_UNENCRYPTED[:120],
        "untrusted comment: x\n" + base64.b64encode(bytes(158)).decode(),
        STOCK_PUB,
    ],
)
def test_secret_key_rejects_malformed(text: str) -> None:
    with pytest.raises(KeyFormatError):
        SecretKey.from_file_text(text, b"pw")


def test_secret_key_rejects_unsupported_kdf() -> None:
    blob = bytearray(base64.b64decode(STOCK_KEY_UNENCRYPTED.splitlines()[1]))
    blob[2:4] = b"Ar"
    text = "untrusted comment: x\n" + base64.b64encode(bytes(blob)).decode()
    with pytest.raises(KeyFormatError, match=r"minisign\.seckey\.unsupported"):
        SecretKey.from_file_text(text, b"pw")


def test_secret_key_refuses_absurd_kdf_limits(key: SecretKey) -> None:
    blob = bytearray(base64.b64decode(key.to_file_text(b"pw", **FAST).splitlines()[1]))
    blob[46:54] = struct.pack("<Q", 1 << 36)
    text = "untrusted comment: x\n" + base64.b64encode(bytes(blob)).decode()
    with pytest.raises(KeyFormatError, match=r"minisign\.seckey\.kdf_limits"):
        SecretKey.from_file_text(text, b"pw")


def test_repr_hides_secret(key: SecretKey) -> None:
    assert repr(key) == "SecretKey(key_id=807060504030201)"
    assert bytes(range(32)).hex() not in repr(key)


def test_seed_misuse_is_value_error() -> None:
    with pytest.raises(ValueError, match="32-byte seed"):
        SecretKey.from_seed(bytes(31), bytes(8))


def test_generate_gives_distinct_keys() -> None:
    one, two = SecretKey.generate(), SecretKey.generate()
    assert one.key_id != two.key_id
    assert one.ed25519_public_bytes != two.ed25519_public_bytes


def test_kdf_limit_misuse_is_value_error(key: SecretKey) -> None:
    with pytest.raises(ValueError, match="memlimit"):
        key.to_file_text(b"pw", opslimit=OPSLIMIT_INTERACTIVE, memlimit=1024)


# --- signatures --------------------------------------------------------------------------


def test_verifies_stock_signatures() -> None:
    pub = PublicKey.from_str(STOCK_PUB)
    assert pub.verify(DATA, STOCK_SIG) == "timestamp:1795715477\tfile:f.txt\thashed"
    assert pub.verify(DATA, STOCK_SIG_LEGACY) == "timestamp:1795715477\tfile:f.txt"
    enc = PublicKey.from_str(STOCK_ENC_PUB)
    assert enc.verify(DATA, STOCK_ENC_SIG) == "timestamp:1795715491\tfile:f.txt\thashed"


def test_sign_and_verify(key: SecretKey) -> None:
    text = key.sign(b"payload", trusted_comment="package:abc")
    sig = Signature.from_str(text)
    assert sig.prehashed
    assert sig.key_id == key.key_id
    assert sig.untrusted_comment == "signature from minisign secret key"
    assert str(sig) == text
    assert key.public_key.verify(b"payload", text, prehashed_only=True) == "package:abc"


def test_default_trusted_comment(key: SecretKey) -> None:
    assert default_trusted_comment("a.parquet", now=7) == "timestamp:7\tfile:a.parquet\thashed"
    assert default_trusted_comment(now=7) == "timestamp:7\thashed"
    comment = key.public_key.verify(b"x", key.sign(b"x", file_name="a.bin"))
    assert comment.startswith("timestamp:")
    assert comment.endswith("\tfile:a.bin\thashed")


def test_stream_matches_bytes(key: SecretKey) -> None:
    data = bytes(range(256)) * 10_000  # spans several read chunks
    text = key.sign_stream(io.BytesIO(data), trusted_comment="t")
    assert text == key.sign(data, trusted_comment="t")
    assert key.public_key.verify_stream(io.BytesIO(data), text) == "t"
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b"):
        key.public_key.verify_stream(io.BytesIO(data[:-1]), text)


def test_verify_stream_refuses_legacy() -> None:
    with pytest.raises(SignatureError, match=r"minisign\.signature\.legacy_refused"):
        PublicKey.from_str(STOCK_PUB).verify_stream(io.BytesIO(DATA), STOCK_SIG_LEGACY)


def test_prehashed_only_refuses_legacy() -> None:
    with pytest.raises(SignatureError, match=r"minisign\.signature\.legacy_refused") as caught:
        PublicKey.from_str(STOCK_PUB).verify(DATA, STOCK_SIG_LEGACY, prehashed_only=True)
    assert isinstance(caught.value, FormatError)


def test_sign_raw_is_plain_ed25519(key: SecretKey) -> None:
    signature = key.sign_raw(b"audit note")
    assert len(signature) == 64
    Ed25519PublicKey.from_public_bytes(key.ed25519_public_bytes).verify(signature, b"audit note")


@pytest.mark.parametrize("comment", ["two\nlines", "cr\rhere", "x" * 9000])
def test_bad_trusted_comment_is_misuse(key: SecretKey, comment: str) -> None:
    with pytest.raises(ValueError, match="comment"):
        key.sign(b"x", trusted_comment=comment)


# --- tampering ---------------------------------------------------------------------------


def test_flipped_data_byte() -> None:
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b") as caught:
        PublicKey.from_str(STOCK_PUB).verify(b"hellO\n", STOCK_SIG)
    assert isinstance(caught.value, MinisignError)


def test_flipped_signature_byte() -> None:
    tampered = _replace_line(STOCK_SIG, 1, _flip_b64(STOCK_SIG.splitlines()[1], 40))
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b"):
        PublicKey.from_str(STOCK_PUB).verify(DATA, tampered)


def test_altered_trusted_comment() -> None:
    tampered = _replace_line(STOCK_SIG, 2, "trusted comment: timestamp:1\tfile:f.txt\thashed")
    with pytest.raises(SignatureError) as caught:
        PublicKey.from_str(STOCK_PUB).verify(DATA, tampered)
    assert caught.value.key == "minisign.signature.bad_global"
    assert "trusted comment has been altered" in i18n.t(caught.value.key)
    i18n.set_language("zh")
    assert "可信备注被改动" in i18n.t(caught.value.key)


def test_flipped_global_signature() -> None:
    tampered = _replace_line(STOCK_SIG, 3, _flip_b64(STOCK_SIG.splitlines()[3], 3))
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad_global"):
        PublicKey.from_str(STOCK_PUB).verify(DATA, tampered)


def test_untrusted_comment_is_not_signed() -> None:
    relabelled = _replace_line(STOCK_SIG, 0, "untrusted comment: anything")
    assert PublicKey.from_str(STOCK_PUB).verify(DATA, relabelled).startswith("timestamp:")


def test_wrong_key_id(key: SecretKey) -> None:
    with pytest.raises(SignatureError) as caught:
        key.public_key.verify(DATA, STOCK_SIG)
    assert caught.value.key == "minisign.signature.key_mismatch"
    assert caught.value.params == {"signed_by": "9AF7F7DCDA8B0612", "expected": "807060504030201"}


def test_other_key_with_same_key_id() -> None:
    impostor = SecretKey.from_seed(bytes(32), bytes.fromhex("12068bdadcf7f79a"))
    text = impostor.sign(DATA, trusted_comment="x")
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b"):
        PublicKey.from_str(STOCK_PUB).verify(DATA, text)


def test_legacy_algorithm_swapped_to_prehashed() -> None:
    # Relabelling a legacy signature as prehashed must not verify.
    raw = base64.b64decode(STOCK_SIG_LEGACY.splitlines()[1])
    swapped = base64.b64encode(b"ED" + raw[2:]).decode()
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b"):
        PublicKey.from_str(STOCK_PUB).verify(DATA, _replace_line(STOCK_SIG_LEGACY, 1, swapped))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "\n".join(STOCK_SIG.splitlines()[:3]),
        STOCK_SIG + "fifth line\n",
        STOCK_SIG.replace("untrusted comment: ", "comment: "),
        STOCK_SIG.replace("trusted comment: timestamp", "trusted: timestamp"),
        _replace_line(STOCK_SIG, 1, STOCK_SIG.splitlines()[1][:-8]),
        _replace_line(STOCK_SIG, 3, "!!!not-base64!!!"),
        _replace_line(STOCK_SIG, 3, base64.b64encode(bytes(63)).decode()),
    ],
)
def test_malformed_signature(text: str) -> None:
    with pytest.raises(SignatureError, match=r"minisign\.signature\.malformed") as caught:
        PublicKey.from_str(STOCK_PUB).verify(DATA, text)
    assert caught.value.key == "minisign.signature.malformed"


def test_unknown_signature_algorithm() -> None:
    raw = base64.b64decode(STOCK_SIG.splitlines()[1])
    other = base64.b64encode(b"Xy" + raw[2:]).decode()
    with pytest.raises(SignatureError, match=r"minisign\.signature\.unsupported"):
        PublicKey.from_str(STOCK_PUB).verify(DATA, _replace_line(STOCK_SIG, 1, other))


def test_signature_accepts_crlf() -> None:
    crlf = STOCK_SIG.replace("\n", "\r\n")
    assert PublicKey.from_str(STOCK_PUB).verify(DATA, crlf).endswith("hashed")


def test_prehash_is_blake2b_512(key: SecretKey) -> None:
    sig = Signature.from_str(key.sign(DATA, trusted_comment="t"))
    digest = hashlib.blake2b(DATA, digest_size=64).digest()
    Ed25519PublicKey.from_public_bytes(key.ed25519_public_bytes).verify(sig.signature, digest)


def test_errors_are_typed() -> None:
    assert issubclass(MinisignError, FormatError)
    for error in (KeyFormatError, KeyPassphraseError, SignatureError):
        assert issubclass(error, MinisignError)

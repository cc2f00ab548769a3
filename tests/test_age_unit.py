"""Unit tests of secure_exchange.formats.age: round trips, streaming, keys and tampering."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator

import pytest

from secure_exchange import i18n
from secure_exchange.formats.age import (
    AgeArmorError,
    AgeError,
    AgeHeaderError,
    AgeHeaderMacError,
    AgeKeyError,
    AgeNoIdentityMatchError,
    AgePayloadError,
    AgeWorkFactorError,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    bech32,
    decrypt,
    decrypt_bytes,
    encrypt,
    encrypt_bytes,
)
from secure_exchange.formats.age.age import _encrypt, _encrypt_bytes
from secure_exchange.formats.age.stream import CHUNK_SIZE
from secure_exchange.formats.errors import FormatError

CHUNK = CHUNK_SIZE
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7]
# A fixed identity (the CCTV one) keeps expected strings stable.
SECRET = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"


def _plain(size: int) -> bytes:
    return bytes(i * 7 % 251 for i in range(size))


def _counter_random() -> Callable[[int], bytes]:
    """Deterministic stand-in for os.urandom."""
    state = iter(range(1, 1 << 30))

    def random(n: int) -> bytes:
        return bytes([next(state) % 256]) * n

    return random


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


@pytest.fixture(scope="module")
def identity() -> X25519Identity:
    return X25519Identity.from_str(SECRET)


def _payload_start(data: bytes | bytearray) -> int:
    """Offset of the first STREAM chunk (after the header and the 16-byte nonce)."""
    return data.index(b"\n", data.index(b"\n---") + 1) + 1 + 16


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("armor", [False, True])
def test_round_trip(identity: X25519Identity, size: int, armor: bool) -> None:
    data = _plain(size)
    sealed = encrypt_bytes(data, [identity.recipient()], armor=armor)
    assert sealed.startswith(b"-----BEGIN" if armor else b"age-encryption.org/v1\n")
    assert decrypt_bytes(sealed, [identity]) == data


@pytest.mark.parametrize("size", SIZES)
def test_payload_size_is_exact(identity: X25519Identity, size: int) -> None:
    """Chunks: one per started 64 KiB, a single empty one for no data, no trailing empty."""
    sealed = encrypt_bytes(_plain(size), [identity.recipient()])
    chunks = max(1, -(-size // CHUNK))
    assert len(sealed) - _payload_start(sealed) == size + 16 * chunks


@pytest.mark.parametrize("piece", [1, 7, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 200_003])
def test_streaming_writes_match_one_shot(identity: X25519Identity, piece: int) -> None:
    data = _plain(3 * CHUNK + 12_345)
    one_shot = _encrypt_bytes(data, [identity.recipient()], random=_counter_random())
    out = io.BytesIO()
    with _encrypt(out, [identity.recipient()], random=_counter_random()) as writer:
        for start in range(0, len(data), piece):
            assert writer.write(memoryview(data)[start : start + piece]) == len(
                data[start : start + piece]
            )
    assert out.getvalue() == one_shot


def test_writer_streams_chunks_before_close(identity: X25519Identity) -> None:
    out = io.BytesIO()
    writer = encrypt(out, [identity.recipient()])
    header_size = len(out.getvalue())
    writer.write(_plain(3 * CHUNK))
    assert len(out.getvalue()) == header_size + 2 * (CHUNK + 16)  # the third waits
    writer.close()
    writer.close()  # idempotent
    assert len(out.getvalue()) == header_size + 3 * (CHUNK + 16)
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"x")


def test_exception_in_with_leaves_no_final_chunk(identity: X25519Identity) -> None:
    out = io.BytesIO()

    def write_then_fail() -> None:
        with encrypt(out, [identity.recipient()]) as writer:
            writer.write(_plain(100))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    with pytest.raises(AgePayloadError):
        decrypt_bytes(out.getvalue(), [identity])


def test_deterministic_with_injected_values(identity: X25519Identity) -> None:
    def seal() -> bytes:
        return _encrypt_bytes(
            b"hello",
            [identity.recipient()],
            file_key=bytes(range(16)),
            nonce=bytes(range(16, 32)),
            random=_counter_random(),
        )

    first, again = seal(), seal()
    assert first == again
    assert first[_payload_start(first) - 16 : _payload_start(first)] == bytes(range(16, 32))
    assert decrypt_bytes(first, [identity]) == b"hello"


def test_multiple_recipients() -> None:
    ids = [X25519Identity.generate() for _ in range(3)]
    sealed = encrypt_bytes(b"for all three", [i.recipient() for i in ids])
    assert sealed.count(b"\n-> X25519 ") == 3
    for one in ids:
        assert decrypt_bytes(sealed, [one]) == b"for all three"
    assert decrypt_bytes(sealed, [X25519Identity.generate(), ids[2]]) == b"for all three"


def test_scrypt_round_trip_and_wrong_passphrase() -> None:
    sealed = encrypt_bytes(b"secret", [ScryptRecipient(b"correct horse", work_factor=10)])
    assert sealed.split(b"\n")[1].startswith(b"-> scrypt ")
    assert sealed.split(b"\n")[1].endswith(b" 10")
    assert decrypt_bytes(sealed, [ScryptIdentity(b"correct horse")]) == b"secret"
    with pytest.raises(AgeNoIdentityMatchError, match=r"age\.no_match"):
        decrypt_bytes(sealed, [ScryptIdentity(b"wrong")])


def test_scrypt_work_factor_limit() -> None:
    sealed = encrypt_bytes(b"x", [ScryptRecipient(b"pw", work_factor=12)])
    with pytest.raises(AgeWorkFactorError) as info:
        decrypt_bytes(sealed, [ScryptIdentity(b"pw", max_work_factor=11)])
    assert info.value.params == {"work_factor": 12, "maximum": 11}
    assert isinstance(info.value, AgeHeaderError)
    assert decrypt_bytes(sealed, [ScryptIdentity(b"pw", max_work_factor=12)]) == b"x"


def test_scrypt_must_be_alone(identity: X25519Identity) -> None:
    with pytest.raises(ValueError, match="only recipient"):
        encrypt_bytes(b"x", [ScryptRecipient(b"pw", 10), identity.recipient()])
    with pytest.raises(ValueError, match="work factor"):
        ScryptRecipient(b"pw", work_factor=31)
    with pytest.raises(TypeError):
        ScryptIdentity("text")  # type: ignore[arg-type]


def test_misuse_is_value_error(identity: X25519Identity) -> None:
    with pytest.raises(ValueError, match="recipient"):
        encrypt_bytes(b"x", [])
    with pytest.raises(ValueError, match="identity"):
        decrypt_bytes(b"x", [])
    with pytest.raises(ValueError, match="16 bytes"):
        _encrypt_bytes(b"x", [identity.recipient()], file_key=b"short")


# --- the reader -------------------------------------------------------------------------


def test_reader_api(identity: X25519Identity) -> None:
    data = _plain(2 * CHUNK + 500)
    sealed = encrypt_bytes(data, [identity.recipient()])
    reader = decrypt(io.BytesIO(sealed), [identity])
    assert reader.readable()
    assert reader.read(0) == b""
    assert reader.read(10) == data[:10]
    assert reader.read(CHUNK) == data[10 : CHUNK + 10]  # spans two chunks
    buf = bytearray(1000)
    assert reader.readinto(buf) == 1000
    assert bytes(buf) == data[CHUNK + 10 : CHUNK + 1010]
    assert reader.read() == data[CHUNK + 1010 :]
    assert reader.read(5) == b""
    reader.close()
    with pytest.raises(ValueError, match="closed"):
        reader.read(1)


def test_reader_with_copyfileobj_and_pipe_like_source(identity: X25519Identity) -> None:
    data = _plain(5 * CHUNK + 3)
    sealed = encrypt_bytes(data, [identity.recipient()])

    class Trickle(io.RawIOBase):
        """A source returning at most 1000 bytes per read, like a pipe."""

        def __init__(self, payload: bytes) -> None:
            self._src = io.BytesIO(payload)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            return self._src.readinto(memoryview(buffer)[:1000])

    out = io.BytesIO()
    shutil.copyfileobj(decrypt(Trickle(sealed), [identity]), out)
    assert out.getvalue() == data


# --- damage -----------------------------------------------------------------------------


def test_wrong_identity_is_no_match(identity: X25519Identity) -> None:
    sealed = encrypt_bytes(b"x", [identity.recipient()])
    with pytest.raises(AgeNoIdentityMatchError, match=r"age\.no_match"):
        decrypt_bytes(sealed, [X25519Identity.generate(), ScryptIdentity(b"pw")])


@pytest.mark.parametrize("cut", [0, 5, 30, -1])
def test_truncated_header(identity: X25519Identity, cut: int) -> None:
    sealed = encrypt_bytes(b"x", [identity.recipient()])
    end = _payload_start(sealed) - 16
    with pytest.raises(AgeHeaderError):
        decrypt_bytes(sealed[: cut % end], [identity])


def test_truncated_nonce(identity: X25519Identity) -> None:
    sealed = encrypt_bytes(b"x", [identity.recipient()])
    with pytest.raises(AgeHeaderError):
        decrypt_bytes(sealed[: _payload_start(sealed) - 3], [identity])


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 2 * CHUNK])
@pytest.mark.parametrize("cut", [1, 16, CHUNK + 16])
def test_truncated_payload(identity: X25519Identity, size: int, cut: int) -> None:
    sealed = encrypt_bytes(_plain(size), [identity.recipient()])
    if cut >= len(sealed) - _payload_start(sealed):
        cut = len(sealed) - _payload_start(sealed)  # nothing but the nonce left
    with pytest.raises(AgePayloadError, match=r"age\.payload"):
        decrypt_bytes(sealed[:-cut], [identity])


@pytest.mark.parametrize("garbage", [b"\x00", b"x" * 17, b"y" * (CHUNK + 16)])
def test_trailing_garbage(identity: X25519Identity, garbage: bytes) -> None:
    sealed = encrypt_bytes(_plain(CHUNK + 5), [identity.recipient()])
    with pytest.raises(AgePayloadError):
        decrypt_bytes(sealed + garbage, [identity])


def test_flipped_byte_in_header(identity: X25519Identity) -> None:
    sealed = bytearray(encrypt_bytes(b"x", [identity.recipient()]))
    body_line = sealed.index(b"\n", sealed.index(b"-> X25519")) + 1
    sealed[body_line + 3] ^= 0x01  # stanza body: the key no longer unwraps
    # Depending on the random body, the flipped character may leave the base64 alphabet
    # (a header error) or stay in it (the wrapped key no longer opens: no match).
    with pytest.raises((AgeNoIdentityMatchError, AgeHeaderError)):
        decrypt_bytes(bytes(sealed), [identity])


def test_flipped_header_mac(identity: X25519Identity) -> None:
    sealed = encrypt_bytes(b"x", [identity.recipient()])
    grease = sealed.replace(b"\n---", b"\n-> grease\n\n---", 1)  # unknown stanza, old MAC
    with pytest.raises(AgeHeaderMacError, match=r"age\.header_mac"):
        decrypt_bytes(grease, [identity])


def test_flipped_payload_byte_stops_at_that_chunk(identity: X25519Identity) -> None:
    data = _plain(3 * CHUNK)
    sealed = bytearray(encrypt_bytes(data, [identity.recipient()]))
    sealed[_payload_start(sealed) + CHUNK + 16 + 100] ^= 0x80  # inside the second chunk
    reader = decrypt(io.BytesIO(bytes(sealed)), [identity])
    assert reader.read(CHUNK) == data[:CHUNK]
    with pytest.raises(AgePayloadError):
        reader.read(1)
    with pytest.raises(AgePayloadError):  # the failure sticks
        reader.read(1)


def test_armor_damage(identity: X25519Identity) -> None:
    armored = encrypt_bytes(b"x", [identity.recipient()], armor=True)
    assert decrypt_bytes(b"\n  \n" + armored + b"\r\n", [identity]) == b"x"
    with pytest.raises(AgeArmorError, match=r"age\.armor"):
        decrypt_bytes(armored.replace(b"\n", b"\n ", 1), [identity])
    with pytest.raises(AgeArmorError):
        decrypt_bytes(armored[: armored.rindex(b"-----END")], [identity])


def test_not_an_age_file(identity: X25519Identity) -> None:
    with pytest.raises(AgeHeaderError, match=r"^age\.header$"):
        decrypt_bytes(b"PK\x03\x04 zip", [identity])
    with pytest.raises(AgeHeaderError, match=r"age\.header_version"):
        decrypt_bytes(b"age-encryption.org/v2\n", [identity])


def test_messages_in_chinese() -> None:
    i18n.set_language("zh")
    assert "篡改" in i18n.t(AgePayloadError().key)
    assert "口令" in i18n.t(AgeNoIdentityMatchError().key)
    assert isinstance(AgePayloadError(), AgeError)
    assert issubclass(AgeError, FormatError)


# --- keys -------------------------------------------------------------------------------


def test_identity_string_round_trip(identity: X25519Identity) -> None:
    assert str(identity) == SECRET
    assert X25519Identity.from_str(f"  {SECRET}\n") == identity
    recipient = identity.recipient()
    assert str(recipient).startswith("age1")
    assert X25519Recipient.from_str(str(recipient)) == recipient
    fresh = X25519Identity.generate()
    assert X25519Identity.from_str(str(fresh)) == fresh


def test_repr_hides_secrets(identity: X25519Identity) -> None:
    text = repr(identity)
    for secret in (SECRET, SECRET.lower(), SECRET[16:], identity.secret.hex()):
        assert secret not in text
    assert repr(identity.secret) not in text
    assert str(identity.recipient()) in text
    assert "hunter2" not in repr(ScryptIdentity(b"hunter2"))
    assert "hunter2" not in repr(ScryptRecipient(b"hunter2", 10))


def _flip_char(text: str, pos: int) -> str:
    alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    lower = text[pos].lower()
    new = alphabet[(alphabet.index(lower) + 1) % 32]
    return text[:pos] + (new.upper() if text[pos].isupper() else new) + text[pos + 1 :]


@pytest.mark.parametrize("pos", [5, 20, -1])
def test_bech32_checksum_errors(identity: X25519Identity, pos: int) -> None:
    recipient = str(identity.recipient())
    with pytest.raises(AgeKeyError, match=r"age\.key_recipient"):
        X25519Recipient.from_str(_flip_char(recipient, pos % len(recipient)))
    with pytest.raises(AgeKeyError, match=r"age\.key_identity") as info:
        X25519Identity.from_str(_flip_char(SECRET, pos % len(SECRET)))
    assert SECRET[20:] not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        SECRET.lower(),  # identities are upper case
        SECRET[:30] + SECRET[30:].lower(),  # mixed case
        "AGE-SECRET-KEY-1",  # too short
        "",
    ],
)
def test_bad_identity_strings(text: str) -> None:
    with pytest.raises(AgeKeyError):
        X25519Identity.from_str(text)


def test_bad_recipient_strings(identity: X25519Identity) -> None:
    with pytest.raises(AgeKeyError):  # right checksum, wrong prefix
        X25519Recipient.from_str(bech32.encode("agx", identity.recipient().public_key))
    with pytest.raises(AgeKeyError):  # right prefix, wrong length
        X25519Recipient.from_str(bech32.encode("age", bytes(31)))
    with pytest.raises(AgeKeyError):  # low-order point: refused when encrypting
        encrypt_bytes(b"x", [X25519Recipient(bytes(32))])


@pytest.mark.parametrize(
    ("text", "hrp"),
    [  # BIP 173 valid test strings
        ("A12UEL5L", "A"),
        ("a12uel5l", "a"),
        ("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef"),
        ("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "split"),
    ],
)
def test_bech32_bip173_vectors(text: str, hrp: str) -> None:
    got_hrp, data = bech32.decode(text)
    assert got_hrp == hrp
    assert bech32.encode(hrp, data) == text.lower()


@pytest.mark.parametrize(
    "text",
    ["pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee"],
)
def test_bech32_bip173_invalid(text: str) -> None:
    with pytest.raises(bech32.Bech32Error):
        bech32.decode(text)


def test_broken_armor_mid_payload_is_sticky(identity: X25519Identity) -> None:
    data = _plain(4 * CHUNK)
    armored = bytearray(encrypt_bytes(data, [identity.recipient()], armor=True))
    middle = armored.index(b"\n", len(armored) // 2) + 1
    armored[middle : middle + 1] = b"*"  # an invalid character, well into the payload
    reader = decrypt(io.BytesIO(bytes(armored)), [identity])
    assert reader.read(CHUNK) == data[:CHUNK]
    with pytest.raises(AgeArmorError):
        reader.read()
    with pytest.raises(AgePayloadError):
        reader.read(1)

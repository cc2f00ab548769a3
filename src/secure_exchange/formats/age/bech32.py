"""A small BIP 173 Bech32 codec without the 90-character limit, as age keys use it."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Bech32Error", "decode", "encode"]

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHAR_VALUE = {c: i for i, c in enumerate(_CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Bech32Error(ValueError):
    """The string is not valid Bech32 (bad character, case, length or checksum)."""


def _generator_sums() -> tuple[int, ...]:
    """For each value of the checksum's top five bits, the generators they select, XORed."""
    sums = []
    for top in range(32):
        total = 0
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                total ^= gen
        sums.append(total)
    return tuple(sums)


_GENERATOR_SUMS = _generator_sums()


def _polymod(values: Iterable[int]) -> int:
    chk = 1
    sums = _GENERATOR_SUMS
    for value in values:
        chk = ((chk & 0x1FFFFFF) << 5) ^ value ^ sums[chk >> 25]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: Iterable[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = 0
    bits = 0
    out: list[int] = []
    mask = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & mask)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & mask)
    elif bits >= from_bits or (acc << (to_bits - bits)) & mask:
        raise Bech32Error("invalid padding")
    return out


def encode(hrp: str, data: bytes) -> str:
    """Encode ``data`` under the human-readable part ``hrp``, in lower case.

    Args:
        hrp: The human-readable prefix (printable ASCII).
        data: The payload bytes.

    Returns:
        The lower-case Bech32 string; callers upper-case it when they need to.
    """
    if not hrp or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise ValueError("invalid human-readable part")
    hrp = hrp.lower()
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod([*_hrp_expand(hrp), *values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[v] for v in values + checksum)


def decode(text: str) -> tuple[str, bytes]:
    """Decode a Bech32 string.

    Returns:
        The human-readable part as written (its case preserved) and the payload bytes.

    Raises:
        Bech32Error: on mixed case, a bad character, separator or checksum.
    """
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed case")
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise Bech32Error("separator at an invalid position")
    hrp = text[:pos]
    if any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32Error("invalid character in the human-readable part")
    try:
        values = [_CHAR_VALUE[c] for c in text[pos + 1 :].lower()]
    except KeyError:
        raise Bech32Error("invalid character in the data part") from None
    if _polymod([*_hrp_expand(hrp.lower()), *values]) != 1:
        raise Bech32Error("checksum mismatch")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))

"""The age v1 header: stanzas, canonical unpadded base64, 64-column bodies, the MAC line.

Parsing is as strict as the spec and the C2SP CCTV vectors demand: a header is accepted
only in its one canonical encoding, so the MAC can be checked over the bytes as read. It
is bounded too: at most ``MAX_STANZAS`` stanzas and ``MAX_HEADER`` bytes, so a file of
junk stanzas costs nothing to refuse.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from secure_exchange.formats.age.errors import AgeHeaderError
from secure_exchange.formats.age.source import LineTooLongError, Source

__all__ = [
    "INTRO",
    "MAX_HEADER",
    "MAX_STANZAS",
    "Header",
    "Stanza",
    "b64decode",
    "b64encode",
    "parse_header",
    "serialize_header",
]

INTRO = b"age-encryption.org/v1\n"
_VERSION_PREFIX = b"age-encryption.org/"
_STANZA_PREFIX = b"->"
_FOOTER_PREFIX = b"---"
COLUMNS_PER_LINE = 64
BYTES_PER_LINE = COLUMNS_PER_LINE // 4 * 3
_MAX_LINE = 64 * 1024
_MAX_INTRO = 256
MAX_STANZAS = 128  # recipients of one file; a header with more is refused, not parsed on
MAX_HEADER = 256 * 1024  # header bytes, likewise (a post-quantum stanza is about 1.6 KB)
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
_ARG_CHARS = re.compile(rb"[\x21-\x7e]+")


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: a type, its arguments and the binary body."""

    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    """A parsed header; ``mac_input`` is the header bytes through ``---`` (MAC'd)."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    mac_input: bytes


def b64encode(data: bytes) -> str:
    """Canonical standard base64 without padding."""
    return base64.b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: bytes | str) -> bytes:
    """Decode canonical standard base64 without padding.

    Raises:
        ValueError: on padding, any other character (newlines included), a length that is
            impossible, or non-zero trailing bits (a non-canonical encoding).
    """
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    if not _B64_CHARS.fullmatch(raw) or len(raw) % 4 == 1:
        raise ValueError("invalid base64")
    try:
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("invalid base64") from exc
    if base64.b64encode(data).rstrip(b"=") != raw:
        raise ValueError("non-canonical base64")
    return data


def _stanza_lines(stanza: Stanza) -> bytes:
    """Serialise one stanza: opening line, body wrapped at 64 columns, final short line."""
    encoded = b64encode(stanza.body).encode("ascii")
    out = bytearray(b"-> " + " ".join((stanza.type, *stanza.args)).encode("ascii") + b"\n")
    for start in range(0, len(encoded) + 1, COLUMNS_PER_LINE):
        out += encoded[start : start + COLUMNS_PER_LINE] + b"\n"
    return bytes(out)


def serialize_header(stanzas: Sequence[Stanza], mac_fn: Callable[[bytes], bytes]) -> bytes:
    """Serialise a header; ``mac_fn`` maps the bytes through ``---`` to the MAC."""
    for stanza in stanzas:
        for arg in (stanza.type, *stanza.args):
            if not arg.isascii() or not _ARG_CHARS.fullmatch(arg.encode("ascii")):
                raise ValueError(f"invalid stanza argument {arg!r}")
    mac_input = INTRO + b"".join(_stanza_lines(s) for s in stanzas) + _FOOTER_PREFIX
    return mac_input + b" " + b64encode(mac_fn(mac_input)).encode("ascii") + b"\n"


def _read_line(src: Source) -> bytes:
    """One header line including its ``\\n``; a line cut off by the end is malformed."""
    try:
        line = src.read_line(_MAX_LINE)
    except LineTooLongError as exc:
        raise AgeHeaderError() from exc
    if not line.endswith(b"\n"):
        raise AgeHeaderError()
    return line


def _parse_args(line: bytes) -> tuple[bytes, list[str]]:
    """Split a ``prefix arg arg`` line on single spaces; every argument must be VCHARs.

    Raises:
        AgeHeaderError: if an argument is empty or holds a byte outside 0x21..0x7e.
    """
    prefix, *args = line[:-1].split(b" ")
    if not all(_ARG_CHARS.fullmatch(a) for a in args):
        raise AgeHeaderError()
    return prefix, [a.decode("ascii") for a in args]


def _read_stanza(opening: bytes, src: Source, raw: bytearray) -> Stanza:
    """Read a stanza whose opening line was already read; append its bytes to ``raw``."""
    prefix, args = _parse_args(opening)
    if prefix != _STANZA_PREFIX or not args:
        raise AgeHeaderError()
    body = bytearray()
    while True:
        line = _read_line(src)
        raw += line
        try:
            chunk = b64decode(line[:-1])
        except ValueError as exc:
            raise AgeHeaderError() from exc
        if len(chunk) > BYTES_PER_LINE:
            raise AgeHeaderError()
        body += chunk
        if len(chunk) < BYTES_PER_LINE:  # a short (possibly empty) line ends the body
            return Stanza(args[0], tuple(args[1:]), bytes(body))
        if len(raw) > MAX_HEADER:
            raise _too_large()


def _parse_footer(line: bytes) -> bytes:
    """Decode the MAC from the ``--- <mac>`` line."""
    prefix, args = _parse_args(line)
    if prefix != _FOOTER_PREFIX or len(args) != 1:
        raise AgeHeaderError()
    try:
        mac = b64decode(args[0])
    except ValueError as exc:
        raise AgeHeaderError() from exc
    if len(mac) != 32:
        raise AgeHeaderError()
    return mac


def _check_intro(line: bytes) -> None:
    if line == INTRO:
        return
    if line.startswith(_VERSION_PREFIX):
        raise AgeHeaderError("age.header_version")
    raise AgeHeaderError()


def parse_header(src: Source) -> Header:
    """Read and strictly parse the header from ``src``, leaving it at the payload.

    Raises:
        AgeHeaderError: for any deviation from the canonical encoding.
    """
    try:
        first = src.read_line(_MAX_INTRO)
    except LineTooLongError as exc:
        raise AgeHeaderError() from exc
    _check_intro(first)
    raw = bytearray(first)
    stanzas: list[Stanza] = []
    while True:
        line = _read_line(src)
        if line.startswith(_FOOTER_PREFIX):
            mac = _parse_footer(line)
            return Header(tuple(stanzas), mac, bytes(raw) + _FOOTER_PREFIX)
        raw += line
        if len(stanzas) == MAX_STANZAS:
            raise _too_large()
        stanzas.append(_read_stanza(line, src, raw))
        if len(raw) > MAX_HEADER:
            raise _too_large()


def _too_large() -> AgeHeaderError:
    """A header past ``MAX_STANZAS`` or ``MAX_HEADER``: refused before any work on it."""
    return AgeHeaderError("age.header_too_large", stanzas=MAX_STANZAS, size=MAX_HEADER)

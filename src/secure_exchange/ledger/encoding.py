"""Which encoding a CSV ledger is in: UTF-8 (with or without BOM) or GB18030/GBK, never a mix.

The first block holding a non-ASCII byte decides (UTF-8 when it is valid UTF-8, else
GB18030 when it decodes strictly); a later block that does not decode in that encoding
makes the file an error rather than being guessed at. Neither UTF-8 nor GB18030 ever uses
the bytes of a line feed or a double quote inside a multi-byte character, so blocks cut at
line feeds transcode independently.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = [
    "ASCII",
    "GB18030",
    "UTF8",
    "UTF8_VALID",
    "Decoder",
    "UndecodableError",
    "is_utf8",
    "to_utf8",
]

# How a block is to be read: plain ASCII, UTF-8 known valid, UTF-8 still to be checked
# (by the parser), or GB18030 to transcode.
ASCII, UTF8_VALID, UTF8, GB18030 = "ascii", "utf-8-valid", "utf-8", "gb18030"
_BOM = b"\xef\xbb\xbf"


class UndecodableError(Exception):
    """A block is in neither the file's encoding nor any encoding we accept."""


def is_utf8(data: bytes | bytearray) -> bool:
    """Whether ``data`` is valid UTF-8 (checked by Arrow, without decoding to Python)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def to_utf8(data: bytes) -> bytes | None:
    """UTF-8 bytes of a CSV file in UTF-8 (BOM or not) or GB18030/GBK; None if neither.

    Decoding is strict: a file that is not clean in either encoding gives None.
    """
    try:
        text, valid = Decoder().utf8(data, first=True)
    except UndecodableError:
        return None
    return text if valid or is_utf8(text) else None


class Decoder:
    """UTF-8 of a file's blocks; the first block with a non-ASCII byte fixes the encoding."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def _decide(self, data: bytes | bytearray) -> bool:
        """Fix the encoding on the first non-ASCII block; True when this block decided
        UTF-8 (so it is known to be valid)."""
        if self.encoding is not None:
            return False
        self.encoding = "utf-8" if is_utf8(data) else "gb18030"
        return self.encoding == "utf-8"

    def mode(self, data: bytes | bytearray) -> str:
        """How a block is to be read (``ASCII``, ``UTF8_VALID``, ``UTF8``, ``GB18030``).

        Cheap, so blocks can be classified in order and transcoded and parsed in parallel.
        """
        if data.isascii():
            return ASCII
        if self._decide(data):
            return UTF8_VALID
        return UTF8 if self.encoding == "utf-8" else GB18030

    def utf8(self, data: bytes, *, first: bool = False) -> tuple[bytes, bool]:
        """``data`` as UTF-8 (a BOM at the start of the file dropped), and whether it is
        known to be valid; when not, the parser checks it (``check_utf8``).

        Raises:
            UndecodableError: the bytes are not clean in the file's encoding.
        """
        if first and data.startswith(_BOM):
            self.encoding, data = "utf-8", data[len(_BOM) :]
        if data.isascii() or self._decide(data):
            return data, True
        if self.encoding == "utf-8":
            return data, False
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise UndecodableError from None
        return (text.removeprefix("\ufeff") if first else text).encode("utf-8"), True

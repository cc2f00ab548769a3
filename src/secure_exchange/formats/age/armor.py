"""ASCII armor for age files: strict PEM-like base64 between BEGIN/END lines.

Reading accepts LF or CRLF line ends and up to 1 KiB of whitespace around the armor; it
rejects headers, empty or short inner lines, lines over 64 columns, non-canonical or
unpadded base64, and anything else after the END line.
"""

from __future__ import annotations

import binascii
import io
from typing import TYPE_CHECKING

from secure_exchange.formats.age.errors import AgeArmorError
from secure_exchange.formats.age.source import LineTooLongError, Source

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from secure_exchange.formats.age.stream import Writable

__all__ = ["BEGIN", "END", "ArmorReader", "ArmorWriter", "looks_armored"]

BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"
_COLUMNS = 64
_BYTES_PER_LINE = _COLUMNS // 4 * 3
_MAX_WHITESPACE = 1024
_MAX_LINE = 128
_FULL_LINE = _COLUMNS + 1  # 64 base64 characters and LF
_BULK_LINES = 1024


def looks_armored(head: bytes) -> bool:
    """Whether input starting with ``head`` is meant as armor rather than a binary file.

    A binary age file always starts with ``age-encryption.org/``; anything else that
    opens with dashes or shows a BEGIN line early on is parsed (strictly) as armor.
    """
    if head.startswith(b"age-encryption.org/"):
        return False
    return head.lstrip().startswith(b"-----") or b"-----BEGIN" in head


class ArmorWriter:
    """Base64-encode everything written into 64-column lines; ``close`` adds the END line."""

    def __init__(self, dst: Writable) -> None:
        self._dst = dst
        self._buf = bytearray()
        self._closed = False
        dst.write(BEGIN + b"\n")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Encode whole lines of ``data`` now and keep the remainder."""
        self._buf += data
        whole = len(self._buf) - len(self._buf) % _BYTES_PER_LINE
        if whole:
            view = memoryview(self._buf)
            lines = [
                binascii.b2a_base64(view[i : i + _BYTES_PER_LINE])
                for i in range(0, whole, _BYTES_PER_LINE)
            ]
            view.release()
            self._dst.write(b"".join(lines))
            del self._buf[:whole]
        return len(data)

    def close(self) -> None:
        """Write the last (short, padded) line and the END line. Idempotent."""
        if self._closed:
            return
        self._closed = True
        tail = binascii.b2a_base64(bytes(self._buf)) if self._buf else b""
        self._dst.write(tail + END + b"\n")


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line


def _decode_line(line: bytes) -> bytes:
    """Strictly decode one armor line: padded, canonical, nothing but base64."""
    if not line or len(line) > _COLUMNS or len(line) % 4:
        raise AgeArmorError()
    try:
        data = binascii.a2b_base64(line, strict_mode=True)
    except binascii.Error as exc:
        raise AgeArmorError() from exc
    if binascii.b2a_base64(data, newline=False) != line:
        raise AgeArmorError()
    return data


class ArmorReader(io.BufferedIOBase):
    """A readable stream decoding armored input line by line, strictly."""

    def __init__(self, src: Source) -> None:
        super().__init__()
        self._src = src
        self._pending = b""
        self._done = False
        self._skip_leading()

    def readable(self) -> bool:
        """Always ``True``."""
        return True

    def _line(self) -> bytes:
        try:
            return self._src.read_line(_MAX_LINE)
        except LineTooLongError as exc:
            raise AgeArmorError() from exc

    def _skip_leading(self) -> None:
        skipped = 0
        while True:
            line = self._line()
            if not line:
                raise AgeArmorError()
            if line.strip():
                break
            skipped += len(line)
            if skipped > _MAX_WHITESPACE:
                raise AgeArmorError()
        if _strip_eol(line) != BEGIN or not line.endswith(b"\n"):
            raise AgeArmorError()

    def _finish(self) -> None:
        """After the END line: only a little whitespace may follow."""
        rest = self._src.read_exact(_MAX_WHITESPACE)
        if rest.strip() or len(rest) == _MAX_WHITESPACE:
            raise AgeArmorError()
        self._done = True

    def _decode_next(self) -> bytes:
        """Decode the next line (or finish at the END line); ``b""`` when done."""
        raw = self._line()
        line = _strip_eol(raw)
        if line == END:
            self._finish()
            return b""
        if not raw.endswith(b"\n"):
            raise AgeArmorError()
        data = _decode_line(line)
        if len(line) < _COLUMNS or line.endswith(b"="):
            if _strip_eol(self._line()) != END:  # a short or padded line is the last
                raise AgeArmorError()
            self._finish()
        return data

    def _decode_bulk(self) -> bytes:
        """Decode a run of full 64-column LF lines at once (the common case), or ``b""``.

        Only lines that are exactly 64 characters plus LF qualify, so the END line, short
        or padded lines, CRLF and anything odd are left to the line-by-line path. Full
        lines without ``=`` carry no padding bits, so strict decoding is also canonical.
        """
        block = self._src.peek(_FULL_LINE * _BULK_LINES)
        lines = len(block) // _FULL_LINE
        block = block[: lines * _FULL_LINE]
        if lines < 2 or block[_COLUMNS::_FULL_LINE] != b"\n" * lines:
            return b""
        joined = block.replace(b"\n", b"")
        if len(joined) != lines * _COLUMNS or b"=" in joined:
            return b""
        try:
            data = binascii.a2b_base64(joined, strict_mode=True)
        except binascii.Error:
            return b""
        lines -= 1  # keep the last full line for the careful path (it may precede END)
        self._src.skip(lines * _FULL_LINE)
        return data[: lines * _BYTES_PER_LINE]

    def read(self, size: int | None = -1, /) -> bytes:
        """Read up to ``size`` decoded bytes (all if negative); ``b""`` at the end."""
        pieces = [self._pending]
        have = len(self._pending)
        while (size is None or size < 0 or have < size) and not self._done:
            data = self._decode_bulk() or self._decode_next()
            pieces.append(data)
            have += len(data)
        joined = b"".join(pieces)
        if size is None or size < 0:
            size = len(joined)
        self._pending = joined[size:]
        return joined[:size]

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        """Fill ``buffer`` with decoded bytes."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

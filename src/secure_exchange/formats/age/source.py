"""A small buffered reader over any binary source, with line reads and exact fills."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["LineTooLongError", "Readable", "Source"]

_BLOCK = 64 * 1024


class Readable(Protocol):
    """Anything with a binary ``read``."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes; ``b""`` at the end."""
        ...


class LineTooLongError(ValueError):
    """A line exceeded the caller's limit before a newline was found."""


class Source:
    """Buffered reads from ``raw``: lines for headers and armor, exact fills for payloads.

    The buffer is consumed through an offset, so reading many short lines stays linear.
    """

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._buf = bytearray()
        self._off = 0
        self._eof = False
        readinto: Callable[[memoryview], int | None] | None = getattr(raw, "readinto", None)
        self._readinto = readinto

    def _more(self) -> bool:
        """Append another block to the buffer; ``False`` at end of input."""
        if self._eof:
            return False
        if self._off:
            del self._buf[: self._off]
            self._off = 0
        data = self._raw.read(_BLOCK)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def read_line(self, limit: int) -> bytes:
        """Read through the next ``\\n`` (included), or to the end of input.

        Raises:
            LineTooLongError: if no newline shows up within ``limit`` bytes.
        """
        while True:
            end = self._buf.find(b"\n", self._off, self._off + limit)
            if end >= 0:
                return self._take(end + 1 - self._off)
            if len(self._buf) - self._off >= limit:
                raise LineTooLongError(limit)
            if not self._more():
                return self._take(len(self._buf) - self._off)

    def _take(self, size: int) -> bytes:
        start = self._off
        self._off += size
        return bytes(self._buf[start : self._off])

    def peek(self, size: int) -> bytes:
        """Return up to ``size`` next bytes without consuming them."""
        while len(self._buf) - self._off < size and self._more():
            pass
        return bytes(self._buf[self._off : self._off + size])

    def skip(self, size: int) -> None:
        """Consume ``size`` bytes that a ``peek`` just returned."""
        if size > len(self._buf) - self._off:
            raise ValueError("skip past the buffered data")
        self._off += size

    def read_exact(self, size: int) -> bytes:
        """Read ``size`` bytes, or fewer only at the end of input."""
        out = bytearray(size)
        got = self.fill(memoryview(out))
        return bytes(out[:got])

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes (whatever is buffered first, else one raw read)."""
        if self._off == len(self._buf) and not self._more():
            return b""
        end = len(self._buf) if size < 0 else min(len(self._buf), self._off + size)
        return self._take(end - self._off)

    def at_eof(self) -> bool:
        """Whether the input is exhausted (reads ahead one block if needed)."""
        return self._off == len(self._buf) and not self._more()

    def fill(self, view: memoryview) -> int:
        """Fill ``view`` completely unless the input ends first; return the bytes written."""
        size = len(view)
        got = min(size, len(self._buf) - self._off)
        if got:
            view[:got] = self._buf[self._off : self._off + got]
            self._off += got
        while got < size and not self._eof:
            got += self._fill_raw(view[got:])
        return got

    def _fill_raw(self, view: memoryview) -> int:
        if self._readinto is not None:
            n = self._readinto(view)
            if not n:  # 0 is the end; None (non-blocking, unsupported) is treated alike
                self._eof = True
                return 0
            return n
        data = self._raw.read(len(view))
        if not data:
            self._eof = True
            return 0
        view[: len(data)] = data
        return len(data)

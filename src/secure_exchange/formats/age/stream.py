"""The STREAM payload: 64 KiB chunks sealed with ChaCha20-Poly1305 under a derived key.

Nonce of chunk i: 11-byte big-endian i, then 0x01 for the final chunk and 0x00 otherwise.
The final chunk is short or full but never empty, unless the whole plaintext is empty.
The reader looks one byte ahead, so it knows whether a chunk must be the final one
before releasing its plaintext, and so it rejects trailing data.
"""

from __future__ import annotations

import io
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from secure_exchange.formats.age.errors import AgeError, AgePayloadError
from secure_exchange.formats.age.primitives import hkdf_sha256
from secure_exchange.formats.age.source import Source

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["CHUNK_SIZE", "NONCE_SIZE", "StreamReader", "StreamWriter", "Writable", "payload_key"]

CHUNK_SIZE = 64 * 1024
NONCE_SIZE = 16
_TAG_SIZE = 16
_ENC_CHUNK_SIZE = CHUNK_SIZE + _TAG_SIZE
_MAX_COUNTER = 1 << 88
_FLAG_LAST = b"\x01"
_FLAG_MORE = b"\x00"


class Writable(Protocol):
    """Anything with a binary ``write``."""

    def write(self, data: bytes, /) -> int | None:
        """Write ``data``."""
        ...


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    """HKDF-SHA-256(ikm=file key, salt=16-byte nonce, info="payload")."""
    return hkdf_sha256(file_key, nonce, b"payload")


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (_FLAG_LAST if last else _FLAG_MORE)


class StreamWriter:
    """Seal plaintext into STREAM chunks as it arrives; ``close`` seals the final chunk.

    Nothing is finalised implicitly: leaving a ``with`` block by an exception, or dropping
    the writer unclosed, leaves a payload without a final chunk, which never decrypts.
    """

    def __init__(self, dst: Writable, key: bytes) -> None:
        self._dst = dst
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._buf = bytearray()
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether the writer was closed (finalised or aborted)."""
        return self._closed

    def writable(self) -> bool:
        """Always ``True`` while open."""
        return not self._closed

    def _seal(self, chunk: bytes | bytearray | memoryview, last: bool) -> None:
        if self._counter >= _MAX_COUNTER:
            raise OverflowError("too many STREAM chunks")
        self._dst.write(self._aead.encrypt(_nonce(self._counter, last), chunk, None))
        self._counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer or seal ``data``; a full chunk is sealed once more data follows it."""
        if self._closed:
            raise ValueError("write to a closed age writer")
        view = memoryview(data).cast("B")
        total = len(view)
        pos = 0
        buf = self._buf
        if buf:
            pos = min(CHUNK_SIZE - len(buf), total)
            buf += view[:pos]
            if pos == total:
                return total
            self._seal(buf, last=False)
            buf.clear()
        while total - pos > CHUNK_SIZE:
            self._seal(view[pos : pos + CHUNK_SIZE], last=False)
            pos += CHUNK_SIZE
        buf += view[pos:]
        return total

    def flush(self) -> None:
        """Flush the destination if it can (buffered plaintext stays until a chunk fills)."""
        flush = getattr(self._dst, "flush", None)
        if callable(flush):
            flush()

    def close(self) -> None:
        """Seal the final chunk (empty only if nothing was written). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._seal(self._buf, last=True)
        self._buf.clear()

    def abort(self) -> None:
        """Close without sealing the final chunk, so the output never decrypts."""
        self._closed = True
        self._buf.clear()

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class StreamReader(io.BufferedIOBase):
    """A readable binary stream that opens STREAM chunks one by one.

    A chunk's plaintext is released only after its tag verified, and the last chunk only
    after the end of input was confirmed. Any failure raises ``AgePayloadError`` and
    sticks: every later read raises again.
    """

    def __init__(self, src: Source, key: bytes) -> None:
        super().__init__()
        self._src = src
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._enc = bytearray(_ENC_CHUNK_SIZE + 1)  # one chunk plus one look-ahead byte
        self._carry = 0
        self._out = b""
        self._pos = 0
        self._done = False
        self._failed = False

    def readable(self) -> bool:
        """Always ``True``."""
        return True

    def _fail(self) -> AgePayloadError:
        self._failed = True
        self._out, self._pos = b"", 0
        return AgePayloadError()

    def _next_chunk(self) -> bool:
        """Open the next chunk into ``_out``; ``False`` when the payload has ended."""
        if self._failed:
            raise AgePayloadError()
        if self._done:
            return False
        view = memoryview(self._enc)
        try:
            total = self._carry + self._src.fill(view[self._carry :])
        except AgeError:  # e.g. broken armor around the payload: stop for good
            self._failed = True
            raise
        last = total <= _ENC_CHUNK_SIZE
        size = total if last else _ENC_CHUNK_SIZE
        if size < _TAG_SIZE or (last and size == _TAG_SIZE and self._counter):
            raise self._fail()  # no final chunk, a cut tag, or an empty non-first final
        if self._counter >= _MAX_COUNTER:
            raise self._fail()
        try:
            out = self._aead.decrypt(_nonce(self._counter, last), view[:size], None)
        except InvalidTag:
            raise self._fail() from None
        self._counter += 1
        if last:
            self._done = True
        else:
            self._enc[0] = self._enc[_ENC_CHUNK_SIZE]
            self._carry = 1
        self._out, self._pos = out, 0
        return True

    def _available(self) -> int:
        """Bytes ready in the current chunk, opening the next one if needed (0 at end)."""
        while self._pos == len(self._out):
            if not self._next_chunk():
                return 0
        return len(self._out) - self._pos

    def read1(self, size: int | None = -1, /) -> bytes:
        """Read up to ``size`` bytes from at most one chunk."""
        self._check_open()
        avail = self._available()
        if size is None or size < 0 or size > avail:
            size = avail
        start = self._pos
        self._pos += size
        if start == 0 and size == len(self._out):
            return self._out
        return self._out[start : self._pos]

    def read(self, size: int | None = -1, /) -> bytes:
        """Read ``size`` bytes (fewer only at the end), or everything if negative."""
        self._check_open()
        if size is None or size < 0:
            return self.readall()
        pieces: list[bytes] = []
        want = size
        while want > 0:
            piece = self.read1(want)
            if not piece:
                break
            pieces.append(piece)
            want -= len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readall(self) -> bytes:
        """Read to the end of the payload."""
        pieces: list[bytes] = []
        while piece := self.read1():
            pieces.append(piece)
        return b"".join(pieces)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        """Fill ``buffer`` as far as the payload allows; return the byte count."""
        self._check_open()
        view = memoryview(buffer).cast("B")
        got = 0
        while got < len(view):
            avail = self._available()
            if not avail:
                break
            n = min(avail, len(view) - got)
            view[got : got + n] = self._out[self._pos : self._pos + n]
            self._pos += n
            got += n
        return got

    def readinto1(self, buffer: WriteableBuffer, /) -> int:
        """Like ``readinto`` but from at most one chunk."""
        piece = self.read1(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(piece)] = piece
        return len(piece)

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("read from a closed age reader")

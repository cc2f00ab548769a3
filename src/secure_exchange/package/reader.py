"""How verification reads a package: files by name, bounded reads, nothing else.

Verification (``verification.verify``) sees a package only through a
``PackageReader``, so its checks are a function over bytes: ``DirectoryReader`` serves a
folder (a stick), ``MemoryReader`` a mapping of names to bytes (tests, vectors).
``DirectoryReader`` opens nothing but regular files (never a FIFO, a device or a link, even
one slipped in after the layout check), so no read can hang or follow a path elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from secure_exchange.errors import VerificationError

__all__ = [
    "Digest",
    "DirectoryReader",
    "HashedStream",
    "MemoryReader",
    "PackageReader",
    "digest",
    "hash_into",
]

CHUNK = 1024 * 1024
# Opened without following a final link and without blocking (a FIFO would wait for a
# writer); O_BINARY matters on Windows only.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


class PackageReader(Protocol):
    """The files of one package, by name."""

    @property
    def path(self) -> Path:
        """Where the package lies (named in messages, kept in the result)."""
        ...

    @property
    def name(self) -> str | None:
        """The package folder's name, bound to the manifest's package id (§4.5); ``None``
        for bytes that are not in a folder."""
        ...

    def names(self) -> list[str]:
        """Every entry, sorted by name: files, folders and links alike.

        Raises:
            OSError: there is no package folder to list.
        """
        ...

    def is_file(self, name: str) -> bool:
        """Whether entry ``name`` is a regular file (not a folder, not a link)."""
        ...

    def read(self, name: str, limit: int) -> bytes:
        """The file's bytes, but never more than ``limit + 1`` of them.

        A result longer than ``limit`` tells the caller the file is too large, without
        reading it whole.

        Raises:
            VerificationError: check ``layout``, the entry is not a regular file.
        """
        ...

    def open(self, name: str) -> BinaryIO:
        """The file as a binary stream, for hashing a large file in chunks.

        Raises:
            VerificationError: check ``layout``, the entry is not a regular file.
        """
        ...


class DirectoryReader:
    """A package folder on disk; ``name`` binds it to another folder name (the partial
    folder of a package being sealed is checked under its final name)."""

    def __init__(self, path: Path, *, name: str | None = None) -> None:
        self._path = path
        self._name = name if name is not None else path.name

    @property
    def path(self) -> Path:
        """The package folder."""
        return self._path

    @property
    def name(self) -> str:
        """The folder's name (or the one it is checked under)."""
        return self._name

    def names(self) -> list[str]:
        """Every entry of the folder, sorted by name."""
        return sorted(os.listdir(self._path))

    def is_file(self, name: str) -> bool:
        """Whether ``name`` is a regular file, not a link or a folder."""
        try:
            mode = os.lstat(self._file(name)).st_mode
        except OSError:
            return False
        return stat.S_ISREG(mode)

    def read(self, name: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of ``name``, without a buffer larger than the file."""
        with self.open(name) as fh:
            size = os.fstat(fh.fileno()).st_size
            return fh.read(min(size, limit) + 1)

    def open(self, name: str) -> BinaryIO:
        """``name`` opened for reading, if it is a regular file."""
        path = self._file(name)
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError:
            raise VerificationError("layout", "verify.unexpected_entry", name=name) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise VerificationError("layout", "verify.unexpected_entry", name=name)
            if hasattr(os, "set_blocking"):
                os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def _file(self, name: str) -> Path:
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise ValueError(f"not a file name: {name!r}")
        return self._path / name


class MemoryReader:
    """A package held in memory as ``name → bytes`` (every entry a regular file)."""

    def __init__(
        self,
        files: Mapping[str, bytes],
        path: Path = Path("<memory>"),
        *,
        name: str | None = None,
    ) -> None:
        self._files = dict(files)
        self._path = path
        self._name = name

    @property
    def path(self) -> Path:
        """A name for the package in messages."""
        return self._path

    @property
    def name(self) -> str | None:
        """The folder name to bind, if one was given (bytes in memory have none)."""
        return self._name

    def names(self) -> list[str]:
        """Every file name, sorted."""
        return sorted(self._files)

    def is_file(self, name: str) -> bool:
        """Whether ``name`` is one of the files."""
        return name in self._files

    def read(self, name: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of ``name``."""
        return self._files[name][: limit + 1]

    def open(self, name: str) -> BinaryIO:
        """``name`` as a stream over its bytes."""
        return io.BytesIO(self._files[name])


@dataclass(frozen=True)
class Digest:
    """The SHA-256 and size of one file, with its bytes when they were kept."""

    sha256: str
    size: int
    data: bytes | None = None


def digest(reader: PackageReader, name: str, size: int, *, keep: bool = False) -> Digest:
    """Hash file ``name``, which must hold exactly ``size`` bytes; keep its bytes if asked.

    The size is checked before anything is read (a file of another size is refused without
    reading it), and never more than ``size + 1`` bytes are read: a file that grows while
    it is read is refused too. A kept file is read whole once, so the bytes kept are the
    very bytes hashed; any other is hashed in 1 MiB chunks and never held whole.

    Raises:
        VerificationError: check ``hashes``, the file's size is not ``size``.
    """
    with reader.open(name) as fh:
        if _size_of(fh) not in (None, size):
            raise VerificationError("hashes", "verify.part_size", name=name)
        if keep:
            data = fh.read(size + 1)
            if len(data) != size:
                raise VerificationError("hashes", "verify.part_size", name=name)
            return Digest(hashlib.sha256(data).hexdigest(), size, data)
        hasher = hashlib.sha256()
        seen = hash_into(hasher, fh, size + 1)
    if seen != size:
        raise VerificationError("hashes", "verify.part_size", name=name)
    return Digest(hasher.hexdigest(), size)


def hash_into(hasher: hashlib._Hash, stream: BinaryIO, limit: int) -> int:
    """Feed at most ``limit`` bytes of ``stream`` to ``hasher``; return how many there were."""
    buffer = bytearray(min(CHUNK, max(limit, 1)))
    view = memoryview(buffer)
    seen = 0
    while seen < limit:
        count = stream.readinto(view[: min(len(view), limit - seen)])  # type: ignore[attr-defined]
        if not count:
            break
        hasher.update(view[:count])
        seen += count
    return seen


def _size_of(fh: BinaryIO) -> int | None:
    """The size of an open file, or ``None`` for a stream that has none (bytes in memory)."""
    try:
        return os.fstat(fh.fileno()).st_size
    except (OSError, io.UnsupportedOperation):
        if isinstance(fh, io.BytesIO):
            return len(fh.getbuffer())
        return None


class HashedStream:
    """A file read once, hashed as it is read: what a reader of it consumed is what was hashed.

    Decryption reads a part through it (§5), so the plaintext is used only after
    ``check`` found the bytes read to be exactly the ``size`` bytes whose SHA-256
    verification listed; never more than ``size + 1`` bytes are read.
    """

    def __init__(self, stream: BinaryIO, name: str, size: int, sha256: str) -> None:
        self._stream = stream
        self._hasher = hashlib.sha256()
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.seen = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (never past ``size + 1`` bytes of the file in all)."""
        room = self.size + 1 - self.seen
        data = self._stream.read(room if size < 0 else min(size, room))
        self._hasher.update(data)
        self.seen += len(data)
        return data

    def check(self) -> None:
        """Refuse unless everything was read and it is the file verification hashed.

        Raises:
            VerificationError: check ``hashes``: the file changed since verification.
        """
        # whatever the reader left (and one byte more, to spot a file that grew) is hashed too
        self.seen += hash_into(self._hasher, self._stream, self.size + 1 - self.seen)
        if self.seen != self.size or self._hasher.hexdigest() != self.sha256:
            raise VerificationError("hashes", "verify.hash_mismatch", name=self.name)

    def close(self) -> None:
        """Close the file."""
        self._stream.close()

"""How verification reads a package: files by name, bounded reads, nothing else.

Verification (``verification.verify``) sees a package only through a
``PackageReader``, so its checks are a function over bytes: ``DirectoryReader`` serves a
folder (a stick), ``MemoryReader`` a mapping of names to bytes (tests, vectors).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from secure_exchange.formats.sha256sums import sha256_stream

__all__ = ["Digest", "DirectoryReader", "MemoryReader", "PackageReader", "digest"]


class PackageReader(Protocol):
    """The files of one package, by name."""

    @property
    def path(self) -> Path:
        """Where the package lies (named in messages, kept in the result)."""
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
        """
        ...

    def open(self, name: str) -> BinaryIO:
        """The file as a binary stream, for hashing a large file in chunks."""
        ...


class DirectoryReader:
    """A package folder on disk."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        """The package folder."""
        return self._path

    def names(self) -> list[str]:
        """Every entry of the folder, sorted by name."""
        return sorted(os.listdir(self._path))

    def is_file(self, name: str) -> bool:
        """Whether ``name`` is a regular file, not a link or a folder."""
        file = self._file(name)
        return not file.is_symlink() and file.is_file()

    def read(self, name: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of ``name``, without a buffer larger than the file."""
        with self._file(name).open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            return fh.read(min(size, limit) + 1)

    def open(self, name: str) -> BinaryIO:
        """``name`` opened for reading."""
        return self._file(name).open("rb")

    def _file(self, name: str) -> Path:
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise ValueError(f"not a file name: {name!r}")
        return self._path / name


class MemoryReader:
    """A package held in memory as ``name → bytes`` (every entry a regular file)."""

    def __init__(self, files: Mapping[str, bytes], path: Path = Path("<memory>")) -> None:
        self._files = dict(files)
        self._path = path

    @property
    def path(self) -> Path:
        """A name for the package in messages."""
        return self._path

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


def digest(reader: PackageReader, name: str, *, keep: int = 0) -> Digest:
    """Hash file ``name``; keep its bytes as well when it holds at most ``keep`` bytes.

    A kept file is read whole once, so the bytes kept are the very bytes hashed; any other
    is hashed in 1 MiB chunks and never held whole.
    """
    if keep:
        data = reader.read(name, keep)
        if len(data) <= keep:
            return Digest(hashlib.sha256(data).hexdigest(), len(data), data)
    with reader.open(name) as fh:
        sha256, size = sha256_stream(fh)
    return Digest(sha256, size)

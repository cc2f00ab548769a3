"""Careful file writing: atomic replace, fsync of files and folders, private permissions."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from secure_exchange.errors import SecureExchangeError

__all__ = [
    "atomic_write",
    "fsync_dir",
    "open_private",
    "private_dir",
    "raise_for_os_error",
    "replacing",
]


def raise_for_os_error(exc: OSError, path: Path) -> None:
    """Turn an ``OSError`` while writing ``path`` into a clear, translated error."""
    if exc.errno == errno.ENOSPC:
        raise SecureExchangeError("fs.disk_full", path=path) from exc
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        raise SecureExchangeError("fs.read_only", path=path) from exc
    raise SecureExchangeError("fs.write_failed", path=path, error=exc.strerror or exc) from exc


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(path: Path) -> None:
    """Create ``path`` if needed and restrict it to its owner where the OS allows."""
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError, NotImplementedError):
        path.chmod(stat.S_IRWXU)


@contextlib.contextmanager
def open_private(path: Path, *, exclusive: bool = True) -> Iterator[BinaryIO]:
    """Open ``path`` for writing with mode 0600 from the start, fsync'd on close."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise_for_os_error(exc, path)
        raise
    with os.fdopen(fd, "wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def replacing(path: Path, *, private: bool = False) -> Iterator[BinaryIO]:
    """Write ``path`` through a synced temporary file that replaces it only on success.

    A reader never sees half a file: on any error the temporary file is removed and
    ``path`` is left as it was.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open_private(tmp, exclusive=False) as fh:
            yield fh
        if not private:
            with contextlib.suppress(OSError):
                tmp.chmod(0o644)
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise_for_os_error(exc, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` via a synced temporary file and an atomic rename."""
    with replacing(path, private=private) as fh:
        fh.write(data)

"""Careful file writing: atomic replace, fsync of files and folders, private permissions."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from secure_exchange.errors import SecureExchangeError

try:  # POSIX advisory locks tell a running writer's files from those a killed one left
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CAN_LOCK",
    "atomic_write",
    "fsync_dir",
    "hold_folder",
    "open_private",
    "private_dir",
    "raise_for_os_error",
    "remove_stale_folder",
    "remove_stale_temporaries",
    "replacing",
    "try_lock",
]

CAN_LOCK = fcntl is not None


def try_lock(fd: int) -> bool:
    """Take an exclusive advisory lock (``flock``) on ``fd`` without waiting; it lasts until
    ``fd`` is closed. False when another open file holds it or locking fails; True where
    the OS has no ``flock`` (``CAN_LOCK`` is False there)."""
    if fcntl is None:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


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
    ``path`` is left as it was. A killed writer cannot remove it: the next write of
    ``path`` does (``remove_stale_temporaries``), as it may hold what ``path`` would.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    remove_stale_temporaries(path)
    try:
        with open_private(tmp, exclusive=False) as fh:
            try_lock(fh.fileno())  # held while written: not stale
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


def remove_stale_temporaries(path: Path) -> int:
    """Remove the temporary files (``.<name>.tmp-<pid>``) killed writers of ``path`` left.

    Only regular files of exactly that form that no running writer holds: a writer locks
    its own (POSIX); where there are no locks, removing a file still open fails (Windows).
    Returns how many were removed.
    """
    prefix = f".{path.name}.tmp-"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    stale = [n for n in names if n.startswith(prefix) and n[len(prefix) :].isdigit()]
    return sum(_remove_if_unlocked(path.parent / name) for name in stale)


def _remove_if_unlocked(path: Path) -> bool:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False  # gone, a link, or not ours to open
    try:
        stale = stat.S_ISREG(os.fstat(fd).st_mode) and try_lock(fd)
        if stale and CAN_LOCK:
            path.unlink()  # while locked
            return True
    except OSError:
        return False
    finally:
        os.close(fd)
    if stale:  # pragma: no cover - Windows: refused while its writer keeps it open
        with contextlib.suppress(OSError):
            path.unlink()
            return True
    return False


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def hold_folder(path: Path) -> list[int]:
    """Lock a folder being filled (POSIX ``flock`` on the folder itself), so that
    ``remove_stale_folder`` leaves it alone; close the descriptors returned when done
    (none where the OS has no ``flock`` or the folder cannot be opened)."""
    if not CAN_LOCK:  # pragma: no cover - Windows
        return []
    try:
        fd = os.open(path, _DIR_FLAGS)
    except OSError:
        return []
    try_lock(fd)
    return [fd]


def remove_stale_folder(
    path: Path, accept: Callable[[str, int], bool], *, unlocked_age: float = 3600
) -> bool:
    """Remove ``path``, a folder a killed writer left, with the files in it.

    Only a real folder (never a link) each of whose entries ``accept(name, st_mode)``
    allows, that no running writer holds (``hold_folder``); where the OS has no locks, one
    untouched for ``unlocked_age`` seconds. Returns whether it was removed.
    """
    try:
        if CAN_LOCK:
            return _remove_locked(path, accept)
        return _remove_unlocked(path, accept, unlocked_age)  # pragma: no cover - Windows
    except OSError:
        return False


def _remove_locked(path: Path, accept: Callable[[str, int], bool]) -> bool:
    """POSIX: open the folder itself (not through a link), lock it, empty it through it."""
    fd = os.open(path, _DIR_FLAGS)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode) or not try_lock(fd):
            return False
        names = os.listdir(fd)
        modes = [os.stat(n, dir_fd=fd, follow_symlinks=False).st_mode for n in names]
        if not all(accept(n, m) for n, m in zip(names, modes, strict=True)):
            return False
        for name in names:
            os.unlink(name, dir_fd=fd)
    finally:
        os.close(fd)
    path.rmdir()
    return True


def _remove_unlocked(
    path: Path, accept: Callable[[str, int], bool], unlocked_age: float
) -> bool:  # pragma: no cover - Windows
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or getattr(info, "st_file_attributes", 0) & 0x400:
        return False  # 0x400: a reparse point (a junction or a link)
    if time.time() - info.st_mtime < unlocked_age:
        return False
    entries = list(os.scandir(path))
    if not all(accept(e.name, e.stat(follow_symlinks=False).st_mode) for e in entries):
        return False
    for entry in entries:
        os.unlink(entry.path)
    path.rmdir()
    return True

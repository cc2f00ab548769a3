"""Careful file writing: atomic replace, fsync of files and folders, private permissions."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from secure_exchange.errors import SecureExchangeError

try:  # POSIX advisory locks tell a running writer's files from those a killed one left
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CAN_LOCK",
    "HashingWriter",
    "atomic_write",
    "check_output",
    "file_sha256",
    "fsync_dir",
    "hold_folder",
    "open_private",
    "private_dir",
    "raise_for_os_error",
    "raise_for_read_error",
    "remove_stale_folder",
    "remove_stale_temporaries",
    "replacing",
    "try_lock",
]

CAN_LOCK = fcntl is not None
_HASH_BLOCK = 1 << 20
_SCRATCH = ".d"


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes (SHA-256) what passes through it to ``handle``, so a
    file's digest is known once written, without reading it back.

    With ``sync_every`` (bytes), each time that much more has been written the disk
    starts taking it in the background (``fdatasync`` on a helper thread, one at a time),
    so that the final ``fsync`` of a large file has little left to wait for; ``wait``
    for the last one, and its error, before the file is closed. Durability still comes
    from that final ``fsync`` alone.
    """

    def __init__(self, handle: BinaryIO, *, sync_every: int = 0) -> None:
        super().__init__()
        self._handle = handle
        self.digest = hashlib.sha256()
        self.dropping = False  # set when the file is abandoned: its writer's last bytes
        self._sync_every = sync_every
        self._unsynced = 0  # bytes written since the last background sync started
        self._syncer: ThreadPoolExecutor | None = None
        self._syncing: Future[None] | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.dropping:
            self.digest.update(data)
            self._handle.write(data)
            self._unsynced += len(data)
            if self._sync_every and self._unsynced >= self._sync_every:
                self._sync_behind()
        return len(data)

    def wait(self) -> None:
        """Wait for the background sync, if any (raising its ``OSError``): call it before
        the file is closed, also when it is being thrown away."""
        syncing, self._syncing = self._syncing, None
        if self._syncer is not None:
            self._syncer.shutdown()
            self._syncer = None
        if syncing is not None:
            syncing.result()

    def _sync_behind(self) -> None:
        """Start syncing what is written so far, unless the last sync is still running."""
        if self._syncing is not None:
            if not self._syncing.done():
                return
            self._syncing.result()  # its error here: the final fsync will not report it again
        self._unsynced = 0
        try:
            fd = self._handle.fileno()
        except (AttributeError, io.UnsupportedOperation):
            self._sync_every = 0  # not a file of the OS (an in-memory one): nothing to sync
            return
        self._handle.flush()
        self._syncer = self._syncer or ThreadPoolExecutor(1, thread_name_prefix="sync")
        self._syncing = self._syncer.submit(_fdatasync, fd)


def _fdatasync(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)  # macOS and Windows have fsync only


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file, read a block at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


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


# Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION (a file Excel or WPS holds open).
_WIN_IN_USE = (32, 33)


def _in_use(exc: OSError, path: Path, *, windows: bool = os.name == "nt") -> bool:
    """Whether ``exc`` says another program holds ``path`` (Excel keeps its files locked)."""
    if getattr(exc, "winerror", None) in _WIN_IN_USE:
        return True
    if exc.errno in (errno.EBUSY, errno.ETXTBSY):
        return True
    # Windows reports "access denied" when replacing a file another program has open;
    # on POSIX a rename needs only the folder, so there it means the folder
    denied = exc.errno in (errno.EACCES, errno.EPERM)
    return denied and windows and path.is_file()


def raise_for_os_error(exc: OSError, path: Path) -> None:
    """Turn an ``OSError`` while writing ``path`` into a clear, translated error."""
    if exc.errno == errno.ENOSPC:
        raise SecureExchangeError("fs.disk_full", path=path) from exc
    if _in_use(exc, path):
        raise SecureExchangeError("fs.in_use", path=path) from exc
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        raise SecureExchangeError("fs.read_only", path=path) from exc
    raise SecureExchangeError("fs.write_failed", path=path, error=exc.strerror or exc) from exc


def raise_for_read_error(exc: OSError, path: Path) -> None:
    """Turn an ``OSError`` while reading ``path`` into a clear, translated error."""
    if getattr(exc, "winerror", None) in _WIN_IN_USE or exc.errno == errno.EBUSY:
        raise SecureExchangeError("fs.in_use_read", path=path) from exc
    if exc.errno in (errno.EACCES, errno.EPERM):
        raise SecureExchangeError("fs.no_read", path=path) from exc
    if exc.errno == errno.ENOENT:
        raise SecureExchangeError("fs.not_found", path=path) from exc
    raise SecureExchangeError("fs.read_failed", path=path, error=exc.strerror or exc) from exc


def check_output(
    out: Path, inputs: Iterable[Path] = (), *, force: bool = False, folder: bool = False
) -> None:
    """Refuse to write ``out`` over one of the command's ``inputs``, or over any existing
    file unless ``force``; call it before any work, for every file a command writes.

    ``out`` is an input when it names the same file (resolved paths, or the same file
    through a hard link, another spelling on a case-insensitive disk, or a link), lies
    inside an input folder (a package). ``force`` never allows that. With
    ``folder``, ``out`` is a folder that new files go into: an existing one is fine.

    Raises:
        SecureExchangeError: ``fs.output_is_input``, ``fs.output_exists`` or
            ``fs.output_is_folder``.
    """
    target = _resolved(out)
    for given in inputs:
        source = _resolved(given)
        inside = source.is_dir() and target.is_relative_to(source)
        if inside or _same_file(target, source):
            raise SecureExchangeError("fs.output_is_input", path=out, input=given)
    if folder or not os.path.lexists(out):
        return
    if out.is_dir() and not out.is_symlink():
        raise SecureExchangeError("fs.output_is_folder", path=out)
    if not force:
        raise SecureExchangeError("fs.output_exists", path=out)


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.normcase(path.resolve()))
    except (OSError, RuntimeError):
        return Path(os.path.normcase(path.absolute()))


def _same_file(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


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
def replacing(path: Path, *, private: bool = False, scratch: bool = True) -> Iterator[BinaryIO]:
    """Write ``path`` through a synced temporary file that replaces it only on success.

    A reader never sees half a file: on any error the temporary file is removed and
    ``path`` is left as it was. A killed writer cannot remove it: the next write of
    ``path`` does (``remove_stale_temporaries``), as it may hold what ``path`` would.
    The temporary file is created owner-only; ``private`` keeps ``path`` so. While the
    file is written, Python's temporary files (openpyxl stages each sheet in one) go to
    an owner-only folder beside it, never to the system's temporary folder (``scratch``
    False: a writer that makes none, such as ``atomic_write``, goes without the folder).
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    remove_stale_temporaries(path)
    try:
        staging = _scratch_beside(tmp) if scratch else contextlib.nullcontext()
        with staging, open_private(tmp, exclusive=False) as fh:
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


@contextlib.contextmanager
def _scratch_beside(tmp: Path) -> Iterator[None]:
    """Send ``tempfile``'s files to an owner-only folder ``<tmp>.d`` while writing ``tmp``."""
    scratch = tmp.with_name(tmp.name + _SCRATCH)
    scratch.mkdir(mode=0o700)
    held = hold_folder(scratch)
    before = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        yield
    finally:
        tempfile.tempdir = before
        for name in os.listdir(scratch):
            with contextlib.suppress(OSError):
                (scratch / name).unlink()
        for fd in held:
            os.close(fd)
        with contextlib.suppress(OSError):
            scratch.rmdir()


def atomic_write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` via a synced temporary file and an atomic rename."""
    with replacing(path, private=private, scratch=False) as fh:  # bytes: no tempfile use
        fh.write(data)


def remove_stale_temporaries(path: Path) -> int:
    """Remove the temporary files (``.<name>.tmp-<pid>``) killed writers of ``path`` left.

    Only regular files of exactly that form that no running writer holds: a writer locks
    its own (POSIX); where there are no locks, removing a file still open fails (Windows).
    Their scratch folders (``<tmp>.d``, see :func:`replacing`) go the same way.
    Returns how many were removed.
    """
    prefix = f".{path.name}.tmp-"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    stale = [n for n in names if n.startswith(prefix) and n[len(prefix) :].isdigit()]
    scratch = [n[: -len(_SCRATCH)] for n in names if n.endswith(_SCRATCH)]
    folders = [n for n in scratch if n.startswith(prefix) and n[len(prefix) :].isdigit()]
    removed = sum(_remove_if_unlocked(path.parent / name) for name in stale)
    return removed + sum(
        remove_stale_folder(path.parent / (name + _SCRATCH), _regular, unlocked_age=60)
        for name in folders
    )


def _regular(_name: str, mode: int) -> bool:
    return stat.S_ISREG(mode)


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

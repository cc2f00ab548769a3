"""The append-only access-log file: framing, structural scan and durable appends.

The file starts with the line ``sx-audit-log/v1``; each record is one line
``<64 lower-case hex RFC 6962 leaf hash> <canonical event JSON>\\n`` (see
protocols/audit-log-v1.md §3). A record is written with one ``write`` and made durable
with ``fsync`` before the append returns, so a crash leaves at worst a last line without
its newline: the torn tail, detected on open and never dropped silently.
"""

from __future__ import annotations

import binascii
import contextlib
import errno
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from secure_exchange.fsio import fsync_dir

try:  # POSIX advisory locking keeps two processes from interleaving appends.
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "HEADER",
    "LOG_NAME",
    "LogFile",
    "ScanProblem",
    "ScanResult",
    "create_dirs",
    "encode_record",
    "iter_payloads",
    "scan",
    "write_atomic",
]

HEADER = b"sx-audit-log/v1\n"
LOG_NAME = "log.sxl"
_CHUNK = 1 << 24
_sha256 = hashlib.sha256
# Canonical JSON sorts keys, so "seq", "station" and "time" close every record; quotes
# inside strings are escaped, so rfind('"seq":') always lands on the top-level key.
_TAIL = re.compile(
    rb'"seq":(0|[1-9][0-9]{0,17}),"station":"(?:[^"\\]|\\.)*",'
    rb'"time":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z)"\}'
)


def encode_record(payload: bytes) -> bytes:
    """Frame one canonical event as a log line."""
    return _sha256(b"\x00" + payload).hexdigest().encode() + b" " + payload + b"\n"


@dataclass(frozen=True)
class ScanProblem:
    """The first structural fault: where it is and which message key names it."""

    index: int
    offset: int
    key: str


@dataclass
class ScanResult:
    """What a structural scan found (filled in while the scan runs)."""

    first_index: int = 0
    leaves: list[bytes] = field(default_factory=list)
    end: int = 0
    last_time: str = ""
    last_start: int = 0
    problem: ScanProblem | None = None
    torn_offset: int | None = None
    torn_bytes: int = 0
    time_regressions: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of good records up to the end of the scan."""
        return self.first_index + len(self.leaves)


def _check_line(line: bytes, index: int) -> tuple[bytes, str] | str:
    """Return (leaf hash, time) for a good record line, else a problem key."""
    if len(line) < 67 or line[64] != 0x20 or line[65] != 0x7B:
        return "audit.bad.framing"
    payload = line[65:]
    digest = _sha256(b"\x00" + payload)
    if digest.hexdigest().encode() != line[:64]:
        return "audit.bad.hash"
    pos = payload.rfind(b'"seq":')
    match = _TAIL.match(payload, pos) if pos > 0 else None
    if match is None or match.end() != len(payload):
        return "audit.bad.event"
    if int(match.group(1)) != index:
        return "audit.bad.seq"
    return digest.digest(), match.group(2).decode()


def _scan_lines(result: ScanResult, block: bytes, base: int) -> bool:
    """Scan the complete lines of ``block`` (file offset ``base``); False at a fault.

    The loop body is ``_check_line`` inlined for speed (1M records in a few seconds);
    any doubt falls back to ``_check_line`` to name the fault.
    """
    start = 0
    last_start = -1
    leaves = result.leaves
    append = leaves.append
    index = result.size
    last_time = result.last_time.encode()
    match, sha, hexlify = _TAIL.match, _sha256, binascii.hexlify
    try:
        for line in block.split(b"\n")[:-1]:
            payload = line[65:]
            digest = sha(b"\x00" + payload).digest()
            pos = payload.rfind(b'"seq":')
            found = match(payload, pos) if pos > 0 else None
            if (
                found is None
                or hexlify(digest) != line[:64]
                or line[64:66] != b" {"
                or found.end() != len(payload)
                or int(found.group(1)) != index
            ):
                checked = _check_line(line, index)
                key = checked if isinstance(checked, str) else "audit.bad.event"
                result.problem = ScanProblem(index, base + start, key)
                return False
            append(digest)
            time = found.group(2)
            if time < last_time:
                result.time_regressions.append(index)
            last_time = time
            last_start = start
            start += len(line) + 1
            index += 1
    finally:
        if last_start >= 0:
            result.last_start = base + last_start
        result.last_time = last_time.decode()
        result.end = base + start
    return True


def scan(path: Path, *, start: int = 0, first_index: int = 0, last_time: str = "") -> ScanResult:
    """Check framing, leaf hashes and contiguous seq of the records from ``start`` on.

    ``start`` 0 reads the header first; otherwise it is the end of an earlier scan whose
    record count and last time are ``first_index`` and ``last_time``.
    """
    result = ScanResult(first_index=first_index, last_time=last_time, end=start)
    with path.open("rb") as fh:
        if start == 0:
            head = fh.read(len(HEADER))
            if head != HEADER:
                _header_fault(result, head)
                return result
            start = result.end = len(HEADER)
        fh.seek(start)
        _scan_stream(result, fh, start)
    return result


def _header_fault(result: ScanResult, head: bytes) -> None:
    if HEADER.startswith(head):
        result.torn_offset, result.torn_bytes = 0, len(head)
    else:
        result.problem = ScanProblem(0, 0, "audit.bad.header")


def _scan_stream(result: ScanResult, fh: BinaryIO, base: int) -> None:
    carry = b""
    while chunk := fh.read(_CHUNK):
        block = carry + chunk
        cut = block.rfind(b"\n") + 1
        if not _scan_lines(result, block[:cut], base):
            return
        base += cut
        carry = block[cut:]
    if carry:
        result.torn_offset, result.torn_bytes = base, len(carry)


def iter_payloads(path: Path) -> Iterator[bytes]:
    """Yield each complete record's event JSON (no checks: scan first)."""
    with path.open("rb") as fh:
        if fh.read(len(HEADER)) != HEADER:
            return
        carry = b""
        while chunk := fh.read(_CHUNK):
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            for line in block[:cut].split(b"\n")[:-1]:
                yield line[65:]
            carry = block[cut:]


class LogFile:
    """An open log file for appending: locks, writes whole records, fsyncs, rolls back."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def create(path: Path) -> None:
        """Create the log with its header, durably (file and folder)."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            _write_all(fd, HEADER)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(path.parent)

    @contextlib.contextmanager
    def locked(self) -> Iterator[int]:
        """Open for appending under an exclusive lock; yield the fd.

        POSIX: ``flock`` on the file (closing releases it). Windows: ``msvcrt.locking`` on
        the first byte (the header, never rewritten), released before closing.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | getattr(os, "O_BINARY", 0))
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield fd
            else:  # pragma: no cover - Windows
                with _windows_lock(fd):
                    yield fd
        finally:
            os.close(fd)  # closing releases the lock

    @staticmethod
    def append(fd: int, data: bytes, expected_end: int) -> int:
        """Append ``data`` at ``expected_end`` and fsync; undo a partial write on error."""
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, expected_end)
                os.fsync(fd)
            raise
        return expected_end + len(data)


@contextlib.contextmanager
def _windows_lock(fd: int) -> Iterator[None]:  # pragma: no cover - Windows
    """Lock the log's first byte with ``msvcrt`` (``LK_LOCK`` retries for about 10 s)."""
    import msvcrt

    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]


def write_atomic(path: Path, data: bytes) -> None:
    """Write a small side file (checkpoint, witness state) via fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def create_dirs(path: Path) -> None:
    """Create ``path`` and missing parents, fsyncing each parent that gained an entry."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        fsync_dir(folder.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "short write")
        view = view[written:]

"""``SX_HOME/audit`` on disk: the append-only log file and the side files beside it.

The file starts with the line ``sx-audit-log/v1``; each record is one line
``<64 lower-case hex RFC 6962 leaf hash> <canonical event JSON>\\n`` (see
protocols/audit-log-v1.md §3). A record is written with one ``write`` and made durable
with ``fsync`` before the append returns, so a crash leaves at worst a last line without
its newline: the torn tail, detected on open and never dropped silently. Beside it live
the signed checkpoints (§4) and one folder per witnessing peer (witnessing-v1 §3–4).
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
from typing import Any, BinaryIO

from secure_exchange.audit.events import Event
from secure_exchange.errors import AuditError, Problem, Where
from secure_exchange.formats.canonjson import JsonError, as_obj, loads
from secure_exchange.formats.note import Checkpoint, NoteError, parse_note
from secure_exchange.fsio import atomic_write, fsync_dir, raise_for_os_error
from secure_exchange.layout import HomeLayout

try:  # POSIX advisory locking keeps two processes from interleaving appends.
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "HEADER",
    "LOG_NAME",
    "ORIGIN_PREFIX",
    "LogFile",
    "ScanResult",
    "audit_dir",
    "checkpoint_dir",
    "create_dirs",
    "encode_record",
    "iter_payloads",
    "log_path",
    "marker_path",
    "note_name",
    "notes",
    "origin_for",
    "peer_dir",
    "peer_dirs",
    "read_events",
    "read_json",
    "scan",
    "station_name",
    "stored_heads",
    "write_file",
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


@dataclass
class ScanResult:
    """What a structural scan found (filled in while the scan runs)."""

    first_index: int = 0
    leaves: list[bytes] = field(default_factory=list)
    end: int = 0
    last_time: str = ""
    last_start: int = 0
    problem: Problem | None = None  # the first structural fault
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


def _fault(key: str, index: int, offset: int) -> Problem:
    return Problem(key, {"seq": index, "offset": offset}, Where(seq=index, offset=offset))


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
                result.problem = _fault(key, index, base + start)
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
        result.problem = _fault("audit.bad.header", 0, 0)


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


def write_file(path: Path, data: bytes) -> None:
    """Write a side file (checkpoint, witness state, export) durably, creating its folder.

    ``fsio.atomic_write``: a private temporary file, fsynced, renamed over ``path``, then
    the folder fsynced.

    Raises:
        SecureExchangeError: ``fs.*``, the file could not be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise_for_os_error(exc, path)
    atomic_write(path, data, private=True)


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


# --- reading events ----------------------------------------------------------------------


def read_events(home: Path, limit: int) -> Iterator[Event]:
    """The first ``limit`` events of ``home``'s log, parsed strictly but unchecked.

    Scan (or verify) first: only the verified prefix is worth reading.
    """
    for index, payload in enumerate(iter_payloads(log_path(home))):
        if index >= limit:
            return
        try:
            yield Event.from_dict(as_obj(loads(payload)))
        except (JsonError, ValueError, TypeError, KeyError):
            raise AuditError("audit.bad.event_json", seq=index) from None


# --- the folder layout -------------------------------------------------------------------

# <agreement SHA-256>.<party>.<seal key fingerprint> (witnessing-v1 §4); nothing else.
_PEER_FOLDER = re.compile(r"[0-9a-f]{64}\.[AB]\.[0-9a-f]{32}")
ORIGIN_PREFIX = "sx.audit/"


def audit_dir(home: Path) -> Path:
    """``SX_HOME/audit``."""
    return HomeLayout(home).audit


def log_path(home: Path) -> Path:
    """The log file of ``home``."""
    return audit_dir(home) / LOG_NAME


def marker_path(home: Path) -> Path:
    """The log marker, outside ``audit/``: the station started a log (audit-log-v1 §5)."""
    return HomeLayout(home).log_marker


def checkpoint_dir(home: Path) -> Path:
    """Where this station's signed checkpoints live (§4)."""
    return audit_dir(home) / "checkpoints"


def peer_dir(home: Path, folder: str) -> Path:
    """The witnessing folder named ``folder`` (``PeerKey.folder``; witnessing-v1 §4)."""
    if not _PEER_FOLDER.fullmatch(folder):
        raise ValueError("invalid peer folder name")
    return audit_dir(home) / "witness" / folder


def peer_dirs(home: Path, *, legacy: bool = False) -> list[Path]:
    """Every peer's witnessing folder, sorted; ``legacy``: those of older versions instead,
    named after the peer's station name (witnessing-v1 §7)."""
    try:
        found = [p for p in (audit_dir(home) / "witness").iterdir() if p.is_dir()]
    except OSError:
        return []
    return sorted(p for p in found if bool(_PEER_FOLDER.fullmatch(p.name)) != legacy)


def note_name(size: int) -> str:
    """The file name of the checkpoint note at ``size``."""
    return f"{size:012d}.note"


def notes(folder: Path) -> list[Path]:
    """The ``.note`` files of ``folder``, sorted (by size: the names are zero-padded)."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".note")
    except OSError:
        return []


def stored_heads(folder: Path) -> list[Checkpoint]:
    """The checkpoints stored in ``folder`` that parse (signatures are not checked)."""
    heads = []
    for path in notes(folder):
        with contextlib.suppress(OSError, NoteError):
            heads.append(Checkpoint.parse(parse_note(path.read_bytes()).text))
    return heads


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object read strictly from ``path``; ``{}`` if missing or not one."""
    try:
        value = loads(path.read_bytes())
    except (OSError, JsonError):
        return {}
    return value if isinstance(value, dict) else {}


def station_name(home: Path) -> str:
    """The station's name: ``org`` from ``station.json``, else the home folder's name."""
    record = read_json(HomeLayout(home).station_file)
    for key in ("org", "role"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return home.resolve().name or "station"


def origin_for(station: str) -> str:
    """The checkpoint origin of ``station``'s log (§4)."""
    return ORIGIN_PREFIX + re.sub(r"[\s+\x00-\x1f]", "-", station)

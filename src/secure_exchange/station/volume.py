"""Which volume (USB stick partition) a folder lies on, as far as the OS tells.

A media label records this at enrolment, so copying the two label files onto another stick
does not make that stick dedicated media. Linux: the filesystem UUID of the mount holding the
folder (``/proc/self/mountinfo`` names the mount's device; ``/dev/disk/by-uuid`` names the
device's UUID). Windows: the volume serial number (``GetVolumeInformationW``). Elsewhere, and
where these are missing (a container without udev, a network share), ``None``: the caller
says so. A byte-for-byte image of the stick copies the UUID or serial too.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

__all__ = ["linux_volume_id", "volume_id"]

_MOUNTINFO = Path("/proc/self/mountinfo")
_BY_UUID = Path("/dev/disk/by-uuid")
_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")
_OCTAL = re.compile(r"\\([0-7]{3})")


def volume_id(path: Path) -> str | None:
    """The id of the volume holding ``path`` (``None`` if the OS gives none)."""
    try:
        if sys.platform == "win32":
            return _windows_volume_id(path)
        if sys.platform.startswith("linux"):
            return linux_volume_id(path)
    except (OSError, ValueError):
        return None
    return None


def _unescape(field: str) -> str:
    """A mountinfo path field: spaces, tabs, newlines and backslashes come as ``\\ooo``."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def _mount_of(path: Path, mountinfo: Path) -> tuple[int, int, str] | None:
    """(major, minor, source) of the mount that holds ``path``; the last, longest one wins."""
    target = os.path.realpath(path)
    best: tuple[int, int, int, str] | None = None
    for line in mountinfo.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:] or len(fields) < 7:
            continue
        dash = fields.index("-", 6)
        if len(fields) < dash + 3:
            continue
        point = _unescape(fields[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if not inside or (best is not None and len(point) < best[0]):
            continue
        major, _, minor = fields[2].partition(":")
        best = (len(point), int(major), int(minor), _unescape(fields[dash + 2]))
    return None if best is None else best[1:]


def linux_volume_id(
    path: Path, *, mountinfo: Path = _MOUNTINFO, by_uuid: Path = _BY_UUID
) -> str | None:
    """The filesystem UUID of the mount holding ``path``, from mountinfo and by-uuid."""
    try:
        mount = _mount_of(path, mountinfo)
        entries = sorted(by_uuid.iterdir()) if mount is not None else []
    except (OSError, ValueError):
        return None
    if mount is None:
        return None
    major, minor, source = mount
    device = os.path.realpath(source) if source.startswith("/") else None
    for entry in entries:
        if not _ID.match(entry.name):
            continue
        try:
            info = entry.stat()
        except OSError:
            continue
        same_node = stat.S_ISBLK(info.st_mode) and info.st_rdev == os.makedev(major, minor)
        if same_node or (device is not None and os.path.realpath(entry) == device):
            return entry.name
    return None


if sys.platform == "win32":  # pragma: no cover - exercised on the officers' Windows PCs
    import ctypes
    from ctypes import wintypes

    def _windows_volume_id(path: Path) -> str | None:
        """The volume serial number, as ``dir`` prints it (``0F2A-77C1``)."""
        kernel32 = ctypes.windll.kernel32
        root = ctypes.create_unicode_buffer(261)
        if not kernel32.GetVolumePathNameW(str(Path(path).resolve()), root, len(root)):
            return None
        serial = wintypes.DWORD()
        ok = kernel32.GetVolumeInformationW(
            root.value, None, 0, ctypes.byref(serial), None, None, None, 0
        )
        if not ok:
            return None
        value = serial.value
        return f"{value >> 16:04X}-{value & 0xFFFF:04X}"

else:

    def _windows_volume_id(path: Path) -> str | None:
        return None

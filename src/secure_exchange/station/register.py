"""The station's replay register and its own per-agreement sequence counter.

The replay register (``HomeLayout.replay_register``) remembers every package this station
imported and the newest sequence number per sender, so a replayed or older package is
refused. A sender is the agreement (its SHA-256), the party and that party's seal key as
the agreement pins it (``package.sender_seal``), never the station name the manifest gives:
a sender who renames itself is still the same sender (sealed-package-v1 §4.8). The sequence
counter (``HomeLayout.sequence_counter``) hands out this station's own sequence numbers.

Register format ``sx-replay/v2``: ``{"format", "senders": {"<sha256>/<party>/<seal
fingerprint>": {"last_sequence", "packages": {id: {...}}}}, "legacy": {...}}``. A register
written by older versions (keyed ``<sha256>/<station name>``) is kept under ``legacy`` and
still read: an entry counts for the party whose card names that organisation exactly, and
every package id in it counts as imported under its agreement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from secure_exchange import fsio as _fsio
from secure_exchange.audit import seal_fingerprint
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.canonjson import as_obj, utc_timestamp
from secure_exchange.package import ReplayCheck, VerifiedPackage
from secure_exchange.trust import AgreementKey

__all__ = ["ReplayRegister", "SequenceCounter", "sender_key"]

FORMAT = "sx-replay/v2"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SecureExchangeError("home.unreadable", path=path, error=type(exc).__name__) from exc
    if not isinstance(data, dict):
        raise SecureExchangeError("home.unreadable", path=path, error="not an object")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True)
    _fsio.atomic_write(path, text.encode())


def sender_key(agreement_sha: str, seal: AgreementKey) -> str:
    """``<agreement sha256>/<party>/<seal key fingerprint>``: a sender in the register."""
    return f"{agreement_sha}/{seal.party}/{seal_fingerprint(seal.identity)}"


class _Register:
    """The register's two sections, read from the file (an older flat one is all legacy)."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") == FORMAT:
            self.senders = as_obj(data.get("senders", {}))
            self.legacy = as_obj(data.get("legacy", {}))
        else:
            self.senders, self.legacy = {}, data
        for section in (self.senders, self.legacy):
            for entry in section.values():
                _check_entry(entry)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "senders": self.senders, "legacy": self.legacy}

    def entries(self, agreement_sha: str, seal: AgreementKey) -> Iterator[dict[str, Any]]:
        """This sender's entry, then the older one under its organisation's exact name."""
        for entry in (
            self.senders.get(sender_key(agreement_sha, seal)),
            self.legacy.get(f"{agreement_sha}/{seal.identity.org}"),
        ):
            if isinstance(entry, dict):
                yield entry

    def under(self, agreement_sha: str) -> Iterator[dict[str, Any]]:
        """Every entry under the agreement, whoever sent it."""
        for section in (self.senders, self.legacy):
            for key, entry in section.items():
                if key.startswith(agreement_sha + "/") and isinstance(entry, dict):
                    yield entry


def _whole(value: object) -> bool:
    return type(value) is int and value >= 0


def _check_entry(entry: object) -> None:
    """One sender's entry has its shape, so nothing read later fails (an edited register
    fails closed: ``home.unreadable``)."""
    entry = as_obj(entry)
    last = entry.get("last_sequence")
    if last is not None and not _whole(last):
        raise ValueError("last_sequence")
    for info in _packages(entry).values():
        info = as_obj(info)
        if not _whole(info.get("sequence")) or not isinstance(info.get("sums_sha256"), str):
            raise ValueError("package")


def _packages(entry: dict[str, Any]) -> dict[str, Any]:
    return as_obj(entry.get("packages", {}))


def _last(entry: dict[str, Any]) -> int | None:
    last = entry.get("last_sequence")
    return int(str(last)) if last is not None else None


class ReplayRegister:
    """Packages imported at this station, by agreement and the sender's pinned seal key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> _Register:
        try:
            return _Register(_load(self.path))
        except (TypeError, ValueError) as exc:
            raise SecureExchangeError(
                "home.unreadable", path=self.path, error=type(exc).__name__
            ) from exc

    def seen(
        self, agreement_sha: str, seal: AgreementKey, package_id: str
    ) -> tuple[bool, int | None]:
        """Whether ``package_id`` was imported under the agreement (from any sender), and
        the newest sequence imported from the sender whose seal key is ``seal``."""
        register = self._read()
        imported = any(package_id in _packages(e) for e in register.under(agreement_sha))
        lasts = [n for e in register.entries(agreement_sha, seal) if (n := _last(e)) is not None]
        return imported, max(lasts, default=None)

    def check(self, *, require_imported: bool = False) -> ReplayCheck:
        """A replay policy for ``package.verify`` backed by this register."""
        return ReplayCheck(self.seen, require_imported=require_imported)

    def record(self, package: VerifiedPackage, *, now: datetime | None = None) -> None:
        """Remember an imported package under its sender's seal key (atomic, durable)."""
        register = self._read()
        key = sender_key(package.agreement.sha256, package.sender_seal)
        entry = as_obj(register.senders.setdefault(key, {"last_sequence": None, "packages": {}}))
        _packages(entry)[package.package_id] = {
            "sequence": package.sequence,
            "imported": utc_timestamp(now),
            "sums_sha256": package.sums_sha256,
        }
        last = _last(entry)
        entry["last_sequence"] = max(package.sequence, last if last is not None else -1)
        _write(self.path, register.to_json())

    def imported_digest(self, package: VerifiedPackage) -> str | None:
        """SHA-256 of the SHA256SUMS recorded at import, to spot a swapped package later."""
        register = self._read()
        for entry in register.entries(package.agreement.sha256, package.sender_seal):
            info = _packages(entry).get(package.package_id)
            if isinstance(info, dict):
                return str(info["sums_sha256"])
        return None


class SequenceCounter:
    """This station's own sequence numbers, one series per agreement."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        data = _load(self.path)
        if not all(_whole(v) for v in data.values()):
            raise SecureExchangeError("home.unreadable", path=self.path, error="ValueError")
        return data

    def peek(self, agreement_sha: str) -> int:
        """The number ``next`` would hand out now."""
        return int(self._read().get(agreement_sha, 0)) + 1

    def next(self, agreement_sha: str) -> int:
        """Reserve and return the next number (durably, before the package is written)."""
        data = self._read()
        value = int(data.get(agreement_sha, 0)) + 1
        data[agreement_sha] = value
        _write(self.path, data)
        return value

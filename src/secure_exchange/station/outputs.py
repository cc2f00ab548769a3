"""The output register: files ``sx`` wrote or imported under each agreement, so that
``sx destroy --agreement`` can find and shred them (protocols/lifecycle-v1.md §5.2).

One JSON file (``HomeLayout.outputs``) holds, per entry, the path, its kind, the agreement's
hash, the file's SHA-256 when it was written (a package: the SHA-256 of its
``SHA256SUMS``) and the package id where there is one. Paths and digests only: never a
value from the data.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secure_exchange import fsio as _fsio
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.canonjson import JsonError, as_list, as_obj, loads, utc_timestamp
from secure_exchange.station.station import Station

__all__ = ["OUTPUT_KINDS", "Output", "OutputRegister", "register_output"]

_FORMAT = "sx-outputs-v1"
OUTPUT_KINDS = ("package", "decisions", "call-list", "results")
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Output:
    """One file or package folder ``sx`` is answerable for."""

    path: str
    kind: str
    agreement_sha256: str
    sha256: str
    package: str
    written: str


class OutputRegister:
    """The register at ``HomeLayout.outputs`` (atomic, durable writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Output]:
        """Every entry, oldest first."""
        try:
            doc = as_obj(loads(self.path.read_bytes()))
            return [_entry(as_obj(item)) for item in as_list(doc["outputs"])]
        except FileNotFoundError:
            return []
        except (OSError, JsonError, ValueError, TypeError, KeyError) as exc:
            raise SecureExchangeError(
                "home.unreadable", path=self.path, error=type(exc).__name__
            ) from exc

    def save(self, entries: list[Output]) -> None:
        """Replace the register with ``entries``."""
        doc = {"format": _FORMAT, "outputs": [asdict(e) for e in entries]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n"
        _fsio.atomic_write(self.path, data, private=True)

    def add(self, entry: Output) -> None:
        """Record ``entry``; an earlier entry for the same path is replaced."""
        entries = [e for e in self.load() if e.path != entry.path]
        self.save([*entries, entry])

    def for_agreement(self, agreement_sha256: str) -> list[Output]:
        """The entries written under one agreement."""
        return [e for e in self.load() if e.agreement_sha256 == agreement_sha256]

    def drop(self, agreement_sha256: str) -> None:
        """Forget every entry of one agreement (after ``sx destroy``)."""
        self.save([e for e in self.load() if e.agreement_sha256 != agreement_sha256])


def _entry(item: dict[str, Any]) -> Output:
    """One entry, every field of its type and shape (an edited register fails closed)."""
    entry = Output(**item)
    if not all(isinstance(v, str) for v in asdict(entry).values()):
        raise TypeError("field")
    if entry.kind not in OUTPUT_KINDS or not Path(entry.path).is_absolute():
        raise ValueError("path")
    if not (_HEX64.fullmatch(entry.sha256) and _HEX64.fullmatch(entry.agreement_sha256)):
        raise ValueError("digest")
    return entry


def register_output(
    station: Station,
    path: Path,
    kind: str,
    agreement_sha256: str,
    sha256: str,
    *,
    package: str = "",
) -> None:
    """Remember that ``sx`` wrote (or imported) ``path`` under an agreement."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    entry = Output(str(path.resolve()), kind, agreement_sha256, sha256, package, utc_timestamp())
    OutputRegister(station.layout.outputs).add(entry)

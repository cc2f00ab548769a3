"""The manifest of a sealed package (protocols/sealed-package-v1.md §3), typed.

``Manifest.from_bytes`` reads the very bytes that were hashed, strictly: one JSON document
(no duplicate keys), every field of its type, no field unknown. ``to_bytes`` writes the
manifest as packages carry it (two-space indented JSON, UTF-8, fields in §3's order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from secure_exchange.errors import VerificationError
from secure_exchange.formats.canonjson import JsonError, loads, parse_utc_timestamp, utc_timestamp
from secure_exchange.package.layout import FORMAT, MAX_SEQUENCE

__all__ = [
    "AgreementRef",
    "GroupInfo",
    "GroupRisk",
    "Manifest",
    "PartInfo",
    "SchemaField",
    "Sender",
]

_T = TypeVar("_T")
_PACKAGE_ID = re.compile(r"[0-9]{8}-[a-hjkmnp-z]{20}")  # §3: the date, then 20 letters


@dataclass(frozen=True)
class Sender:
    """Who sends a package: the agreement party (``A``/``B``) and the station's organisation."""

    party: str
    station: str


@dataclass(frozen=True)
class AgreementRef:
    """The agreement a package is sealed under: its number and the hash of its body."""

    number: str
    sha256: str


@dataclass(frozen=True)
class SchemaField:
    """One column of a group's Arrow schema."""

    name: str
    type: str
    nullable: bool


@dataclass(frozen=True)
class GroupRisk:
    """A group's re-identification risk as measured when it was sealed (§3, ARX-style):
    rows unique on the quasi-identifiers (every column but ``subject``) and the size of
    the smallest equivalence class (0 for a group without rows)."""

    quasi_identifiers: tuple[str, ...]
    rows: int
    unique: int
    smallest_class: int

    @property
    def unique_share(self) -> float:
        """The share of rows that are unique (0 to 1)."""
        return self.unique / self.rows if self.rows else 0.0

    @property
    def unique_bp(self) -> int:
        """That share in basis points, rounded up (what an agreement's limit is held to)."""
        return -(-self.unique * 10_000 // self.rows) if self.rows else 0

    def to_json(self) -> dict[str, object]:
        """The manifest's ``risk`` object."""
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "rows": self.rows,
            "unique": self.unique,
            "smallest_class": self.smallest_class,
        }


@dataclass(frozen=True)
class GroupInfo:
    """What the manifest says of one column group."""

    name: str
    recipients: tuple[str, ...]
    categories: tuple[str, ...]
    rows: int
    schema: tuple[SchemaField, ...]
    risk: GroupRisk | None = None


@dataclass(frozen=True)
class PartInfo:
    """What the manifest says of one part."""

    file: str
    group: str
    rows: int
    size: int


@dataclass(frozen=True)
class Manifest:
    """A package's manifest (§3)."""

    package_id: str
    agreement: AgreementRef
    purpose: str
    sender: Sender
    sequence: int
    created: datetime
    expires: datetime
    signers: tuple[str, ...]
    groups: tuple[GroupInfo, ...]
    parts: tuple[PartInfo, ...]
    extra_files: tuple[str, ...] = ()

    def group(self, name: str) -> GroupInfo | None:
        """The group called ``name``, if the manifest lists it."""
        return next((g for g in self.groups if g.name == name), None)

    def to_bytes(self) -> bytes:
        """The manifest file as a package carries it."""
        return json.dumps(self._to_json(), ensure_ascii=False, indent=2).encode()

    def _to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "package_id": self.package_id,
            "agreement": {"number": self.agreement.number, "sha256": self.agreement.sha256},
            "purpose": self.purpose,
            "sender": {"party": self.sender.party, "station": self.sender.station},
            "sequence": self.sequence,
            "created": utc_timestamp(self.created),
            "expires": utc_timestamp(self.expires),
            "signers": list(self.signers),
            "groups": {g.name: _group_json(g) for g in self.groups},
            "parts": [
                {"file": p.file, "group": p.group, "rows": p.rows, "size": p.size}
                for p in self.parts
            ],
            "extra_files": list(self.extra_files),
        }

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse a manifest strictly.

        Raises:
            VerificationError: check ``manifest``: not JSON, another format, or a field
                missing, unknown or of the wrong type (named in the message).
        """
        try:
            doc = loads(data)
        except JsonError as exc:
            raise _malformed(exc.key) from exc
        if not isinstance(doc, dict) or "format" not in doc:
            raise _malformed("format")
        if doc["format"] != FORMAT:
            raise VerificationError("manifest", "verify.format", found=str(doc["format"])[:40])
        top = _Obj(doc, "", _FIELDS, optional=("extra_files",))
        agreement = top.obj("agreement", ("number", "sha256"))
        sender = top.obj("sender", ("party", "station"))
        package_id = top.text("package_id")
        if not _PACKAGE_ID.fullmatch(package_id):
            raise _malformed("package_id")
        return cls(
            package_id=package_id,
            agreement=AgreementRef(agreement.text("number"), agreement.text("sha256")),
            purpose=top.text("purpose"),
            sender=Sender(sender.text("party"), sender.text("station")),
            sequence=top.count("sequence", maximum=MAX_SEQUENCE),
            created=top.time("created"),
            expires=top.time("expires"),
            signers=top.texts("signers"),
            groups=tuple(_group(name, info) for name, info in top.obj("groups").items()),
            parts=tuple(top.array("parts", _part)),
            extra_files=top.texts("extra_files") if "extra_files" in doc else (),
        )


_FIELDS = (
    "format",
    "package_id",
    "agreement",
    "purpose",
    "sender",
    "sequence",
    "created",
    "expires",
    "signers",
    "groups",
    "parts",
    "extra_files",
)


def _group_json(group: GroupInfo) -> dict[str, object]:
    doc: dict[str, object] = {
        "recipients": list(group.recipients),
        "categories": list(group.categories),
        "rows": group.rows,
        "schema": [{"name": f.name, "type": f.type, "nullable": f.nullable} for f in group.schema],
    }
    if group.risk is not None:
        doc["risk"] = group.risk.to_json()
    return doc


def _malformed(where: str) -> VerificationError:
    return VerificationError("manifest", "verify.manifest_malformed", error=where)


class _Obj:
    """One JSON object of a manifest, its fields read by type; ``where`` names it in errors."""

    def __init__(
        self,
        value: object,
        where: str,
        fields: Sequence[str] | None = None,
        *,
        optional: Sequence[str] = (),
    ) -> None:
        if not isinstance(value, dict):
            raise _malformed(where or "manifest")
        self.value: dict[str, Any] = value
        self.where = where
        if fields is not None:  # exactly these fields; the optional ones may be absent
            unknown = sorted(value.keys() - set(fields))
            missing = [f for f in fields if f not in value and f not in optional]
            for name in unknown + missing:
                raise _malformed(self._path(name))

    def _path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def _get(self, name: str) -> object:
        if name not in self.value:
            raise _malformed(self._path(name))
        return self.value[name]

    def text(self, name: str) -> str:
        """Field ``name``, a string."""
        return _as_text(self._get(name), self._path(name))

    def count(self, name: str, maximum: int = 2**63 - 1) -> int:
        """Field ``name``, an integer from 0 to ``maximum``."""
        value = self._get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
            raise _malformed(self._path(name))
        return value

    def flag(self, name: str) -> bool:
        """Field ``name``, true or false."""
        value = self._get(name)
        if not isinstance(value, bool):
            raise _malformed(self._path(name))
        return value

    def time(self, name: str) -> datetime:
        """Field ``name``, a UTC timestamp."""
        try:
            return parse_utc_timestamp(self.text(name))
        except ValueError:
            raise _malformed(self._path(name)) from None

    def obj(self, name: str, fields: Sequence[str] | None = None) -> _Obj:
        """Field ``name``, an object with exactly ``fields`` (any, if ``None``)."""
        return _Obj(self._get(name), self._path(name), fields)

    def items(self) -> list[tuple[str, object]]:
        """This object's fields, in document order."""
        return list(self.value.items())

    def array(self, name: str, item: Callable[[object, str], _T]) -> list[_T]:
        """Field ``name``, an array, each element read by ``item(value, where)``."""
        value = self._get(name)
        where = self._path(name)
        if not isinstance(value, list):
            raise _malformed(where)
        return [item(element, f"{where}[{i}]") for i, element in enumerate(value)]

    def texts(self, name: str) -> tuple[str, ...]:
        """Field ``name``, an array of strings."""
        return tuple(self.array(name, _as_text))


def _as_text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _malformed(where)
    return value


def _group(name: str, value: object) -> GroupInfo:
    fields = ("recipients", "categories", "rows", "schema", "risk")
    info = _Obj(value, f"groups.{name}", fields, optional=("risk",))
    risk = None
    if "risk" in info.value:
        record = info.obj("risk", ("quasi_identifiers", "rows", "unique", "smallest_class"))
        risk = GroupRisk(
            quasi_identifiers=record.texts("quasi_identifiers"),
            rows=record.count("rows"),
            unique=record.count("unique"),
            smallest_class=record.count("smallest_class"),
        )
    return GroupInfo(
        name=name,
        recipients=info.texts("recipients"),
        categories=info.texts("categories"),
        rows=info.count("rows"),
        schema=tuple(info.array("schema", _field)),
        risk=risk,
    )


def _field(value: object, where: str) -> SchemaField:
    info = _Obj(value, where, ("name", "type", "nullable"))
    return SchemaField(info.text("name"), info.text("type"), info.flag("nullable"))


def _part(value: object, where: str) -> PartInfo:
    info = _Obj(value, where, ("file", "group", "rows", "size"))
    return PartInfo(info.text("file"), info.text("group"), info.count("rows"), info.count("size"))

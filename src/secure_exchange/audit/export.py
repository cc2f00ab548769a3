"""Exporting events: JSON lines, OCSF 1.1 events (protocols/audit-log-v1.md §7–8), or a
table for reviewers (CSV with canonical headers, xlsx in the reader's language).

The log holds no personal data (key names, package ids, counts, codes), so neither does
any export of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from secure_exchange.audit import store
from secure_exchange.audit.events import Actor, Event
from secure_exchange.errors import AuditError, SecureExchangeError
from secure_exchange.formats.canonjson import canonical_json

__all__ = ["FORMATS", "check_format", "encode_events", "to_ocsf", "write_export"]

FORMATS = ("jsonl", "ocsf", "csv", "xlsx")
TABLE_COLUMNS = (
    "seq",
    "time_utc",
    "station",
    "actor",
    "actor_fingerprint",
    "action",
    "phase",
    "outcome",
    "package",
    "counts",
    "detail",
)
_FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_OCSF_VERSION = "1.1.0"
_ENTITY_PREFIXES = ("key.", "agreement.", "media.", "init")
_ACTIVITY = {
    "created": 1,
    "enrolled": 1,
    "sealed": 1,
    "init": 1,
    "checkpoint": 1,
    "sent": 1,
    "read": 2,
    "verified": 2,
    "checked": 2,
    "opened": 2,
    "exported": 2,
    "scored": 2,
    "reidentified": 2,
    "inspected": 2,
    "signed": 3,
    "imported": 3,
    "received": 3,
    "repaired": 3,
    "deleted": 4,
    "revoked": 4,
}


def check_format(fmt: str) -> str:
    """Return ``fmt`` if it is one of ``FORMATS``, else raise ``ValueError``."""
    if fmt not in FORMATS:
        raise ValueError("format must be jsonl, ocsf, csv or xlsx")
    return fmt


def encode_events(
    events: Sequence[Event], fmt: str, *, headers: Sequence[str] | None = None
) -> bytes:
    """One canonical JSON object per line (the event, ``jsonl``, or its OCSF form), or a
    table of ``TABLE_COLUMNS``: CSV (UTF-8 with BOM, for Excel) or xlsx (``headers``, the
    reader's words for the columns, default the canonical names)."""
    if check_format(fmt) in ("csv", "xlsx"):
        rows = [table_row(e) for e in events]
        if fmt == "csv":
            return _csv(rows)
        return _xlsx(rows, headers or TABLE_COLUMNS)
    convert = to_ocsf if fmt == "ocsf" else Event.to_dict
    return b"".join(canonical_json(convert(e)) + b"\n" for e in events)


def table_row(event: Event) -> list[str | int]:
    """The event as one row of ``TABLE_COLUMNS``."""
    return [
        event.seq,
        event.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        event.station,
        event.actor.name if event.actor else "",
        event.actor.fingerprint if event.actor else "",
        event.action,
        event.phase,
        event.outcome or "",
        event.package or "",
        "; ".join(f"{k}={v}" for k, v in sorted(event.counts.items())),
        "; ".join(f"{k}={v}" for k, v in sorted(event.detail.items())),
    ]


def _inert(value: str | int) -> str | int:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _csv(rows: list[list[str | int]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows([_inert(v) for v in row] for row in rows)
    return b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")


def _xlsx(rows: list[list[str | int]], headers: Sequence[str]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("log")
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_text_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet: object, value: str | int) -> object:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, never a formula
    return cell


def write_export(out: Path, data: bytes) -> None:
    """Write an export (JSON lines, the HTML report) durably to ``out``.

    Raises:
        AuditError: ``audit.export.write_failed``.
    """
    try:
        store.write_file(out, data)
    except SecureExchangeError as exc:
        if exc.key == "fs.in_use":  # open in Excel: say so
            raise
        raise AuditError("audit.export.write_failed", path=out) from exc


def to_ocsf(event: Event) -> dict[str, object]:
    """Map an event to an OCSF 1.1 API Activity (6003) or Entity Management (3004) event."""
    entity = event.action.startswith(_ENTITY_PREFIXES)
    class_uid, category_uid = (3004, 3) if entity else (6003, 6)
    activity_id = _ACTIVITY.get(event.action.rsplit(".", 1)[-1], 99)
    status_id = {"ok": 1, "failed": 2, "refused": 2}.get(event.outcome or "", 0)
    out: dict[str, object] = {
        "class_uid": class_uid,
        "category_uid": category_uid,
        "activity_id": activity_id,
        "type_uid": class_uid * 100 + activity_id,
        "time": int(event.when.timestamp() * 1000),
        "severity_id": 1 if status_id != 2 else 3,
        "status_id": status_id,
        "status": {0: "Unknown", 1: "Success", 2: "Failure"}[status_id],
        "message": event.action,
        "metadata": {
            "version": _OCSF_VERSION,
            "product": {"name": "secure-exchange", "vendor_name": "secure-exchange"},
            "log_name": event.station,
            "sequence": event.seq,
            "uid": f"{event.station}#{event.seq}",
        },
        "actor": {"user": _ocsf_user(event.actor)},
        "api": {"operation": event.action},
        "unmapped": {
            "phase": event.phase,
            "outcome": event.outcome,
            "op": event.op,
            "package": event.package,
            "counts": dict(event.counts),
            "detail": dict(event.detail),
        },
    }
    if event.outcome in ("failed", "refused"):
        out["status_detail"] = event.detail.get("error", event.outcome)
    return out


def _ocsf_user(actor: Actor | None) -> dict[str, str]:
    if actor is None:
        return {"name": "station", "type": "System"}
    return {"name": actor.name, "uid": actor.fingerprint}

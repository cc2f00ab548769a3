"""Exporting events: JSON lines, or OCSF 1.1 events (protocols/audit-log-v1.md §7–8)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secure_exchange.audit import store
from secure_exchange.audit.events import Actor, Event
from secure_exchange.errors import AuditError, SecureExchangeError
from secure_exchange.formats.canonjson import canonical_json

__all__ = ["FORMATS", "check_format", "encode_events", "to_ocsf", "write_export"]

FORMATS = ("jsonl", "ocsf")
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
        raise ValueError("format must be jsonl or ocsf")
    return fmt


def encode_events(events: Sequence[Event], fmt: str) -> bytes:
    """One canonical JSON object per line: the event (``jsonl``) or its OCSF form."""
    convert = to_ocsf if check_format(fmt) == "ocsf" else Event.to_dict
    return b"".join(canonical_json(convert(e)) + b"\n" for e in events)


def write_export(out: Path, data: bytes) -> None:
    """Write an export (JSON lines, the HTML report) durably to ``out``.

    Raises:
        AuditError: ``audit.export.write_failed``.
    """
    try:
        store.write_file(out, data)
    except SecureExchangeError as exc:
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

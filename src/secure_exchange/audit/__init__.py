"""The access log (protocols/audit-log-v1.md, protocols/witnessing-v1.md): the audit layer's face.

Modules: ``events`` (what an event may hold), ``store`` (the files under ``SX_HOME/audit``),
``log`` (``AuditLog``: open, append, operations, checkpoints), ``witness`` (bundles across
the USB stick), ``anchors`` (the keys pinned outside ``audit/`` and the station's state the
log is checked against), ``verify`` (the verify report), ``export`` (JSON lines, OCSF,
CSV, xlsx) and ``report`` (the HTML page for compliance).
"""

from secure_exchange.audit.anchors import Anchors, PeerKey, seal_fingerprint
from secure_exchange.audit.errors import AuditUnavailableError, CheckpointError, WitnessError
from secure_exchange.audit.events import (
    Actor,
    Event,
    EventDraft,
    Operation,
    PersonalDataError,
    looks_personal,
)
from secure_exchange.audit.export import TABLE_COLUMNS
from secure_exchange.audit.log import AuditLog
from secure_exchange.audit.report import action_label, outcome_label, write_report
from secure_exchange.audit.verify import (
    AuditVerifyReport,
    CheckpointCheck,
    WitnessCheck,
    logged_statements,
)
from secure_exchange.audit.witness import WitnessResult

__all__ = [
    "TABLE_COLUMNS",
    "Actor",
    "Anchors",
    "AuditLog",
    "AuditUnavailableError",
    "AuditVerifyReport",
    "CheckpointCheck",
    "CheckpointError",
    "Event",
    "EventDraft",
    "Operation",
    "PeerKey",
    "PersonalDataError",
    "WitnessCheck",
    "WitnessError",
    "WitnessResult",
    "action_label",
    "logged_statements",
    "looks_personal",
    "outcome_label",
    "seal_fingerprint",
    "write_report",
]

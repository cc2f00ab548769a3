"""Re-identification for customer notification (用户告知): reasons, selection, the call list.

A re-identification names its reason by a code from a fixed list (``REASONS``) and may
cite a ticket, a short reference of letters, digits and dashes that cannot hold a name, an
ID number or a phone; the log records only these. Which subjects may be revealed is not
what the decisions file says but what this station's scoring approved: the file only
selects among them. Everything here is pure, over strings and Arrow tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.audit import looks_personal
from secure_exchange.errors import PackageError
from secure_exchange.i18n import t

__all__ = [
    "APPROVED_COLUMNS",
    "NOTIFY_COLUMNS",
    "REASONS",
    "ReidentifyError",
    "Selection",
    "check_listed",
    "check_reason",
    "count_unknown",
    "notification_list",
    "reason_labels",
    "reasons_text",
    "select_approved",
]

NOTIFY_COLUMNS = ("subject", "name", "phone", "community", "credit_limit_yuan", "rate_bp")
# What the scoring record keeps of each approved subject (no personal data: a pseudonym,
# its community and the scoring's own limit and rate).
APPROVED_COLUMNS = ("subject", "community", "credit_limit_yuan", "rate_bp")
# Why a bank may re-identify a customer under the programme (Annex 3 purpose: credit
# granting and notifying the customer); the labels are in the catalogue (``reid.reason.*``).
REASONS = ("notify", "complaint", "correction", "audit", "legal")
_TICKET = re.compile(r"[A-Za-z0-9-]{1,32}")
_LONG_NUMBER = 11  # a mobile's length: an all-digit ticket this long could be a phone or an ID


class ReidentifyError(PackageError):
    """A re-identification the station refuses: a bad reason or ticket, or rows it may not
    reveal."""

    outcome = "refused"


def reason_labels() -> dict[str, str]:
    """Each reason code with its label in the current language."""
    return {
        "notify": t("reid.reason.notify"),
        "complaint": t("reid.reason.complaint"),
        "correction": t("reid.reason.correction"),
        "audit": t("reid.reason.audit"),
        "legal": t("reid.reason.legal"),
    }


def reasons_text() -> str:
    """The reason codes with their labels, as one line of the current language."""
    return t("reid.reason_list_sep").join(
        t("reid.reason_item", code=code, label=label) for code, label in reason_labels().items()
    )


def check_reason(reason: str, ticket: str | None) -> tuple[str, str | None]:
    """The reason code and ticket to log, or :class:`ReidentifyError` (the value given is
    never repeated in the message: it may be exactly what must not be shown)."""
    code = reason.strip().lower()
    if code not in REASONS:
        raise ReidentifyError("reid.reason_unknown", codes=reasons_text())
    if not ticket:
        return code, None
    if not _TICKET.fullmatch(ticket) or _all_digits(ticket) or looks_personal(ticket):
        raise ReidentifyError("reid.ticket_invalid")
    return code, ticket


def _all_digits(ticket: str) -> bool:
    """A long run of digits alone (dashes aside) could be a phone or an ID number."""
    digits = ticket.replace("-", "")
    body = digits[:-1] if digits[-1:] in ("X", "x") else digits
    return len(digits) >= _LONG_NUMBER and body.isdigit()


def check_listed(subjects: pa.Array) -> None:
    """The file's subjects: none empty, none repeated."""
    if subjects.null_count or len(pc.unique(subjects)) != len(subjects):
        raise ReidentifyError("reid.bad_decisions")
    if len(subjects) and pc.any(pc.equal(pc.utf8_length(subjects), 0)).as_py():
        raise ReidentifyError("reid.bad_decisions")


@dataclass(frozen=True)
class Selection:
    """The listed subjects that the scoring approved (in the file's order), and the rest."""

    rows: pa.Table
    listed: int

    @property
    def refused(self) -> int:
        """Listed subjects the scoring did not approve (or that it never saw)."""
        return self.listed - int(self.rows.num_rows)


def select_approved(subjects: pa.Array, approved: pa.Table) -> Selection:
    """The rows of ``approved`` (``APPROVED_COLUMNS``) for the subjects listed, in order."""
    index = pc.index_in(subjects, value_set=approved.column("subject").combine_chunks())
    return Selection(approved.take(index.filter(pc.is_valid(index))), len(subjects))


def count_unknown(subjects: pa.Array, identity: pa.Table) -> int:
    """How many listed subjects the package does not hold at all."""
    known = pc.is_in(subjects, value_set=identity.column("subject").combine_chunks())
    return len(subjects) - int(pc.sum(known).as_py() or 0)


def notification_list(decisions: pa.Table, identity: pa.Table) -> pa.Table:
    """Join the approved subjects to the identity group: the branch's call list."""
    subjects = decisions.column("subject").cast(pa.string())
    if subjects.null_count or len(pc.unique(subjects)) != len(subjects):
        raise ReidentifyError("reid.bad_decisions")
    index = pc.index_in(subjects, value_set=identity.column("subject").combine_chunks())
    missing = int(pc.sum(pc.is_null(index)).as_py() or 0)
    if missing:
        raise ReidentifyError("reid.unknown_subjects", count=missing)
    picked = identity.take(index)
    return pa.table(
        {
            "subject": subjects,
            "name": picked.column("name"),
            "phone": picked.column("phone")
            if "phone" in picked.column_names
            else pa.nulls(len(picked), pa.string()),
            "community": decisions.column("community"),
            "credit_limit_yuan": decisions.column("credit_limit_yuan"),
            "rate_bp": decisions.column("rate_bp"),
        }
    )

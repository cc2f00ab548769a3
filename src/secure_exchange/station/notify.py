"""Re-identification for customer notification (用户告知): pure, over Arrow tables.

Only subjects listed in the decisions are revealed; a listed subject the package does not
hold is an error (the decisions and the package do not belong together).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.errors import PackageError

__all__ = ["NOTIFY_COLUMNS", "notification_list"]

NOTIFY_COLUMNS = ("subject", "name", "phone", "community", "credit_limit_yuan", "rate_bp")


def notification_list(decisions: pa.Table, identity: pa.Table) -> pa.Table:
    """Join the decisions' subjects to the identity group: the branch's call list."""
    subjects = decisions.column("subject").cast(pa.string())
    if subjects.null_count or len(pc.unique(subjects)) != len(subjects):
        raise PackageError("reid.bad_decisions")
    index = pc.index_in(subjects, value_set=identity.column("subject").combine_chunks())
    missing = int(pc.sum(pc.is_null(index)).as_py() or 0)
    if missing:
        raise PackageError("reid.unknown_subjects", count=missing)
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

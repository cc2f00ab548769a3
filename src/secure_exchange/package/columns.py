"""What each column group of a package may carry: the receiver's side of the profiles.

A receiver holds every group to this table before anything is decrypted (sealed-package-v1
§4.6) and to the decoded data after (§5). For the three groups that leave the village it
is protocols/pseudonymisation-v1.md §1 with the ledger's column types (what
``pseudonym.Splitter`` writes; a test keeps them equal); for ``decisions``, which the bank
seals back, the scorer's decision columns without ``source_row`` (``scoring.DECISION_SCHEMA``;
a test keeps them equal). It is kept here as data, not derived from the sender's code, so
that verification depends on neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from secure_exchange.errors import PackageError
from secure_exchange.package.manifest import GroupInfo, GroupRisk

__all__ = ["GROUP_COLUMNS", "SUBJECT", "GroupColumns", "risk_problem"]

SUBJECT = "subject"
"""The subject token column; every group carries it (it stands for the ID number)."""

_ID = "身份证号码"
# Revision 2 (issue 13): every column has a category. Annex 3 §一 lists seven "包括但不限于";
# the panel's records (codes, vetoes, notes) are 评议信息, the credit flags and decisions
# 信用信息 (``trust.CATEGORIES``); a village is part of an address, a subject type business data.
_ADDRESS, _BUSINESS, _CREDIT, _PANEL = "家庭住址", "各类经营数据", "信用信息", "评议信息"
# "element" is the Parquet-compliant name of a list's item field, so the schema recorded
# in the manifest is the one that comes back from the Parquet file.
NOTES_TYPE = pa.list_(
    pa.field(
        "element",
        pa.struct([("code", pa.string()), ("panel_date", pa.date32()), ("note", pa.string())]),
    )
)

# The 评议小组 roster (ledger-v1 revision 2), per resident, for the sittings that evaluated
# them: counts and roles (no names) for the scoring keys, the members' names with the
# identity fields.
SITTINGS_TYPE = pa.list_(
    pa.field(
        "element",
        pa.struct([("panel_date", pa.date32()), ("members", pa.int32()), ("roles", pa.string())]),
    )
)
MEMBERS_TYPE = pa.list_(
    pa.field(
        "element",
        pa.struct([("panel_date", pa.date32()), ("name", pa.string()), ("role", pa.string())]),
    )
)


@dataclass(frozen=True)
class GroupColumns:
    """The columns one group may carry, with their types and Annex 3 categories (every
    column has one), and the agreement party that sends the group. A package may carry fewer columns
    (the subject token always), never another, never of another type."""

    group: str
    sender: str
    schema: pa.Schema
    categories: Mapping[str, str]

    def type_of(self, column: str) -> pa.DataType | None:
        """The type ``column`` must have in this group, or ``None`` if it may not be here."""
        index = self.schema.get_field_index(column)
        return None if index < 0 else self.schema.field(index).type

    def conform(self, table: pa.Table) -> pa.Table:
        """``table`` with each column cast to the type this group gives it (order kept).

        Raises:
            PackageError: a column the group may not carry, or one that cannot be cast.
        """
        columns = []
        for field in table.schema:
            wanted = self.type_of(field.name)
            if wanted is None:
                raise PackageError("package.group_columns", group=self.group, column=field.name)
            try:
                columns.append(table.column(field.name).cast(wanted))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise PackageError(
                    "package.group_column_type", group=self.group, column=field.name
                ) from None
        return pa.table(columns, names=table.column_names)


def _group(group: str, sender: str, columns: list[tuple[str, pa.DataType, str]]) -> GroupColumns:
    schema = pa.schema([(SUBJECT, pa.string()), *((name, kind) for name, kind, _ in columns)])
    categories = {SUBJECT: _ID, **{name: category for name, _, category in columns}}
    return GroupColumns(group, sender, schema, categories)


_TEXT, _FLAG, _DATE = pa.string(), pa.bool_(), pa.date32()

GROUP_COLUMNS: Mapping[str, GroupColumns] = {
    "scoring": _group(
        "scoring",
        "A",
        [
            ("community", _TEXT, _ADDRESS),
            ("subject_type", _TEXT, _BUSINESS),
            ("full_civil_capacity", _FLAG, _CREDIT),
            ("fixed_residence", _FLAG, _CREDIT),
            ("fixed_income", _FLAG, _CREDIT),
            ("major_bad_credit", _FLAG, _CREDIT),
            # The age facts (scoring.age_facts), derived from the ID number's birth date;
            # since sx-package-v2 they replace the birth date, and sex is not sent at all.
            ("age_status", _TEXT, _ID),
            ("age_from", _DATE, _ID),
            ("age_until", _DATE, _ID),
            ("age_window", _TEXT, _ID),
            ("panel_sittings", SITTINGS_TYPE, _PANEL),
        ],
    ),
    "evaluations": _group(
        "evaluations",
        "A",
        [
            ("code", _TEXT, _PANEL),
            ("level", _TEXT, _PANEL),
            ("points", pa.int32(), _PANEL),
        ],
    ),
    "identity": _group(
        "identity",
        "A",
        [
            ("id_number", _TEXT, _ID),
            ("name", _TEXT, "居民姓名"),
            ("phone", _TEXT, "电话号码"),
            ("address", _TEXT, "家庭住址"),
            ("household_id", _TEXT, "家庭关系"),
            ("relation", _TEXT, "家庭关系"),
            ("real_estate", _TEXT, "不动产"),
            ("business_data", _TEXT, "各类经营数据"),
            ("evaluation_notes", NOTES_TYPE, _PANEL),
            ("panel_members", MEMBERS_TYPE, _PANEL),
        ],
    ),
    "decisions": _group(
        "decisions",
        "B",
        [
            ("community", _TEXT, _ADDRESS),
            ("subject_type", _TEXT, _BUSINESS),
            ("status", _TEXT, _CREDIT),
            ("base_points", pa.int32(), _CREDIT),
            ("bonus_points", pa.int32(), _CREDIT),
            ("deduction_points", pa.int32(), _CREDIT),
            ("total_points", pa.int32(), _CREDIT),
            ("initial_limit_yuan", pa.int64(), _CREDIT),
            ("credit_limit_yuan", pa.int64(), _CREDIT),
            ("rate_bp", pa.int32(), _CREDIT),
            ("reasons", _TEXT, _CREDIT),
            ("policy", _TEXT, _CREDIT),
            ("as_of", _DATE, _CREDIT),
            ("panel", _TEXT, _PANEL),
        ],
    ),
}
"""Every group a package may carry, by name."""


def risk_problem(group: GroupInfo, risk: GroupRisk | None, limit: int | None) -> str | None:
    """What is wrong with a group's risk record, as a message key (``None``: nothing).

    A record must describe the group as declared: its rows, every column but ``subject`` as
    a quasi-identifier, counts that fit; a group the agreement limits must carry one, at or
    below the limit (basis points of rows unique).
    """
    if risk is None:
        return None if limit is None else "package.risk_missing"
    columns = tuple(f.name for f in group.schema if f.name != SUBJECT)
    if (
        risk.quasi_identifiers != columns
        or risk.rows != group.rows
        or risk.unique > risk.rows
        or risk.smallest_class > risk.rows
        or (risk.rows > 0) != (risk.smallest_class > 0)
        or (risk.smallest_class == 1) != (risk.unique > 0)
    ):
        return "package.risk_malformed"
    if limit is not None and risk.unique_bp > limit:
        return "package.risk_too_high"
    return None

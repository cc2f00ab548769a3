"""What a package may carry and for how long, beyond its agreement's own terms.

``check_columns`` holds every group to the pseudonymisation profile (protocols/
pseudonymisation-v1.md §1, sealed-package-v1 §4.6): the manifest may declare only the
columns, of the types, that the profile gives the group, and only the party the profile
names may send it; ``check_lifetime`` keeps ``expires`` within the agreement and within a
year of ``created`` (§4.7). Both run before any byte is decrypted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta

import pyarrow as pa

from secure_exchange.errors import PackageError, VerificationError
from secure_exchange.formats.canonjson import utc_timestamp
from secure_exchange.package.columns import GROUP_COLUMNS, SUBJECT, GroupColumns
from secure_exchange.package.layout import CLOCK_SKEW, MAX_LIFETIME
from secure_exchange.package.manifest import GroupInfo, Manifest
from secure_exchange.trust import Agreement

__all__ = [
    "check_columns",
    "check_lifetime",
    "check_schemas",
    "column_categories",
    "rule_of",
    "undeclared_categories",
    "unlisted_categories",
]


def _shown(name: str) -> str:
    """A column name as a message shows it: short, since the sender chose it."""
    return name if len(name) <= 40 else name[:39] + "…"


def rule_of(group: str) -> GroupColumns | None:
    """What ``group`` may carry, if it is a group packages carry at all."""
    return GROUP_COLUMNS.get(group)


def check_columns(manifest: Manifest) -> None:
    """Refuse a group the profile does not know, sent by the wrong party, or declaring a
    column it may not carry, of another type, twice, or lacking the subject token.

    Raises:
        VerificationError: check ``scope``.
    """
    for group in manifest.groups:
        rule = rule_of(group.name)
        if rule is None:
            raise VerificationError("scope", "verify.group_unknown", group=group.name)
        if manifest.sender.party != rule.sender:
            raise VerificationError(
                "scope", "verify.group_sender", group=group.name, party=manifest.sender.party
            )
        _check_fields(group, rule)


def _check_fields(group: GroupInfo, rule: GroupColumns) -> None:
    names = [f.name for f in group.schema]
    if SUBJECT not in names:
        raise VerificationError("scope", "verify.group_subject", group=group.name)
    seen: set[str] = set()
    for field in group.schema:
        wanted = rule.type_of(field.name)
        if wanted is None or field.name in seen or field.type != str(wanted):
            raise VerificationError(
                "scope", "verify.group_columns", group=group.name, column=_shown(field.name)
            )
        seen.add(field.name)


def check_schemas(rules: Mapping[str, pa.Schema], party: str) -> None:
    """Refuse, before a package is written, groups the receiver would refuse (§4.6).

    Raises:
        PackageError: a group the profile does not know or that ``party`` may not send,
            or a column of a group that it may not carry or not of that type.
    """
    for name, schema in rules.items():
        rule = rule_of(name)
        if rule is None or rule.sender != party:
            raise PackageError("package.group_not_allowed", group=name, party=party)
        if SUBJECT not in schema.names:
            raise PackageError("package.group_columns", group=name, column=SUBJECT)
        for field in schema:
            if rule.type_of(field.name) != field.type:
                raise PackageError("package.group_columns", group=name, column=_shown(field.name))


def undeclared_categories(group: GroupInfo, table: pa.Table) -> list[str]:
    """Annex 3 categories that columns of ``table`` carry data for but ``group`` does not
    declare (§5)."""
    rule = rule_of(group.name)
    if rule is None:
        return []
    carried = {
        rule.categories.get(name, "")
        for name in table.column_names
        if table.column(name).null_count < table.num_rows
    }
    return sorted(c for c in carried - set(group.categories) if c)


def column_categories(group: str, columns: Iterable[str]) -> set[str]:
    """The Annex 3 categories that ``columns`` of ``group`` carry (every column has one)."""
    rule = rule_of(group)
    if rule is None:
        return set()
    return {c for name in columns if (c := rule.categories.get(name, ""))}


def unlisted_categories(
    agreement: Agreement, columns: Mapping[str, Iterable[str]]
) -> list[tuple[str, str]]:
    """(column, category) of every column, group by group, whose category ``agreement`` does
    not list (§4.6, revision 2): such a column may not travel under it at all."""
    allowed = set(agreement.categories)
    found = []
    for group, names in columns.items():
        rule = rule_of(group)
        for name in names:
            category = rule.categories.get(name, "") if rule is not None else ""
            if category and category not in allowed:
                found.append((name, category))
    return found


def check_lifetime(manifest: Manifest, agreement: Agreement, now: datetime) -> None:
    """Refuse a package sealed in the future, expiring before it was sealed, more than
    ``MAX_LIFETIME`` after it, or after the agreement's last day (§4.7): a sender cannot
    make a package importable for longer than the agreement runs, nor for years.

    Raises:
        VerificationError: check ``expiry``.
    """
    if manifest.created > now + CLOCK_SKEW:
        raise VerificationError(
            "expiry", "verify.created_in_future", created=utc_timestamp(manifest.created)
        )
    end = datetime.combine(agreement.valid_until + timedelta(days=1), time(), UTC)
    if manifest.expires > end:
        raise VerificationError(
            "expiry",
            "verify.expires_after_agreement",
            expires=utc_timestamp(manifest.expires),
            end=agreement.valid_until.isoformat(),
        )
    if not manifest.created <= manifest.expires <= manifest.created + MAX_LIFETIME:
        raise VerificationError(
            "expiry", "verify.expires_absurd", expires=utc_timestamp(manifest.expires)
        )

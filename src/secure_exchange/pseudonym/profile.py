"""Pseudonymisation profiles: for every ledger column its Annex 3 category and its group.

The built-in profile is ``profiles/ledger-v2.toml`` (mirrored byte for byte in
``protocols/profiles/``; ``ledger-v1.toml``, which sent the exact birth date and sex, is
kept for reference); see protocols/pseudonymisation-v1.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["GROUPS", "ColumnRule", "Profile", "category_of", "load_profile"]

GROUPS = ("scoring", "evaluations", "identity")
"""The column groups that leave the village, each a table of the package."""


@dataclass(frozen=True)
class ColumnRule:
    """What happens to one ledger column."""

    table: str
    column: str
    group: str
    category: str


@dataclass(frozen=True)
class Profile:
    """A pseudonymisation profile: one rule per column of each ledger table."""

    name: str
    rules: tuple[ColumnRule, ...]

    def columns(self, table: str, group: str) -> list[str]:
        """Columns of ``table`` that go to ``group``, in profile order."""
        return [r.column for r in self.rules if r.table == table and r.group == group]

    def rule(self, table: str, column: str) -> ColumnRule:
        """The rule for one column (KeyError for a column the profile does not know)."""
        for rule in self.rules:
            if rule.table == table and rule.column == column:
                return rule
        raise KeyError(f"{table}.{column}")


def load_profile(name: str = "ledger-v2") -> Profile:
    """Load a built-in profile."""
    folder = resources.files("secure_exchange.pseudonym.profiles")
    text = folder.joinpath(f"{name}.toml").read_text("utf-8")
    doc = tomllib.loads(text)
    rules = []
    for table in ("residents", "evaluations", "panel"):
        for column, spec in doc.get(table, {}).items():
            if spec["group"] not in (*GROUPS, "subject", "drop"):
                raise ValueError(f"profile {name}: bad group for {table}.{column}")
            category = spec["category"] or category_of(doc, table, column)
            rules.append(ColumnRule(table, column, spec["group"], category))
    return Profile(str(doc["profile"]), tuple(rules))


def category_of(doc: Mapping[str, Any], table: str, column: str) -> str:
    """The revision 2 category of a column whose own line names none: the profile's
    ``[categories.<table>]`` entry for it, else that table's ``"*"`` entry, else ""."""
    extra = doc.get("categories", {}).get(table, {})
    return str(extra.get(column, extra.get("*", "")))

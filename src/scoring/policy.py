"""Scoring policies: the Annex 2 rules as a strictly validated TOML file.

A policy encodes every item code and every default of ledger-v1.md "Scoring rules"
(base item, items, counting, statuses, limit, rate, LPR table). Its identity is its
``id`` plus the SHA-256 of the file bytes: ``Policy.ref`` = ``"<id>@sha256:<hex>"``.
Built-in policies live in ``scoring/policies/<id>.toml``. Any offence against the schema
raises ``PolicyError`` naming the file and the line of the offending key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from scoring._policy_schema import Checker, Table, parse_document
from scoring.errors import PolicyError

__all__ = [
    "BUILTIN_POLICY",
    "BaseRule",
    "Condition",
    "Item",
    "ItemKind",
    "LimitRule",
    "LprEntry",
    "Policy",
    "RateRule",
    "load_policy",
    "parse_policy",
]

BUILTIN_POLICY = "jinxiang-2022"
ItemKind = Literal["levelled", "fixed", "panel", "veto"]
_BUILTIN_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


@dataclass(frozen=True)
class Item:
    """One Annex 2 item: a bonus, a deduction or a veto, with its points."""

    code: str
    name: str
    kind: ItemKind
    sign: int
    levels: Mapping[str, int]
    points: int | None
    points_range: tuple[int, int] | None
    counting: str = "once"


@dataclass(frozen=True)
class Condition:
    """A base condition: ``column`` must equal ``required``, else ``reason``."""

    column: str
    required: bool
    reason: str
    name: str


@dataclass(frozen=True)
class BaseRule:
    """The base item (基础项): age range, conditions, points, the declined threshold."""

    name: str
    points: int
    min_age: int
    max_age: int
    age_reason: str
    declined_at_or_below: int
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class LimitRule:
    """Points to yuan, caps by subject type and the online ceiling (whole yuan).

    ``caps_apply_to`` names the lines the type caps bound: ``initial`` (revision 2) and,
    in the revision-1 reading, ``credit`` too.
    """

    yuan_per_point: int
    online_ceiling_yuan: int
    caps: Mapping[str, int]
    caps_apply_to: frozenset[str] = frozenset({"initial"})
    exception_ceiling_yuan: int = 0


@dataclass(frozen=True)
class LprEntry:
    """One-year LPR in basis points, in force from ``date``."""

    date: date
    bp: int


@dataclass(frozen=True)
class RateRule:
    """Ceiling, step per full bonus band, floor and the LPR table (ascending dates)."""

    ceiling_bp: int
    step_bp: int
    step_points: int
    floor: Literal["lpr"]
    stale_after_days: int
    lpr: tuple[LprEntry, ...]


@dataclass(frozen=True)
class Policy:
    """A loaded, validated scoring policy."""

    id: str
    name: str
    sha256: str
    source: str
    revision: int
    levels: tuple[str, ...]
    level_above: Literal["highest", "refuse"]
    level_below: Literal["zero", "refuse"]
    statuses: tuple[str, ...]
    base: BaseRule
    counting: Mapping[str, str]
    limit: LimitRule
    rate: RateRule
    items: tuple[Item, ...]

    @property
    def ref(self) -> str:
        """``"<id>@sha256:<hex>"``, carried in every decision."""
        return f"{self.id}@sha256:{self.sha256}"

    @property
    def label(self) -> str:
        """``"<id> r<revision>"``: the policy and its revision, as reports name it."""
        return f"{self.id} r{self.revision}"

    @property
    def codes(self) -> tuple[str, ...]:
        """Item codes in policy order."""
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> Item | None:
        """The item with this code, or ``None``."""
        for item in self.items:
            if item.code == code:
                return item
        return None


def load_policy(id_or_path: str | Path = BUILTIN_POLICY) -> Policy:
    """Load a built-in policy by id, or a policy file by path.

    Args:
        id_or_path: a built-in id such as ``"jinxiang-2022"``, or a path to a TOML file
            (a ``Path``, or a string containing a path separator or ending in ``.toml``).

    Raises:
        PolicyError: the policy is missing or invalid (file and line named).
    """
    if (
        isinstance(id_or_path, str)
        and _BUILTIN_ID.match(id_or_path)
        and not (id_or_path.endswith(".toml"))
    ):
        resource = resources.files("scoring") / "policies" / f"{id_or_path}.toml"
        if not resource.is_file():
            raise PolicyError("score.policy.not_found", path=id_or_path, name=id_or_path)
        return parse_policy(resource.read_bytes(), source=f"{id_or_path}.toml")
    path = Path(id_or_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError("score.policy.not_found", path=str(path), name=str(path)) from exc
    return parse_policy(data, source=str(path))


def parse_policy(data: bytes, source: str = "<policy>") -> Policy:
    """Validate policy file bytes; ``source`` names the file in error messages."""
    doc, check = parse_document(data, source)
    check.keys(
        doc,
        (),
        required=(
            "id",
            "name",
            "format",
            "revision",
            "levels",
            "level_above",
            "level_below",
            "statuses",
            "base",
            "counting",
            "limit",
            "rate",
            "items",
        ),
    )
    check.integer(doc, (), "format", low=1, high=1)
    levels = _levels(check, doc)
    counting = _counting(check, check.table(doc, (), "counting"))
    return Policy(
        id=check.identifier(doc, (), "id"),
        name=check.text(doc, (), "name"),
        sha256=hashlib.sha256(data).hexdigest(),
        source=source,
        revision=check.integer(doc, (), "revision", low=1),
        levels=levels,
        level_above="highest"
        if check.choice(doc, (), "level_above", _ABOVE) == "highest"
        else "refuse",
        level_below="zero" if check.choice(doc, (), "level_below", _BELOW) == "zero" else "refuse",
        statuses=_statuses(check, doc),
        base=_base(check, check.table(doc, (), "base")),
        counting=counting,
        limit=_limit(check, check.table(doc, (), "limit")),
        rate=_rate(check, check.table(doc, (), "rate")),
        items=_items(check, doc, levels, counting),
    )


_ABOVE = ("highest", "refuse")
_BELOW = ("zero", "refuse")
_LINES = ("initial", "credit")


def _levels(check: Checker, doc: Table) -> tuple[str, ...]:
    levels = check.string_list(doc, (), "levels")
    if not levels or len(set(levels)) != len(levels):
        raise check.bad_value(("levels",), "levels", "empty or repeated")
    return levels


def _statuses(check: Checker, doc: Table) -> tuple[str, ...]:
    statuses = check.string_list(doc, (), "statuses")
    expected = {"vetoed", "ineligible", "declined", "approved"}
    if set(statuses) != expected or len(statuses) != 4 or statuses[-1] != "approved":
        raise check.bad_value(
            ("statuses",), "statuses", "vetoed/ineligible/declined once each, approved last"
        )
    return statuses


_CONDITION_COLUMNS = ("full_civil_capacity", "fixed_residence", "fixed_income", "major_bad_credit")


def _base(check: Checker, base: Table) -> BaseRule:
    loc = ("base",)
    check.keys(
        base,
        loc,
        required=(
            "name",
            "points",
            "min_age",
            "max_age",
            "age_reason",
            "declined_at_or_below",
            "conditions",
        ),
    )
    min_age = check.integer(base, loc, "min_age", low=0, high=150)
    max_age = check.integer(base, loc, "max_age", low=min_age, high=150)
    raw = check.table_list(base, loc, "conditions")
    conditions = tuple(_condition(check, row, (*loc, "conditions", i)) for i, row in enumerate(raw))
    reasons = [c.reason for c in conditions] + [check.reason(base, loc, "age_reason")]
    if len(set(reasons)) != len(reasons) or len({c.column for c in conditions}) != len(raw):
        raise check.bad_value((*loc, "conditions"), "conditions", "repeated column or reason")
    return BaseRule(
        name=check.text(base, loc, "name"),
        points=check.integer(base, loc, "points", low=1),
        min_age=min_age,
        max_age=max_age,
        age_reason=check.reason(base, loc, "age_reason"),
        declined_at_or_below=check.integer(base, loc, "declined_at_or_below"),
        conditions=conditions,
    )


def _condition(check: Checker, row: Table, loc: tuple[str | int, ...]) -> Condition:
    check.keys(row, loc, required=("column", "required", "reason", "name"))
    column = check.choice(row, loc, "column", _CONDITION_COLUMNS)
    return Condition(
        column=column,
        required=check.boolean(row, loc, "required"),
        reason=check.reason(row, loc, "reason"),
        name=check.text(row, loc, "name"),
    )


def _counting(check: Checker, counting: Table) -> Mapping[str, str]:
    loc = ("counting",)
    kinds = ("levelled", "fixed", "panel")
    check.keys(counting, loc, required=kinds)
    rules = {k: check.choice(counting, loc, k, ("once", "each_record")) for k in kinds}
    return MappingProxyType(rules)


def _limit(check: Checker, limit: Table) -> LimitRule:
    loc = ("limit",)
    check.keys(
        limit,
        loc,
        required=(
            "yuan_per_point",
            "online_ceiling_yuan",
            "exception_ceiling_yuan",
            "caps_apply_to",
            "caps",
        ),
    )
    online = check.integer(limit, loc, "online_ceiling_yuan", low=1)
    applies = check.string_list(limit, loc, "caps_apply_to")
    if not set(applies) <= set(_LINES) or "initial" not in applies:
        raise check.bad_value(
            (*loc, "caps_apply_to"), "caps_apply_to", '["initial"] or ["initial", "credit"]'
        )
    caps_table = check.table(limit, loc, "caps")
    if not caps_table:
        raise check.bad_value((*loc, "caps"), "caps", "no subject type")
    caps = {str(k): check.integer(caps_table, (*loc, "caps"), str(k), low=1) for k in caps_table}
    return LimitRule(
        yuan_per_point=check.integer(limit, loc, "yuan_per_point", low=1),
        online_ceiling_yuan=online,
        caps=MappingProxyType(caps),
        exception_ceiling_yuan=check.integer(limit, loc, "exception_ceiling_yuan", low=online),
        caps_apply_to=frozenset(applies),
    )


def _rate(check: Checker, rate: Table) -> RateRule:
    loc = ("rate",)
    check.keys(
        rate,
        loc,
        required=("ceiling_bp", "step_bp", "step_points", "floor", "lpr_stale_after_days", "lpr"),
    )
    check.choice(rate, loc, "floor", ("lpr",))
    return RateRule(
        ceiling_bp=check.integer(rate, loc, "ceiling_bp", low=1, high=10_000),
        step_bp=check.integer(rate, loc, "step_bp", low=1, high=10_000),
        step_points=check.integer(rate, loc, "step_points", low=1),
        floor="lpr",
        stale_after_days=check.integer(rate, loc, "lpr_stale_after_days", low=1),
        lpr=_lpr_table(check, rate),
    )


def _lpr_table(check: Checker, rate: Table) -> tuple[LprEntry, ...]:
    rows = check.table_list(rate, ("rate",), "lpr")
    entries: list[LprEntry] = []
    for i, row in enumerate(rows):
        loc = ("rate", "lpr", i)
        check.keys(row, loc, required=("date", "bp"))
        day = check.date(row, loc, "date")
        if entries and day <= entries[-1].date:
            raise PolicyError(
                "score.policy.lpr_order",
                path=check.source,
                line=check.line((*loc, "date")),
                date=day.isoformat(),
            )
        entries.append(LprEntry(date=day, bp=check.integer(row, loc, "bp", low=1, high=10_000)))
    if not entries:
        raise check.bad_value(("rate", "lpr"), "lpr", "empty table")
    return tuple(entries)


def _items(
    check: Checker, doc: Table, levels: tuple[str, ...], counting: Mapping[str, str]
) -> tuple[Item, ...]:
    rows = check.table_list(doc, (), "items")
    if not rows:
        raise check.bad_value(("items",), "items", "no item")
    items: list[Item] = []
    for i, row in enumerate(rows):
        item = _item(check, row, ("items", i), levels, counting)
        if any(other.code == item.code for other in items):
            raise PolicyError(
                "score.policy.duplicate_code",
                path=check.source,
                line=check.line(("items", i, "code")),
                code=item.code,
            )
        items.append(item)
    return tuple(items)


_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "levelled": ("code", "name", "kind", "sign", "levels"),
    "fixed": ("code", "name", "kind", "sign", "points"),
    "panel": ("code", "name", "kind", "sign", "points_range"),
    "veto": ("code", "name", "kind"),
}


def _item(
    check: Checker,
    row: Table,
    loc: tuple[str | int, ...],
    levels: tuple[str, ...],
    counting: Mapping[str, str],
) -> Item:
    kind = check.choice(row, loc, "kind", tuple(_KIND_KEYS))
    counted = counting.get(kind, "once")
    if "counting" in row and kind != "veto":
        counted = check.choice(row, loc, "counting", ("once", "each_record"))
    row = {k: v for k, v in row.items() if k != "counting" or kind == "veto"}
    code = check.reason(row, loc, "code")
    if kind == "levelled" and "levels" not in row:
        raise PolicyError(
            "score.policy.missing_levels",
            path=check.source,
            line=check.line((*loc, "code")),
            code=code,
        )
    check.keys(row, loc, required=_KIND_KEYS[kind])
    sign = 1
    if kind != "veto":
        sign = check.integer(row, loc, "sign", low=-1, high=1)
        if sign == 0:
            raise check.bad_value((*loc, "sign"), "sign", "1 (bonus) or -1 (deduction)")
    return Item(
        code=code,
        name=check.text(row, loc, "name"),
        kind=_kind(kind),
        sign=sign,
        levels=_item_levels(check, row, loc, code, levels)
        if kind == "levelled"
        else MappingProxyType({}),
        points=check.integer(row, loc, "points", low=1) if kind == "fixed" else None,
        points_range=_points_range(check, row, loc) if kind == "panel" else None,
        counting=counted,
    )


def _kind(kind: str) -> ItemKind:
    if kind == "levelled":
        return "levelled"
    if kind == "fixed":
        return "fixed"
    return "panel" if kind == "panel" else "veto"


def _item_levels(
    check: Checker, row: Table, loc: tuple[str | int, ...], code: str, levels: tuple[str, ...]
) -> Mapping[str, int]:
    table = check.table(row, loc, "levels")
    if not table:
        raise PolicyError(
            "score.policy.missing_levels",
            path=check.source,
            line=check.line((*loc, "levels")),
            code=code,
        )
    for name in table:
        if name not in levels:
            raise PolicyError(
                "score.policy.unknown_level",
                path=check.source,
                line=check.line((*loc, "levels", name)),
                code=code,
                level=name,
            )
    ordered = sorted(table, key=levels.index)
    points = [check.integer(table, (*loc, "levels"), name, low=1) for name in ordered]
    if any(b <= a for a, b in pairwise(points)):
        raise check.bad_value((*loc, "levels"), f"{code}.levels", "points must rise with the level")
    return MappingProxyType(dict(zip(ordered, points, strict=True)))


def _points_range(check: Checker, row: Table, loc: tuple[str | int, ...]) -> tuple[int, int]:
    values = row.get("points_range")
    if (
        not isinstance(values, list)
        or len(values) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise check.bad_type((*loc, "points_range"), "points_range", "[low, high]")
    low, high = int(values[0]), int(values[1])
    if not 1 <= low <= high:
        raise check.bad_value((*loc, "points_range"), "points_range", "need 1 <= low <= high")
    return (low, high)

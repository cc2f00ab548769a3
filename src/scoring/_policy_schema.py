"""Typed accessors for a parsed policy document that fail with ``PolicyError`` + line.

``tomllib`` reports no line numbers for values, so ``Checker.line`` finds the line of a
key path (``("items", 3, "levels", "县级")``) by scanning the text for table headers,
``[[array]]`` headers, keys and inline-table braces: good enough to point an officer at
the offending line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date

from scoring.errors import PolicyError

__all__ = ["Checker", "Loc", "Table", "parse_document"]

Table = dict[str, object]
Loc = tuple[str | int, ...]
_REASON = re.compile(r"^[A-Z][A-Z0-9_.]*$")
_IDENT = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_LINE = re.compile(r"at line (\d+)")


def parse_document(data: bytes, source: str) -> tuple[Table, Checker]:
    """Parse TOML bytes; syntax errors become ``PolicyError`` with the parser's line."""
    try:
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise PolicyError("score.policy.syntax", path=source, line=0, detail="not UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        found = _LINE.search(str(exc))
        raise PolicyError(
            "score.policy.syntax",
            path=source,
            line=int(found.group(1)) if found else 0,
            detail=str(exc).split(" (at line")[0],
        ) from exc
    return doc, Checker(source, text)


class Checker:
    """Validates values of one document; every failure names ``source`` and a line."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self._lines = text.splitlines()

    # -- locating -----------------------------------------------------------------
    def line(self, loc: Loc) -> int:
        """1-based line of the key path ``loc`` (best effort; 0 when not found)."""
        pos = 0
        for i, part in enumerate(loc):
            if isinstance(part, int):
                parent = str(loc[i - 1]) if i else ""
                pos = self._nth_element(pos, parent, part)
            else:
                found = self._find_key(pos, part)
                if found is None:
                    return pos + 1 if i else 0
                pos = found
        return pos + 1

    def _find_key(self, start: int, key: str) -> int | None:
        name = rf'(?:"{re.escape(key)}"|\'{re.escape(key)}\'|{re.escape(key)})'
        header = re.compile(rf"^\s*\[\[?\s*(?:[^\]]*\.)?{name}\s*\]\]?\s*(#.*)?$")
        assign = re.compile(rf"(?:^|[{{,])\s*{name}\s*=")
        for n in range(start, len(self._lines)):
            if header.match(self._lines[n]) or assign.search(self._lines[n]):
                return n
        return None

    def _nth_element(self, start: int, parent: str, index: int) -> int:
        header = re.compile(rf"^\s*\[\[\s*(?:[^\]]*\.)?{re.escape(parent)}\s*\]\]")
        hits = [n for n in range(start, len(self._lines)) if header.match(self._lines[n])]
        if not hits:
            hits = [n for n in range(start, len(self._lines)) if "{" in self._lines[n]]
        return hits[index] if index < len(hits) else start

    # -- failures -----------------------------------------------------------------
    def bad_value(self, loc: Loc, name: str, detail: str) -> PolicyError:
        """A ``score.policy.bad_value`` error at ``loc``."""
        return PolicyError(
            "score.policy.bad_value",
            path=self.source,
            line=self.line(loc),
            name=name,
            detail=detail,
        )

    def bad_type(self, loc: Loc, name: str, expected: str) -> PolicyError:
        """A ``score.policy.bad_type`` error at ``loc``."""
        return PolicyError(
            "score.policy.bad_type",
            path=self.source,
            line=self.line(loc),
            name=name,
            expected=expected,
        )

    def keys(self, table: Table, loc: Loc, *, required: Sequence[str]) -> None:
        """Refuse unknown keys and missing required keys (all listed keys are required)."""
        where = ".".join(str(p) for p in loc) or "(top)"
        for key in table:
            if key not in required:
                raise PolicyError(
                    "score.policy.unknown_key",
                    path=self.source,
                    line=self.line((*loc, key)),
                    name=key,
                    where=where,
                )
        for key in required:
            if key not in table:
                raise PolicyError(
                    "score.policy.missing_key",
                    path=self.source,
                    line=self.line(loc) if loc else 0,
                    name=key,
                    where=where,
                )

    # -- typed getters --------------------------------------------------------------
    def integer(
        self, table: Table, loc: Loc, key: str, *, low: int | None = None, high: int | None = None
    ) -> int:
        """An integer (not a bool) within ``[low, high]``."""
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.bad_type((*loc, key), key, "an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{'' if low is None else low}..{'' if high is None else high}"
            raise self.bad_value((*loc, key), key, f"{value} is outside {bounds}")
        return value

    def text(self, table: Table, loc: Loc, key: str) -> str:
        """A non-empty string."""
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.bad_type((*loc, key), key, "a non-empty string")
        return value

    def reason(self, table: Table, loc: Loc, key: str) -> str:
        """A code usable in reasons: upper-case letters, digits, ``_`` and ``.``."""
        value = self.text(table, loc, key)
        if not _REASON.match(value):
            raise self.bad_value((*loc, key), key, f"{value!r} is not like B5.1 or E_AGE")
        return value

    def identifier(self, table: Table, loc: Loc, key: str) -> str:
        """A policy id: lower-case letters, digits, ``-`` and ``.``."""
        value = self.text(table, loc, key)
        if not _IDENT.match(value):
            raise self.bad_value((*loc, key), key, f"{value!r} is not like jinxiang-2022")
        return value

    def boolean(self, table: Table, loc: Loc, key: str) -> bool:
        """A boolean."""
        value = table.get(key)
        if not isinstance(value, bool):
            raise self.bad_type((*loc, key), key, "true or false")
        return value

    def date(self, table: Table, loc: Loc, key: str) -> date:
        """A TOML local date (``2022-01-20``)."""
        value = table.get(key)
        if not isinstance(value, date) or type(value).__name__ != "date":
            raise self.bad_type((*loc, key), key, "a date such as 2022-01-20")
        return value

    def choice(self, table: Table, loc: Loc, key: str, allowed: Sequence[str]) -> str:
        """A string among ``allowed``."""
        value = self.text(table, loc, key)
        if value not in allowed:
            raise self.bad_value((*loc, key), key, f"{value!r} is not one of {list(allowed)}")
        return value

    def table(self, table: Table, loc: Loc, key: str) -> Table:
        """A sub-table."""
        value = table.get(key)
        if not isinstance(value, dict):
            raise self.bad_type((*loc, key), key, "a table")
        return {str(k): v for k, v in value.items()}

    def table_list(self, table: Table, loc: Loc, key: str) -> list[Table]:
        """An array of tables."""
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.bad_type((*loc, key), key, "an array of tables")
        return [{str(k): v for k, v in row.items()} for row in value]

    def string_list(self, table: Table, loc: Loc, key: str) -> tuple[str, ...]:
        """An array of non-empty strings."""
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.bad_type((*loc, key), key, "an array of strings")
        return tuple(str(v) for v in value)

"""Canonical JSON and UTC timestamps: the bytes that get hashed and signed, read back strictly.

One copy of each, for every signed document (agreements, manifests, media labels, log
events). ``loads`` refuses what a lenient parser would accept silently: duplicate keys
(two readers could see two different documents), nesting deeper than ``MAX_DEPTH``,
non-finite numbers, and integers too long to be a count.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from secure_exchange.formats.errors import FormatError

__all__ = [
    "MAX_DEPTH",
    "JsonError",
    "as_list",
    "as_obj",
    "canonical_json",
    "loads",
    "parse_utc_timestamp",
    "utc_timestamp",
]

MAX_DEPTH = 32
_MAX_INT_DIGITS = 30
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(FormatError):
    """A JSON document is malformed, ambiguous or too deep."""


def canonical_json(value: object) -> bytes:
    """Sorted keys, compact separators, UTF-8: the bytes that are hashed and signed."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise JsonError("json.duplicate_key", key=key[:64])
        obj[key] = value
    return obj


def _no_constant(name: str) -> object:
    raise JsonError("json.not_finite", value=name)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise JsonError("json.number_too_long")
    return int(text)


def _depth_ok(text: str) -> bool:
    """True if brackets outside strings never nest deeper than ``MAX_DEPTH``."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return True  # too few brackets to nest that deep: the common case, decided fast
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return False
    return True


def loads(data: bytes | str) -> Any:
    """Parse one JSON document strictly (UTF-8), raising :class:`JsonError` on any fault."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise JsonError("json.not_utf8") from None
    if not _depth_ok(text):
        raise JsonError("json.too_deep", limit=MAX_DEPTH)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except JsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonError("json.malformed", error=type(exc).__name__) from None


def as_obj(value: object) -> dict[str, Any]:
    """``value`` as a JSON object, else TypeError."""
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


def as_list(value: object) -> list[Any]:
    """``value`` as a JSON array, else TypeError."""
    if not isinstance(value, list):
        raise TypeError("expected a JSON array")
    return value


def utc_timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, the one format we sign."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime(_TIME_FORMAT)


def parse_utc_timestamp(text: str) -> datetime:
    """Read a :func:`utc_timestamp` back; ``ValueError`` if it is not exactly that form."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)

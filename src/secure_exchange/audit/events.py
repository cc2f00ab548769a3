"""Log events and their checks (protocols/audit-log-v1.md §1–2).

An event holds only tokens, package ids, counts, key names, actions, outcomes and message
keys: every string is checked against the personal-data guard before it can reach the log.
The guard reads a value the way a person would: full-width and other digits as digits,
invisible characters dropped, digits joined across the spaces and dashes typed between
them; then no ID-number-like run (17 digits and a digit or X) and no mobile-like run may
remain, even glued to letters. Detail values are codes (printable ASCII) except under the
few keys that name what the parties chose (an agreement, a file, a folder, an organisation);
a name or an address has nowhere to go. A refusal is a :class:`PersonalDataError`: a plain
message, never an internal error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from secure_exchange.errors import AuditError, SecureExchangeError
from secure_exchange.formats.canonjson import as_obj, canonical_json

__all__ = [
    "OUTCOMES",
    "PHASES",
    "Actor",
    "Event",
    "EventDraft",
    "Operation",
    "PersonalDataError",
    "check_no_personal_data",
    "error_outcome",
    "format_time",
    "looks_personal",
]

PHASES = ("begin", "end", "event")
OUTCOMES = ("ok", "failed", "refused")
_ACTION = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
# Digits inside a longer letters-and-digits token (a hash, a key fingerprint) are not
# personal data; a run standing on its own, or among Chinese text, is. This lenient form
# checks what only software writes (actors, digests) and every record read back.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
# The strict form, for everything else written: letters beside the run are no excuse.
_ID_RUN = re.compile(r"[0-9]{17}[0-9Xx]")
_MOBILE_RUN = re.compile(r"1[3-9][0-9]{9}")
# What people type between digits (after NFKC): spaces, dashes, dots, slashes, commas.
_BETWEEN_DIGITS = re.compile(
    r"(?<=[0-9])[\s\-\u2010-\u2015\u2212_./\\,\u3001\u00b7\u30fb]+(?=[0-9Xx])"
)
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789")
# Detail keys that hold what the parties chose, in any script (an agreement's number, a
# file or folder name, an organisation, a key name filter); every other value is a code.
TEXT_KEYS = frozenset({"agreement", "number", "file", "folder", "peer", "actor"})
# Detail keys (last dotted or underscored part) that hold digests, roots and ids, and the
# shape of a digest or id in any other code (hex with a letter in it, or a UUID): the
# digits inside are not data, as long as nothing stands around them.
_DIGEST_KEYS = frozenset(
    {"sha256", "root", "media", "policy", "digest", "fingerprint", "volume", "replaced"}
)
_DIGEST_VALUE = re.compile(
    r"(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{16,128}|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
)
_MAX_TEXT = 256
_MAX_ITEMS = 32


class PersonalDataError(AuditError, ValueError):
    """A value bound for the log looks like personal data: refused, nothing is logged."""

    outcome = "refused"


def _digits_view(text: str) -> str:
    """``text`` as a reader sees its digits: NFKC, any script's digits as ASCII, invisible
    characters and combining marks dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_CHINESE_DIGITS)
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cf", "Mn", "Me"):
            continue
        value = unicodedata.decimal(ch, None)
        out.append(str(value) if value is not None and not ch.isascii() else ch)
    return "".join(out)


def looks_personal(text: str, *, strict: bool = True) -> bool:
    """Whether ``text`` holds something like an ID number or a mobile number.

    ``strict``: digits typed apart are joined and letters glued to the run do not hide it
    (for values a person typed); otherwise the rule of audit-log-v1 §1 over normalised
    digits (for digests, fingerprints and records read back).
    """
    view = _digits_view(text)
    if not strict:
        return bool(_ID_NUMBER.search(view) or _MOBILE.search(view))
    joined = _BETWEEN_DIGITS.sub("", view)
    return bool(_ID_RUN.search(joined) or _MOBILE_RUN.search(joined))


def check_no_personal_data(text: str, what: str = "value", *, strict: bool = True) -> str:
    """Return ``text``; raise :class:`PersonalDataError` if it looks like an ID or a phone."""
    if looks_personal(text, strict=strict):
        raise PersonalDataError("audit.personal_data.number", field=what)
    return text


def _check_code(text: str, what: str) -> str:
    """A code holds printable ASCII only: no name or address fits (any script)."""
    if not all(" " <= ch <= "~" for ch in text):
        raise PersonalDataError("audit.personal_data.text", field=what)
    return text


def _short_text(value: object, what: str, *, strict: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string")
    if len(value) > _MAX_TEXT:
        raise ValueError(f"{what} is longer than {_MAX_TEXT} characters")
    return check_no_personal_data(value, what, strict=strict)


def _detail_value(key: str, value: object, *, stored: bool) -> str:
    """One detail value, checked by what its key says it holds (see ``TEXT_KEYS``)."""
    if stored:  # written under the rules of its day; read back with the lenient rule
        return _short_text(value, key, strict=False)
    if key in TEXT_KEYS:
        return _short_text(value, key)
    digest = re.split(r"[._]", key)[-1] in _DIGEST_KEYS
    if not digest and isinstance(value, str):
        digest = _DIGEST_VALUE.fullmatch(value) is not None
    return _check_code(_short_text(value, key, strict=not digest), key)


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("audit counts/detail keys are short ASCII names")
    return key


def _check_counts(counts: Mapping[str, int]) -> dict[str, int]:
    if len(counts) > _MAX_ITEMS:
        raise ValueError("too many counts")
    out = {}
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("audit counts are integers")
        out[_check_key(key)] = value
    return out


def _check_detail(detail: Mapping[str, str], *, stored: bool = False) -> dict[str, str]:
    if len(detail) > _MAX_ITEMS:
        raise ValueError("too many detail entries")
    return {_check_key(k): _detail_value(k, v, stored=stored) for k, v in detail.items()}


@dataclass(frozen=True)
class Actor:
    """Who acted: a key name and its fingerprint (never a person's real name)."""

    name: str
    fingerprint: str

    def __post_init__(self) -> None:
        _short_text(self.name, "actor", strict=False)
        _short_text(self.fingerprint, "fingerprint", strict=False)

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"fingerprint": self.fingerprint, "name": self.name}


@dataclass(frozen=True)
class EventDraft:
    """An event before the log gives it a ``seq``, a ``time`` and the station."""

    action: str
    phase: str = "event"
    outcome: str | None = "ok"
    actor: Actor | None = None
    package: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    detail: Mapping[str, str] = field(default_factory=dict)
    op: int | None = None
    stored: bool = field(default=False, kw_only=True, compare=False, repr=False)
    """A record read back from the log: checked with the lenient rule it was written under."""

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or len(self.action) > 64:
            raise ValueError("invalid action name")
        if not _ACTION.fullmatch(self.action):
            raise ValueError("an action is a dotted lower-case name")
        if self.phase not in PHASES:
            raise ValueError("phase must be begin, end or event")
        if (self.outcome is None) != (self.phase == "begin"):
            raise ValueError("begin has no outcome; end and event have one")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError("outcome must be ok, failed or refused")
        if self.package is not None:
            _short_text(self.package, "package", strict=not self.stored)
        object.__setattr__(self, "counts", _check_counts(self.counts))
        object.__setattr__(self, "detail", _check_detail(self.detail, stored=self.stored))


@dataclass(frozen=True)
class Event:
    """One log record as stored (see protocols/audit-log-v1.md §2)."""

    seq: int
    time: str
    station: str
    action: str
    phase: str
    outcome: str | None
    actor: Actor | None
    package: str | None
    counts: Mapping[str, int]
    detail: Mapping[str, str]
    op: int | None

    @classmethod
    def from_draft(cls, draft: EventDraft, seq: int, time: str, station: str) -> Event:
        """Give a checked draft its place in the log (a begin is its own ``op``)."""
        op = seq if draft.phase == "begin" else draft.op
        return cls(
            seq,
            time,
            station,
            draft.action,
            draft.phase,
            draft.outcome,
            draft.actor,
            draft.package,
            dict(draft.counts),
            dict(draft.detail),
            op,
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON object (canonical field set)."""
        return {
            "action": self.action,
            "actor": self.actor.to_dict() if self.actor else None,
            "counts": dict(self.counts),
            "detail": dict(self.detail),
            "op": self.op,
            "outcome": self.outcome,
            "package": self.package,
            "phase": self.phase,
            "seq": self.seq,
            "station": self.station,
            "time": self.time,
        }

    def to_json(self) -> bytes:
        """The canonical bytes that are stored and hashed."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, obj: Mapping[str, object]) -> Event:
        """Rebuild an event from its JSON object (ValueError/TypeError if malformed)."""
        actor = obj.get("actor")
        draft = EventDraft(
            action=str(obj["action"]),
            phase=str(obj["phase"]),
            outcome=None if obj.get("outcome") is None else str(obj["outcome"]),
            actor=Actor(str(actor["name"]), str(actor["fingerprint"]))
            if isinstance(actor, dict)
            else None,
            package=None if obj.get("package") is None else str(obj["package"]),
            counts=as_obj(obj.get("counts")),
            detail=as_obj(obj.get("detail")),
            op=_opt_int(obj.get("op")),
            stored=True,
        )
        seq = obj["seq"]
        if not isinstance(seq, int):
            raise TypeError("seq must be an integer")
        return cls.from_draft(draft, seq, str(obj["time"]), str(obj["station"]))

    @property
    def when(self) -> datetime:
        """The event time as an aware UTC datetime."""
        return datetime.fromisoformat(self.time.replace("Z", "+00:00"))


def _opt_int(value: object) -> int | None:
    if value is None or isinstance(value, int):
        return value
    raise TypeError("expected an integer or null")


def format_time(now: datetime) -> str:
    """An event's ``time``: UTC with milliseconds, ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (§2)."""
    now = now.astimezone(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Operation:
    """Handle yielded by ``AuditLog.operation``: set counts, detail, package, outcome."""

    def __init__(self, package: str | None, counts: Mapping[str, int], detail: Mapping[str, str]):
        self.package = package
        self.counts: dict[str, int] = _check_counts(counts)
        self.detail: dict[str, str] = _check_detail(detail)
        self.outcome = "ok"

    def set_count(self, name: str, value: int) -> None:
        """Set a count (checked now, so a bad value fails inside the operation)."""
        self.counts.update(_check_counts({name: value}))

    def add_count(self, name: str, value: int = 1) -> None:
        """Add to a count."""
        self.set_count(name, self.counts.get(name, 0) + value)

    def set_detail(self, name: str, value: str) -> None:
        """Set a detail entry (refuses ID-number- or phone-like values, text in a code)."""
        self.detail.update(_check_detail({name: value}))

    def set_package(self, package: str) -> None:
        """Name the package the operation turned out to concern."""
        self.package = _short_text(package, "package")

    def refuse(self, reason_key: str) -> None:
        """End with outcome ``refused`` (without raising), citing a message key."""
        self.outcome = "refused"
        self.set_detail("error", reason_key)


def error_outcome(exc: BaseException) -> tuple[str, str]:
    """The ``end`` event's outcome and ``detail.error`` for an operation that raised (§2)."""
    if isinstance(exc, SecureExchangeError):
        return exc.outcome, exc.key
    if isinstance(exc, KeyboardInterrupt):
        return "failed", "audit.interrupted"
    return "failed", "internal.bug"

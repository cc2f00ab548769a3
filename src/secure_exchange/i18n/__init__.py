"""The one message catalogue: every user-facing sentence, in Chinese and English.

The language is chosen per cli-v1 (revision 2): ``SX_LANG``, else
``LC_ALL``/``LC_MESSAGES``/``LANG``, else the system's display language (Windows:
``GetUserDefaultUILanguage``; macOS: the first of ``AppleLanguages``), which Windows needs
as it sets none of those variables; ``zh*`` gives Chinese, anything else English.

A key is ``prefix.word[.word…]``; the messages of one prefix live in
``catalogue/<prefix>.py`` (``ledger.*`` in ``catalogue/ledger.py``) as a ``MESSAGES``
dict ``key -> (zh, en)`` whose two templates name the same ``{placeholders}``.
``catalogue/__init__.py`` merges the files into ``CATALOGUE`` and refuses a key defined
twice. tests/test_catalogue.py checks that every key the source uses exists, that nothing
is orphaned and that each key sits in its prefix's file.

Every parameter is shown escaped where it could act on the terminal or hide itself: file
names from the stick, labels and other values a sender chooses may carry escape sequences,
newlines or bidi overrides, so ``t`` renders control, format, private-use, unassigned and
line/paragraph-separator characters as ``\\x1b``, ``\\u202e``… (:func:`printable`).
"""

from __future__ import annotations

import ctypes
import functools
import os
import plistlib
import sys
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

from secure_exchange.i18n.catalogue import CATALOGUE

__all__ = [
    "current_language",
    "has_message",
    "label",
    "printable",
    "set_language",
    "system_language",
    "t",
    "translations",
    "windows_ui_language",
]

_forced: str | None = None
# Unicode categories shown escaped: controls, format characters (bidi overrides, zero-width
# joiners), surrogates (undecodable file-name bytes), private use, unassigned, and the line
# and paragraph separators. Spaces (Zs), CJK and every other visible character stay.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def set_language(lang: str | None) -> None:
    """Force ``"zh"`` or ``"en"`` (``None`` returns to the environment's choice)."""
    global _forced
    if lang not in (None, "zh", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    _forced = lang


def current_language(
    env: Mapping[str, str] | None = None, *, system: Callable[[], str | None] | None = None
) -> str:
    """Return ``"zh"`` or ``"en"`` from SX_LANG, LC_ALL, LC_MESSAGES or LANG, else from
    the system's display language (``system``, default :func:`system_language`)."""
    if _forced is not None:
        return _forced
    env = os.environ if env is None else env
    for var in ("SX_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    found = (system or system_language)()
    return "zh" if found == "zh" else "en"


@functools.cache
def system_language() -> str | None:
    """The display language of the system (``"zh"``, ``"en"``), ``None`` where unknown.

    Asked once per process: Windows and macOS; elsewhere the locale variables decide.
    """
    if sys.platform == "win32":
        return windows_ui_language()
    if sys.platform == "darwin":
        return _mac_language(Path.home() / "Library/Preferences/.GlobalPreferences.plist")
    return None


_LANG_CHINESE = 0x04  # PRIMARYLANGID of zh-CN (0x0804), zh-TW (0x0404), zh-HK, zh-SG …


def windows_ui_language(lookup: Callable[[], int] | None = None) -> str | None:
    """``"zh"`` or ``"en"`` from the user's Windows display language (a LANGID).

    ``lookup`` defaults to ``kernel32.GetUserDefaultUILanguage``; ``None`` where there is
    no such call (not Windows) or it fails.
    """
    if lookup is None:
        windll = getattr(ctypes, "windll", None)  # only on Windows
        if windll is None:
            return None
        lookup = windll.kernel32.GetUserDefaultUILanguage
    try:
        langid = int(lookup())
    except (OSError, AttributeError, ValueError, TypeError):
        return None
    return "zh" if langid & 0x3FF == _LANG_CHINESE else "en"


def _mac_language(plist: Path) -> str | None:
    try:
        with plist.open("rb") as fh:
            languages = plistlib.load(fh).get("AppleLanguages") or []
    except (OSError, ValueError, AttributeError, plistlib.InvalidFileException):
        return None
    if not languages:
        return None
    return "zh" if str(languages[0]).lower().startswith("zh") else "en"


def label(kind: str, code: str) -> str:
    """A code shown to people (``label("purpose", "seal")`` → 单位公章 / seal); an unknown
    code is shown as it is, escaped."""
    key = f"label.{kind}.{code}"
    return t(key) if key in CATALOGUE else printable(code)


def translations(key: str) -> tuple[str, str]:
    """The Chinese and English templates of ``key`` (to read back what either language wrote)."""
    return CATALOGUE[key]


def has_message(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in CATALOGUE


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal or hide shown escaped.

    ``\\t``, ``\\n``, ``\\r``; else ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN`` as Python
    writes them. Backslashes are kept as they are (Windows paths), so escaping twice changes
    nothing.
    """
    if text.isprintable():
        return text  # the common case, decided in C
    return "".join(_escaped(c) if unicodedata.category(c) in _HIDDEN else c for c in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _shown(value: object) -> object:
    """A parameter as it is put into a message: numbers as they are, the rest as safe text."""
    if isinstance(value, int | float):
        return value
    return printable(str(value))


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the current language and fill in ``params``.

    Each parameter goes in through :func:`printable`, so a file name holding an escape
    sequence, a newline or a bidi override is shown, never obeyed.
    An unknown key is a programming error and raises ``KeyError`` so tests catch it.
    """
    zh, en = CATALOGUE[key]
    template = zh if current_language() == "zh" else en
    if not params:
        return template
    return template.format(**{name: _shown(value) for name, value in params.items()})

"""The one message catalogue: every user-facing sentence, in Chinese and English.

The language is chosen per cli-v1: ``SX_LANG``, else ``LC_ALL``/``LC_MESSAGES``/``LANG``;
``zh*`` gives Chinese, anything else English.

A key is ``prefix.word[.word…]``; the messages of one prefix live in
``catalogue/<prefix>.py`` (``ledger.*`` in ``catalogue/ledger.py``) as a ``MESSAGES``
dict ``key -> (zh, en)`` whose two templates name the same ``{placeholders}``.
``catalogue/__init__.py`` merges the files into ``CATALOGUE`` and refuses a key defined
twice. tests/test_catalogue.py checks that every key the source uses exists, that nothing
is orphaned and that each key sits in its prefix's file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from secure_exchange.i18n.catalogue import CATALOGUE

__all__ = ["current_language", "has_message", "set_language", "t"]

_forced: str | None = None


def set_language(lang: str | None) -> None:
    """Force ``"zh"`` or ``"en"`` (``None`` returns to the environment's choice)."""
    global _forced
    if lang not in (None, "zh", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    _forced = lang


def current_language(env: Mapping[str, str] | None = None) -> str:
    """Return ``"zh"`` or ``"en"`` from SX_LANG, LC_ALL, LC_MESSAGES or LANG."""
    if _forced is not None:
        return _forced
    env = os.environ if env is None else env
    for var in ("SX_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def has_message(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in CATALOGUE


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the current language and fill in ``params``.

    An unknown key is a programming error and raises ``KeyError`` so tests catch it.
    """
    zh, en = CATALOGUE[key]
    template = zh if current_language() == "zh" else en
    return template.format(**params) if params else template

"""The language: SX_LANG, else the locale variables, else the system's display language."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from secure_exchange import i18n
from secure_exchange.i18n import current_language, windows_ui_language


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SX_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
        ({"SX_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030"}, "zh"),
        ({"LC_MESSAGES": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_variables_come_first(env: dict[str, str], expected: str) -> None:
    assert current_language(env, system=lambda: "zh" if expected == "en" else "en") == expected


@pytest.mark.parametrize(
    ("system", "expected"), [(lambda: "zh", "zh"), (lambda: "en", "en"), (lambda: None, "en")]
)
def test_without_variables_the_system_decides(system: object, expected: str) -> None:
    """Windows sets none of the locale variables: a Chinese Windows gives Chinese."""
    assert current_language({}, system=system) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("langid", "expected"),
    [
        (0x0804, "zh"),
        (0x0404, "zh"),
        (0x0C04, "zh"),
        (0x1004, "zh"),
        (0x0409, "en"),
        (0x0407, "en"),
    ],
)
def test_windows_display_language(langid: int, expected: str) -> None:
    assert windows_ui_language(lambda: langid) == expected


def test_windows_lookup_failing_or_absent_is_unknown() -> None:
    def broken() -> int:
        raise OSError("no kernel32")

    assert windows_ui_language(broken) is None
    assert windows_ui_language() is None  # on this (non-Windows) test machine: no windll


def test_windows_branch_of_system_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """On win32 the display language comes from GetUserDefaultUILanguage (injected here)."""

    class Kernel32:
        @staticmethod
        def GetUserDefaultUILanguage() -> int:  # noqa: N802 - the Windows name
            return 0x0804

    class WinDLL:
        kernel32 = Kernel32()

    monkeypatch.setattr(i18n.sys, "platform", "win32")
    monkeypatch.setattr(i18n.ctypes, "windll", WinDLL(), raising=False)
    i18n.system_language.cache_clear()
    try:
        assert i18n.system_language() == "zh"
        assert current_language({}) == "zh"
    finally:
        i18n.system_language.cache_clear()


def test_mac_first_preferred_language(tmp_path: Path) -> None:
    plist = tmp_path / "g.plist"
    plist.write_bytes(plistlib.dumps({"AppleLanguages": ["zh-Hans-CN", "en-CN"]}))
    assert i18n._mac_language(plist) == "zh"
    plist.write_bytes(plistlib.dumps({"AppleLanguages": ["en-GB"]}))
    assert i18n._mac_language(plist) == "en"
    assert i18n._mac_language(tmp_path / "missing.plist") is None

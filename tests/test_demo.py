"""``sx demo`` runs end to end at a small size, and every verb has help in both languages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from secure_exchange.cli import build_cli
from secure_exchange.demo import run_demo
from secure_exchange.i18n import set_language


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "demo", residents=120, say=lines.append)
    assert result.subjects == 120
    assert 0 < result.approved <= 120
    assert result.notified == min(5, result.approved)
    assert result.package is not None
    assert result.package.parent.name == "usb-stick"
    for path in result.files.values():
        assert path.exists()
    rows = list(csv.DictReader(result.files["notify"].open(encoding="utf-8-sig")))
    assert len(rows) == result.notified
    assert "intact" in lines[-1]
    html = result.files["report"].read_text(encoding="utf-8")
    assert "<svg" in html


def test_demo_cli_runs_again_in_place(tmp_path: Path) -> None:
    for _ in range(2):
        out = CliRunner().invoke(
            build_cli(),
            ["demo", "--out", str(tmp_path / "d"), "--residents", "60", "--force"],
            env={"SX_LANG": "zh"},
        )
        assert out.exit_code == 0, out.output
        assert "演示完成" in out.output


def _commands(group, prefix=()):  # type: ignore[no-untyped-def]
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_verb_has_help_in_both_languages(lang: str) -> None:
    set_language(lang)
    root = build_cli()
    verbs = list(_commands(root))
    assert {
        ("seal",),
        ("verify",),
        ("score",),
        ("reidentify",),
        ("report",),
        ("demo",),
        ("audit", "verify"),
        ("ledger", "check"),
        ("media", "enroll"),
        ("keys", "new"),
        ("agreement", "sign"),
        ("import",),
        ("inspect",),
    } <= set(verbs)
    for verb in verbs:
        out = CliRunner().invoke(root, [*verb, "--help"])
        assert out.exit_code == 0, verb
        text = out.output.split("Options:" if lang == "en" else "选项:")[0]
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
        assert has_cjk == (lang == "zh"), (verb, text)
        assert ("用法:" in out.output) == (lang == "zh")

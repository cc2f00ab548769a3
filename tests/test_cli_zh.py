"""Chinese mode speaks Chinese: every help page, click's own errors and typical mistakes.

A word of three or more Latin letters in the output is a leak unless it is a command or
option name, an option's value, a path, a file or format name, or a product's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from secure_exchange.cli import build_cli
from secure_exchange.station import reason_labels
from tests.support import CLI_PASS, NUMBER, World, shared_path

# Names of formats, standards and products a Chinese officer sees as they are.
NAMES = {
    *("CSV", "csv", "HTML", "html", "JSON", "json", "jsonl", "Lines", "OCSF", "ocsf"),
    *("xlsx", "XLSX", "parquet", "Parquet", "age", "minisign", "card", "YYYY", "UTF", "GBK"),
    *("Excel", "WPS", "SHA", "sx", "secure", "exchange", "jinxiang", "RFC", "USB", "pub"),
    *reason_labels(),  # codes typed for --reason
    "opened",  # an action code, typed for --action
}
# Words click itself would leak (the test fails on them even if a rule above let them by).
DENY = re.compile(
    r"\b(Usage|Options|OPTIONS|Error|Try|Did you mean|Invalid value|No such|Missing|"
    r"Show this message|does not|TEXT|FILE|PATH|DIRECTORY|INTEGER|COMMAND|ARGS|Aborted|"
    r"Traceback|Choose from|required|default)\b"
)
_STRIP = re.compile(
    r"(\S*[/\\]\S*)"  # paths
    r"|(\b[0-9A-F]{4}(?: [0-9A-F]{4}){3,}\b)"  # fingerprints in groups (a group may be all letters)
    r"|(--?[\w-]+)"  # options
    r"|(SX_[A-Z_]+)"  # environment variables
    r"|([\w-]*\d[\w-]*)"  # identifiers, fingerprints, package and key ids
    r"|(\S+\.(csv|xlsx|json|html|parquet|card|pub|txt|age)\b)"  # file names
)


def _walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, [*path, name])


def _allowed() -> set[str]:
    words = set(NAMES)
    for path, command in _walk(build_cli(), []):
        words.update(part for name in path for part in re.split(r"[-_]", name))
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                words.update(re.split(r"[-_]", opt.lstrip("-")))
            if isinstance(param.type, click.Choice):
                words.update(p for c in param.type.choices for p in re.split(r"[-_]", str(c)))
    return words


ALLOWED = _allowed()
COMMANDS = [path for path, _ in _walk(build_cli(), [])]


def leaks(text: str, *extra: str) -> list[str]:
    """Latin words in ``text`` that a Chinese officer should not see."""
    found = {m.group(0) for m in DENY.finditer(text)}
    plain = _STRIP.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z_]{2,}", plain)
    return sorted(found | {w for w in words if w not in ALLOWED and w not in extra})


@pytest.fixture(autouse=True)
def _chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help texts are made when the command line is built: Chinese from the start."""
    monkeypatch.setenv("SX_LANG", "zh")


def zh(*args: str, home: Path | None = None, env: dict[str, str] | None = None) -> Result:
    full = {"SX_LANG": "zh", **({"SX_HOME": str(home)} if home else {}), **(env or {})}
    return CliRunner().invoke(build_cli(), list(args), env=full, prog_name="sx")


def test_the_leak_finder_finds_leaks() -> None:
    assert leaks("用法: sx score [OPTIONS] SOURCE") == ["OPTIONS", "SOURCE"]
    said = "错误：没有命令 'scor'。 Did you mean 'score'?"
    assert leaks(said, "scor") == ["Did", "Did you mean", "mean", "you"]
    assert leaks("已写入 /tmp/a b/决定.xlsx，见 sx score --help") == []


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "sx" for p in COMMANDS])
def test_every_help_page_is_chinese(path: list[str]) -> None:
    result = zh(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "用法" in result.output
    assert leaks(result.output) == [], result.output


MISTAKES = [
    ["scor"],
    ["score", "--fromat", "x"],
    ["score"],
    ["score", "missing.xlsx", "--as-of", "2022-07-01", "--out", "o.csv"],
    ["score", "{ledger}", "--as-of", "2022/13/1", "--out", "o.csv"],
    ["score", "{ledger}", "--as-of", "yesterday", "--out", "o.csv"],
    ["score", "{ledger}", "--as-of", "2022-07-01"],
    ["ledger", "check"],
    ["ledger", "check", "a", "b"],
    ["keys", "new"],
    ["keys", "export", "k", "--format", "pdf"],
    ["init", "--org", "x", "--role", "nobody"],
    ["demo", "--residents", "5"],
    ["demo", "--residents", "many"],
    ["audit", "show", "--since", "2022-02-30"],
    ["verify"],
    ["verify", "no-such-folder"],
    ["verify", "{ledger}"],
    ["agreement", "new", "--number"],
    ["media"],
]


@pytest.mark.parametrize("args", MISTAKES, ids=[" ".join(m) for m in MISTAKES])
def test_typical_mistakes_are_told_in_chinese(args: list[str], tmp_path: Path) -> None:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    argv = [a.replace("{ledger}", str(ledger)) for a in args]
    result = zh(*argv, home=tmp_path / "home")
    assert result.exit_code in (1, 2), result.output
    assert "内部错误" not in result.output
    typed = [word for arg in argv for word in re.findall(r"[A-Za-z]+", arg)]
    assert leaks(result.output, *typed) == [], result.output


def test_a_date_as_officers_write_it_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    ledger = shared_path("samples", "ledger-sample.xlsx")
    for day in ("2022/7/1", "2022.7.1", "2022年7月1日"):
        result = zh("score", str(ledger), "--as-of", day, "--out", str(out), "--force")
        assert result.exit_code == 0, result.output
        assert "2022-07-01" in result.output


def test_station_outputs_name_things_in_chinese(world: World) -> None:
    """Purposes, groups and the unverified manifest: no codes, no dict reprs."""
    home = world.root / "zh-station"
    assert zh("init", "--org", "真武社区", "--role", "community", home=home).exit_code == 0
    made = zh(
        "keys", "new", "zh-officer", "--kdf", "fast", home=home, env={"SX_PASSPHRASE": CLI_PASS}
    )
    assert made.exit_code == 0, made.output
    assert "用途：经办人" in made.output
    listed = zh("keys", "list", home=home)
    assert "经办人" in listed.output
    ledger = shared_path("samples", "ledger-sample.xlsx")
    env = {"SX_PASSPHRASE": CLI_PASS}
    sealed = zh(
        "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick),
        home=world.community, env=env,
    )  # fmt: skip
    assert sealed.exit_code == 0, sealed.output
    assert "数据组 身份信息" in sealed.output
    package = sealed.output.strip().splitlines()[-1]
    shown = zh("inspect", package, home=world.bank)
    assert shown.exit_code == 0, shown.output
    assert "{" not in shown.output
    assert "'" not in shown.output
    names = ("zh", "officer", "zw", "seal", "bank", "scoring", "reid")
    assert leaks(made.output + listed.output + shown.output, *names) == [], shown.output
    checked = zh("verify", package, home=world.bank)
    assert checked.exit_code == 0, checked.output
    assert leaks(checked.output, *names) == [], checked.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["score"], "缺少参数「台账或数据包」。"),
        (
            ["score", "no-such", "--as-of", "2022-07-01"],
            "「台账或数据包」的值无效：路径「no-such」不存在。",
        ),
        (["audit", "show", "--since", "2022-13-01"], "「--since」的值无效"),
    ],
)
def test_click_errors_take_chinese_punctuation(
    args: list[str], expected: str, tmp_path: Path
) -> None:
    """No ASCII quotes or full stop around a parameter's name in a Chinese message."""
    result = zh(*args, home=tmp_path / "home")
    assert result.exit_code == 2
    assert expected in result.output
    assert "'" not in result.output.splitlines()[-1]

"""Helpers shared by the CLI areas: the command's station, passphrases, JSON and progress."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from secure_exchange import fsio
from secure_exchange.errors import PassphraseError, SecureExchangeError
from secure_exchange.i18n import printable, t
from secure_exchange.package import GroupInfo
from secure_exchange.station import Station, station_home

__all__ = [
    "DATE",
    "PassphraseSource",
    "check_out",
    "check_suffix",
    "echo_json",
    "echo_risk",
    "force_option",
    "out_option",
    "passphrase_option",
    "progress_bar",
    "stage_printer",
    "staged_counter",
    "station",
]


class _Date(click.ParamType):  # type: ignore[type-arg]
    """A day as officers write it: 2022-07-01, 2022/7/1, 2022.7.1 or 2022年7月1日."""

    name = "date"
    _PATTERN = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*")

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        found = self._PATTERN.fullmatch(str(value))
        try:
            if found is None:
                raise ValueError(value)
            year, month, day = (int(part) for part in found.groups())
            return datetime(year, month, day)
        except ValueError:
            self.fail(t("cli.bad_date", value=printable(str(value))), param, ctx)


DATE = _Date()
_F = TypeVar("_F", bound=Callable[..., Any])


def station() -> Station:
    """The running command's station (``SX_HOME`` or the per-user default), one per command.

    Made on first use and kept on the root context, so every operation of the command shares
    one open access log, keyring and trust store.
    """
    root = click.get_current_context().find_root()
    found = root.obj
    if not isinstance(found, Station):
        found = root.with_resource(Station.open(station_home()))
        root.obj = found
        root.call_on_close(lambda: _show_notices(found))
    return found


MIN_PASSPHRASE = 12
"""Characters a new passphrase needs at least (keys/README)."""
_PROMPT_TRIES = 3


def _show_notices(opened: Station) -> None:
    """Warnings the command's operations left for the user (a retention end near…)."""
    for notice in opened.notices:
        click.echo(notice.message(), err=True)


class PassphraseSource:
    """Passphrases from a file, ``SX_PASSPHRASE_<NAME>``, ``SX_PASSPHRASE``, or a prompt.

    On a terminal an unlock may be tried ``tries`` (3) times; a new passphrase is asked
    twice, under a prompt that says it is new, and needs ``MIN_PASSPHRASE`` characters
    whatever its source.
    """

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self._asked: dict[str, int] = {}

    @property
    def prompts(self) -> bool:
        """Whether a person types the passphrases (none come from a file or the environment)."""
        given = any(v.startswith("SX_PASSPHRASE") and os.environ[v] for v in os.environ)
        return self.file is None and not given and sys.stdin.isatty()

    @property
    def tries(self) -> int:
        """How often a wrong passphrase may be entered again (by a person, at a prompt)."""
        return _PROMPT_TRIES if self.prompts else 1

    def __call__(self, key_name: str, *, confirm: bool = False) -> bytes:
        """The passphrase for ``key_name`` (``confirm``: a new one, asked twice)."""
        secret = self._given(key_name)
        if secret is None:
            secret = self._new(key_name) if confirm else self._unlock(key_name)
        if confirm and len(secret.decode("utf-8", "replace")) < MIN_PASSPHRASE:
            raise PassphraseError("keys.passphrase_short", minimum=MIN_PASSPHRASE)
        return secret

    def _given(self, key_name: str) -> bytes | None:
        if self.file is not None:
            data = self.file.read_bytes().rstrip(b"\r\n")
            if not data:
                raise PassphraseError("keys.empty_passphrase")
            return data
        env_name = "SX_PASSPHRASE_" + key_name.upper().replace("-", "_").replace(".", "_")
        for var in (env_name, "SX_PASSPHRASE"):
            value = os.environ.get(var)
            if value:
                return value.encode("utf-8")
        if not sys.stdin.isatty():
            raise PassphraseError("keys.no_passphrase", name=key_name)
        return None

    def _unlock(self, key_name: str) -> bytes:
        asked = self._asked.get(key_name, 0)
        self._asked[key_name] = asked + 1
        if asked:
            left = _PROMPT_TRIES - asked
            click.echo(t("cli.passphrase_retry", left=left), err=True)
        value = click.prompt(
            t("cli.passphrase_prompt", name=key_name), hide_input=True, show_default=False
        )
        return str(value).encode("utf-8")

    def _new(self, key_name: str) -> bytes:
        for _ in range(_PROMPT_TRIES):
            value = str(
                click.prompt(
                    t("cli.passphrase_new_prompt", name=key_name, minimum=MIN_PASSPHRASE),
                    hide_input=True,
                    confirmation_prompt=t("cli.passphrase_new_again"),
                    show_default=False,
                )
            )
            if len(value) >= MIN_PASSPHRASE:
                return value.encode("utf-8")
            click.echo(t("keys.passphrase_short", minimum=MIN_PASSPHRASE), err=True)
        raise PassphraseError("keys.passphrase_short", minimum=MIN_PASSPHRASE)


def passphrase_option(func: Callable[..., object]) -> Callable[..., object]:
    """Add ``--passphrase-file`` to a command."""
    return click.option(
        "--passphrase-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=t("cli.help.passphrase_file"),
    )(func)


def out_option(
    help_key: str | None = None, *, folder: bool = False, metavar: str | None = None
) -> Callable[[_F], _F]:
    """A required ``--out FILE`` option (``--out FOLDER`` with ``folder``)."""
    kind = click.Path(file_okay=not folder, dir_okay=folder, path_type=Path)
    help_text = t(help_key) if help_key is not None else None
    return click.option("--out", type=kind, required=True, metavar=metavar, help=help_text)


def force_option(func: _F) -> _F:
    """Add ``--force``: replace an existing output (never an input)."""
    return click.option("--force", is_flag=True, help=t("cli.help.force"))(func)


def check_out(out: Path, *inputs: Path, force: bool = False, folder: bool = False) -> None:
    """Before any work: ``out`` is none of ``inputs`` and replaces nothing without
    ``--force`` (:func:`secure_exchange.fsio.check_output`)."""
    fsio.check_output(out, inputs, force=force, folder=folder)


_KNOWN_SUFFIXES = frozenset(
    {".csv", ".xlsx", ".xls", ".et", ".html", ".htm", ".json", ".jsonl", ".parquet", ".pdf"}
    | {".txt", ".doc", ".docx", ".wps"}
)


def check_suffix(out: Path, *allowed: str) -> None:
    """Before any work: ``out`` is not named as another format than the one written (an
    HTML report saved as ``.csv``, a workbook as ``.csv``); unknown or no extension is left
    to the user.

    Raises:
        SecureExchangeError: ``cli.out_suffix``.
    """
    suffix = out.suffix.lower()
    if suffix in _KNOWN_SUFFIXES and suffix not in allowed:
        raise SecureExchangeError(
            "cli.out_suffix", path=out, suffix=suffix, suffixes=" ".join(allowed)
        )


def echo_json(doc: object) -> None:
    """Print one JSON document (UTF-8, not escaped) on stdout."""
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def echo_risk(group: GroupInfo | None) -> None:
    """Print the re-identification risk a group's manifest entry records, if any."""
    if group is None or group.risk is None:
        return
    risk = group.risk
    click.echo(
        t(
            "cli.group_risk",
            share=f"{risk.unique_share * 100:.{2 if 0 < risk.unique_share < 0.001 else 1}f}",
            smallest=f"{risk.smallest_class:,}",
            columns=len(risk.quasi_identifiers),
        )
    )


@contextmanager
def progress_bar(total: int, label_key: str) -> Iterator[Callable[[int], None]]:
    """Progress on a terminal: a bar when ``total`` is known, else a running row count.

    Silent when stderr is not a terminal, so scripts and logs stay clean.
    """
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    if total > 0:
        with click.progressbar(length=total, label=t(label_key), file=sys.stderr) as bar:
            yield bar.update
        return
    done = [0]

    def count(rows: int) -> None:
        done[0] += rows
        click.echo(f"\r{t(label_key)} … {done[0]:,}", nl=False, err=True)

    yield count
    if done[0]:
        click.echo("", err=True)


@contextmanager
def staged_counter(
    prefix: str = "cli.stage.",
) -> Iterator[tuple[Callable[[str], None], Callable[[int], None]]]:
    """Stage names, each on a line, and under a stage a running row count (on a terminal
    only); a stage that prompts (unlocking keys) starts on a line of its own."""
    if not sys.stderr.isatty():
        yield (lambda _stage: None), (lambda _n: None)
        return
    done = [0]

    def stage(name: str) -> None:
        if done[0]:
            click.echo("", err=True)
        done[0] = 0
        click.echo(f"{t(prefix + name)} …", err=True)

    def count(rows: int) -> None:
        done[0] += rows
        click.echo("\r  " + t("cli.progress.rows", rows=f"{done[0]:,}"), nl=False, err=True)

    yield stage, count
    if done[0]:
        click.echo("", err=True)


def stage_printer(prefix: str = "cli.stage.") -> Callable[[str], None]:
    """Show which stage long work is in (on a terminal only): verify, decrypt, score…"""
    if not sys.stderr.isatty():
        return lambda _stage: None

    def show(stage: str) -> None:
        click.echo(f"{t(prefix + stage)} …", err=True)

    return show

"""Helpers shared by the CLI areas: the command's station, passphrases, JSON and progress."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from secure_exchange.errors import PassphraseError
from secure_exchange.i18n import t
from secure_exchange.station import Station, station_home

__all__ = [
    "DATE",
    "PassphraseSource",
    "echo_json",
    "out_option",
    "passphrase_option",
    "progress_bar",
    "stage_printer",
    "staged_counter",
    "station",
]

DATE = click.DateTime(formats=["%Y-%m-%d"])
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


def _show_notices(opened: Station) -> None:
    """Warnings the command's operations left for the user (a retention end near…)."""
    for notice in opened.notices:
        click.echo(notice.message(), err=True)


class PassphraseSource:
    """Passphrases from a file, ``SX_PASSPHRASE_<NAME>``, ``SX_PASSPHRASE``, or a prompt."""

    def __init__(self, file: Path | None) -> None:
        self.file = file

    def __call__(self, key_name: str, *, confirm: bool = False) -> bytes:
        """The passphrase for ``key_name``."""
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
        value = click.prompt(
            t("cli.passphrase_prompt", name=key_name),
            hide_input=True,
            confirmation_prompt=confirm,
            show_default=False,
        )
        return str(value).encode("utf-8")


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


def echo_json(doc: object) -> None:
    """Print one JSON document (UTF-8, not escaped) on stdout."""
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=str))


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

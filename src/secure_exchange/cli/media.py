"""CLI verbs for dedicated USB media: ``sx media enroll`` and ``sx media list``."""

from __future__ import annotations

from pathlib import Path

import click

from secure_exchange.cli.common import PassphraseSource, echo_json, passphrase_option, station
from secure_exchange.i18n import t
from secure_exchange.station import MediaStatus, enroll, list_media

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add the ``media`` group to ``root``."""
    root.add_command(_media_group())


def _media_group() -> click.Group:
    @click.group("media", help=t("media.help.group"))
    def group() -> None:
        pass

    group.add_command(_enroll_cmd())
    group.add_command(_list_cmd())
    return group


def _enroll_cmd() -> click.Command:
    @click.command("enroll", help=t("media.help.enroll"))
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--as", "key_name", default=None, metavar="NAME", help=t("media.help.as"))
    @click.option("--json", "as_json", is_flag=True, help=t("media.help.json"))
    @passphrase_option
    def enroll_(
        path: Path, key_name: str | None, as_json: bool, passphrase_file: Path | None
    ) -> None:
        label = enroll(station(), path, PassphraseSource(passphrase_file), key_name=key_name)
        if as_json:
            echo_json({"media_id": label.media_id, "unit": label.unit, "path": str(path)})
        else:
            click.echo(t("media.enrolled", id=label.media_id, unit=label.unit))

    return enroll_


def _list_cmd() -> click.Command:
    folder = click.Path(exists=True, file_okay=False, path_type=Path)

    @click.command("list", help=t("media.help.list"))
    @click.option("--root", "roots", type=folder, multiple=True, help=t("media.help.root"))
    @click.option("--json", "as_json", is_flag=True, help=t("media.help.json"))
    def list_(roots: tuple[Path, ...], as_json: bool) -> None:
        sticks = list_media(station(), extra_roots=roots)
        if as_json:
            echo_json({"media": [_status_json(s) for s in sticks]})
        elif not sticks:
            click.echo(t("media.list_empty"))
        else:
            click.echo(t("media.list_header"))
            for stick in sticks:
                click.echo(_status_line(stick))

    return list_


def _state_text(stick: MediaStatus) -> str:
    return t(f"media.state.{stick.state}", where=stick.where)


def _status_line(stick: MediaStatus) -> str:
    return f"{stick.short_id}  {stick.enrolled_by:<18}  {stick.enrolled}  {_state_text(stick)}"


def _status_json(stick: MediaStatus) -> dict[str, object]:
    return {
        "media_id": stick.media_id,
        "enrolled_by": stick.enrolled_by,
        "fingerprint": stick.fingerprint,
        "enrolled": stick.enrolled,
        "state": stick.state,
        "where": None if stick.where is None else str(stick.where),
    }

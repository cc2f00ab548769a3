"""CLI verbs of an agreement's end (cli-v1 revision 2): ``agreement revoke``, ``keys revoke``,
``destroy``, ``incident open|list|close``, and ``import`` of a statement file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from secure_exchange.cli.common import DATE, PassphraseSource, echo_json, passphrase_option, station
from secure_exchange.i18n import t
from secure_exchange.station import (
    close_incident,
    destroy_agreement,
    list_incidents,
    open_incident,
    receive_statement,
    revoke_agreement,
    revoke_key,
)
from secure_exchange.trust import INCIDENT_KINDS, REVOKE_REASONS, Statement, label

__all__ = ["import_statement", "register"]

_OUT = click.Path(file_okay=False, path_type=Path)


def register(root: click.Group) -> None:
    """Add the lifecycle verbs to ``root`` (after the core verbs, whose groups they join)."""
    agreement = root.commands["agreement"]
    keys = root.commands["keys"]
    if isinstance(agreement, click.Group) and isinstance(keys, click.Group):
        agreement.add_command(_agreement_revoke())
        keys.add_command(_keys_revoke())
    root.add_command(_destroy())
    root.add_command(_incident_group())


def _signing_options(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option("--as", "signer", default=None, help=t("lifecycle.help.as"))(func)
    func = click.option("--out", type=_OUT, default=None, help=t("lifecycle.help.out"))(func)
    return passphrase_option(func)  # type: ignore[return-value]


def _reason_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--reason",
        type=click.Choice(REVOKE_REASONS),
        required=True,
        help=t("lifecycle.help.reason"),
    )(func)


def _written(path: Path | None) -> None:
    if path is not None:
        click.echo(t("lifecycle.statement_written", path=path))


def _agreement_revoke() -> click.Command:
    @click.command("revoke", help=t("lifecycle.help.agreement_revoke"))
    @click.argument("number")
    @_reason_option
    @_signing_options
    def revoke(
        number: str, reason: str, signer: str | None, out: Path | None, passphrase_file: Path | None
    ) -> None:
        statement, path = revoke_agreement(
            station(),
            number,
            reason,
            PassphraseSource(passphrase_file),
            signer_name=signer,
            out_dir=out,
        )
        click.echo(
            t(
                "lifecycle.revoked_done",
                number=statement.agreement_number,
                reason=label(reason),
                statement=statement.statement_id[:16],
            )
        )
        _written(path)

    return revoke


def _keys_revoke() -> click.Command:
    @click.command("revoke", help=t("lifecycle.help.keys_revoke"))
    @click.argument("name")
    @_reason_option
    @_signing_options
    def revoke(
        name: str, reason: str, signer: str | None, out: Path | None, passphrase_file: Path | None
    ) -> None:
        done = revoke_key(
            station(),
            name,
            reason,
            PassphraseSource(passphrase_file),
            signer_name=signer,
            out_dir=out,
        )
        for statement, path in done:
            click.echo(
                t(
                    "lifecycle.key_revoked_done",
                    name=name,
                    number=statement.agreement_number,
                    statement=statement.statement_id[:16],
                )
            )
            _written(path)

    return revoke


def _destroy() -> click.Command:
    @click.command("destroy", help=t("lifecycle.help.destroy"))
    @click.option("--agreement", "number", required=True, help=t("lifecycle.help.agreement"))
    @_signing_options
    def destroy(
        number: str, signer: str | None, out: Path | None, passphrase_file: Path | None
    ) -> None:
        done = destroy_agreement(
            station(), number, PassphraseSource(passphrase_file), signer_name=signer, out_dir=out
        )
        counts = done.certificate.counts()
        if done.again:
            click.echo(t("lifecycle.destroyed_again", number=done.certificate.agreement_number))
        click.echo(
            t(
                "lifecycle.destroyed_done",
                number=done.certificate.agreement_number,
                outputs=counts.get("outputs", 0),
                packages=counts.get("packages", 0),
                records=counts.get("scoring_records", 0),
                keys=counts.get("keys", 0),
                changed=counts.get("changed", 0),
                gone=counts.get("gone", 0),
            )
        )
        _written(done.written)

    return destroy


def _incident_group() -> click.Group:
    @click.group("incident", help=t("lifecycle.help.incident"))
    def incident() -> None:
        pass

    @incident.command("open", help=t("lifecycle.help.incident_open"))
    @click.option("--agreement", "number", required=True, help=t("lifecycle.help.agreement"))
    @click.option(
        "--what", type=click.Choice(INCIDENT_KINDS), required=True, help=t("lifecycle.help.what")
    )
    @click.option("--when", type=DATE, default=None, help=t("lifecycle.help.when"))
    @click.option("--package", "packages", multiple=True, help=t("lifecycle.help.package"))
    @click.option("--media", multiple=True, help=t("lifecycle.help.media"))
    @click.option("--ticket", default=None, help=t("lifecycle.help.ticket"))
    @_signing_options
    def open_(
        number: str,
        what: str,
        when: datetime | None,
        packages: tuple[str, ...],
        media: tuple[str, ...],
        ticket: str | None,
        signer: str | None,
        out: Path | None,
        passphrase_file: Path | None,
    ) -> None:
        day = when.date() if when is not None else datetime.now(UTC).date()
        statement, path = open_incident(
            station(),
            number,
            what,
            day,
            PassphraseSource(passphrase_file),
            packages=packages,
            media=media,
            ticket=ticket,
            signer_name=signer,
            out_dir=out,
        )
        click.echo(
            t(
                "lifecycle.incident_opened",
                incident=statement.text("incident")[:8],
                number=statement.agreement_number,
            )
        )
        _written(path)

    @incident.command("list", help=t("lifecycle.help.incident_list"))
    @click.option("--json", "as_json", is_flag=True)
    def list_(as_json: bool) -> None:
        found = list_incidents(station())
        if as_json:
            echo_json([_incident_json(i.notice, i.closing, i.ours) for i in found])
            return
        if not found:
            click.echo(t("lifecycle.none"))
        for item in found:
            notice = item.notice
            click.echo(
                t(
                    "lifecycle.incident_row",
                    incident=item.incident_id[:8],
                    state=t("lifecycle.state.open")
                    if item.is_open
                    else t("lifecycle.state.closed"),
                    side=t("lifecycle.side.ours") if item.ours else t("lifecycle.side.theirs"),
                    number=notice.agreement_number,
                    what=label(notice.text("what")),
                    when=notice.text("when"),
                    packages=len(notice.items("packages")),
                    media=len(notice.items("media")),
                )
            )

    @incident.command("close", help=t("lifecycle.help.incident_close"))
    @click.argument("incident_id")
    @_signing_options
    def close(
        incident_id: str, signer: str | None, out: Path | None, passphrase_file: Path | None
    ) -> None:
        statement, path = close_incident(
            station(),
            incident_id,
            PassphraseSource(passphrase_file),
            signer_name=signer,
            out_dir=out,
        )
        click.echo(
            t(
                "lifecycle.incident_closed_done",
                incident=statement.text("incident")[:8],
                number=statement.agreement_number,
            )
        )
        _written(path)

    return incident


def _incident_json(notice: Statement, closing: Statement | None, ours: bool) -> dict[str, object]:
    return {
        "incident": notice.text("incident"),
        "agreement": notice.agreement_number,
        "party": notice.party,
        "ours": ours,
        "what": notice.text("what"),
        "when": notice.text("when"),
        "opened": notice.issued,
        "closed": closing.issued if closing is not None else None,
        "packages": list(notice.items("packages")),
        "media": list(notice.items("media")),
    }


def is_statement_bundle(path: Path) -> bool:
    """A folder of statements (an incident's bundle), not a package: no ``SHA256SUMS``."""
    return (
        path.is_dir()
        and not (path / "SHA256SUMS").exists()
        and any(path.glob("sx-statement-*.json"))
    )


def import_statement(path: Path, as_json: bool) -> None:
    """``sx import STATEMENT|BUNDLE``: revocations, certificates or incident notices that
    travelled without a package, each checked against the pinned keys and recorded."""
    files = sorted(path.glob("sx-statement-*.json")) if path.is_dir() else [path]
    if not all(f.name.startswith("sx-statement-") for f in files):
        raise click.UsageError(t("lifecycle.not_statement", file=path.name))
    received = [receive_statement(station(), f) for f in files]
    if as_json:
        echo_json({"ok": True, "statements": [_statement_json(s) for s in received]})
        return
    for statement in received:
        _say_received(statement)


def _statement_json(statement: Statement) -> dict[str, object]:
    return {
        "statement": statement.statement_id,
        "kind": statement.kind,
        "party": statement.party,
        "agreement": statement.agreement_number,
    }


def _say_received(statement: Statement) -> None:
    click.echo(
        t(
            "lifecycle.received",
            org=statement.text("org"),
            party=statement.party,
            number=statement.agreement_number,
            kind=label(statement.kind),
        )
    )

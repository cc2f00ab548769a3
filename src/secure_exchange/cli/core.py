"""CLI verbs of the core: init, keys, agreement, verify, inspect, import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from secure_exchange.cli.common import (
    DATE,
    PassphraseSource,
    echo_json,
    out_option,
    passphrase_option,
    stage_printer,
    station,
)
from secure_exchange.cli.lifecycle import import_statement, is_statement_bundle
from secure_exchange.errors import VerificationError
from secure_exchange.formats.canonjson import utc_timestamp
from secure_exchange.i18n import printable, t
from secure_exchange.package import FORMAT, Manifest, VerifiedPackage, read_manifest_unverified
from secure_exchange.station import (
    ROLES,
    agreement_import,
    agreement_new,
    agreement_sign,
    check_use,
    create_key,
    export_age_identity,
    export_public,
    import_package,
    init,
    verify_package,
)
from secure_exchange.trust import PURPOSES

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add the core verbs to ``root``."""
    root.add_command(_init_cmd())
    root.add_command(_keys_group())
    root.add_command(_agreement_group())
    for command in _package_cmds():
        root.add_command(command)


def _init_cmd() -> click.Command:
    @click.command("init", help=t("cli.help.init"))
    @click.option("--org", required=True, help=t("cli.help.org"))
    @click.option("--role", required=True, type=click.Choice(ROLES), help=t("cli.help.role"))
    def init_(org: str, role: str) -> None:
        info = init(station(), org, role)
        click.echo(t("cli.init_done", org=info.org, role=info.role, home=info.home))

    return init_


def _keys_group() -> click.Group:
    @click.group("keys", help=t("cli.help.keys"))
    def keys() -> None:
        pass

    @keys.command("new", help=t("cli.help.keys_new"))
    @click.argument("name")
    @click.option(
        "--purpose",
        type=click.Choice(PURPOSES),
        default="officer",
        show_default=True,
        help=t("cli.help.purpose"),
    )
    @click.option(
        "--kdf",
        type=click.Choice(["standard", "fast"]),
        default="standard",
        show_default=True,
        help=t("cli.help.kdf"),
    )
    @passphrase_option
    def new(name: str, purpose: str, kdf: str, passphrase_file: Path | None) -> None:
        secret = PassphraseSource(passphrase_file)(name, confirm=True)
        ident = create_key(station(), name, purpose, secret, cost=kdf)
        click.echo(t("cli.key_created", name=ident.name, purpose=ident.purpose))
        click.echo(t("cli.fingerprint", fp=ident.fingerprint))

    @keys.command("list", help=t("cli.help.keys_list"))
    def list_() -> None:
        for ident in station().keyring.list():
            click.echo(f"{ident.name:<20} {ident.purpose:<11} {ident.key_id}  {ident.fingerprint}")

    @keys.command("export", help=t("cli.help.keys_export"))
    @click.argument("name")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["card", "age", "minisign"]),
        default="card",
        show_default=True,
    )
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def export(name: str, fmt: str, out: Path | None) -> None:
        ident = export_public(station(), name, fmt)
        text = {
            "card": ident.to_card(),
            "age": ident.age_recipient + "\n",
            "minisign": ident.minisign.to_file_text(f"sx {ident.name} ({ident.purpose})"),
        }[fmt]
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            click.echo(t("cli.written", path=out))

    @keys.command("export-age-identity", help=t("cli.help.keys_export_age"))
    @click.argument("name")
    @passphrase_option
    def export_age(name: str, passphrase_file: Path | None) -> None:
        secret = PassphraseSource(passphrase_file)(name)
        click.echo(export_age_identity(station(), name, secret))

    return keys


def _agreement_group() -> click.Group:
    @click.group("agreement", help=t("cli.help.agreement"))
    def agreement() -> None:
        pass

    card = click.Path(exists=True, dir_okay=False, path_type=Path)

    @agreement.command("new", help=t("cli.help.agreement_new"))
    @click.option("--number", required=True)
    @click.option("--party-a", type=card, multiple=True, required=True)
    @click.option("--party-b", type=card, multiple=True, required=True)
    @click.option("--valid-from", type=DATE, required=True)
    @click.option("--valid-until", type=DATE, required=True)
    @click.option("--retain-until", type=DATE, default=None)  # lifecycle-v1 §5.1
    @out_option()
    def new(
        number: str,
        party_a: tuple[Path, ...],
        party_b: tuple[Path, ...],
        valid_from: date,
        valid_until: date,
        retain_until: date | None,
        out: Path,
    ) -> None:
        made = agreement_new(
            station(),
            number,
            party_a,
            party_b,
            _day(valid_from),
            _day(valid_until),
            out,
            retain_until=_day(retain_until) if retain_until is not None else None,
        )
        click.echo(t("cli.agreement_drafted", number=made.number, sha=made.sha256, path=out))

    @agreement.command("sign", help=t("cli.help.agreement_sign"))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "name", required=True)
    @passphrase_option
    def sign(file: Path, name: str, passphrase_file: Path | None) -> None:
        signed = agreement_sign(station(), file, name, PassphraseSource(passphrase_file))
        click.echo(t("cli.agreement_signed", number=signed.number, name=name))

    @agreement.command("import", help=t("cli.help.agreement_import"))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_(file: Path) -> None:
        done = agreement_import(station(), file)
        click.echo(t("cli.agreement_imported", number=done.number, sha=done.sha256))

    @agreement.command("list", help=t("cli.help.agreement_list"))
    def list_() -> None:
        today = date.today()
        for item in station().trust.all():
            try:
                item.check_in_force(today)
                check_use(station(), item, today=today)  # revoked, destroyed, frozen, retention
                state = t("cli.in_force")
            except Exception as exc:
                state = str(exc)
            click.echo(
                f"{item.number}  {item.valid_from}..{item.valid_until}  {item.sha256[:16]}  {state}"
            )

    return agreement


def _day(value: date) -> date:
    return value.date() if hasattr(value, "date") else value


def _package_json(result: VerifiedPackage) -> dict[str, object]:
    return {
        "ok": True,
        "package_id": result.package_id,
        "agreement": {"number": result.agreement.number, "sha256": result.agreement.sha256},
        "sender": {"party": result.sender.party, "station": result.sender.station},
        "sequence": result.sequence,
        "signers": [k.identity.name for k in result.signers],
        "groups": {g: result.rows(g) for g in result.groups()},
    }


def _package_cmds() -> list[click.Command]:
    folder = click.Path(exists=True, file_okay=False, path_type=Path)

    @click.command("verify", help=t("cli.help.verify"))
    @click.argument("package", type=folder)
    @click.option("--json", "as_json", is_flag=True)
    def verify(package: Path, as_json: bool) -> None:
        _run_check(lambda: verify_package(station(), package), as_json, "cli.verified")

    @click.command("import", help=t("cli.help.import"))
    @click.argument("package", type=click.Path(exists=True, path_type=Path))
    @click.option("--json", "as_json", is_flag=True)
    def import_(package: Path, as_json: bool) -> None:
        if package.is_file() or is_statement_bundle(package):  # statements (lifecycle-v1 §4)
            import_statement(package, as_json)
            return
        _run_check(lambda: import_package(station(), package), as_json, "cli.imported")

    @click.command("inspect", help=t("cli.help.inspect"))
    @click.argument("package", type=folder)
    @click.option("--json", "as_json", is_flag=True)
    def inspect(package: Path, as_json: bool) -> None:
        try:  # read strictly, bounded, from a regular file only: a bad one is a refusal
            manifest = read_manifest_unverified(package)
        except VerificationError as exc:
            if as_json:
                echo_json({"ok": False, "check": exc.check, "error": str(exc), "code": exc.key})
                raise SystemExit(1) from None
            raise
        summary = _inspect_summary(manifest)
        if as_json:
            echo_json({"ok": True, "verified": False, **summary})
            return
        click.echo(t("cli.inspect_unverified"))
        for key, value in summary.items():
            click.echo(f"{key}: {printable(str(value))}")  # unverified: sender-chosen

    return [verify, import_, inspect]


def _inspect_summary(manifest: Manifest) -> dict[str, object]:
    return {
        "package_id": manifest.package_id,
        "format": FORMAT,
        "agreement": {"number": manifest.agreement.number, "sha256": manifest.agreement.sha256},
        "sender": {"party": manifest.sender.party, "station": manifest.sender.station},
        "sequence": manifest.sequence,
        "created": utc_timestamp(manifest.created),
        "expires": utc_timestamp(manifest.expires),
        "signers": list(manifest.signers),
        "groups": {
            g.name: {
                "rows": g.rows,
                "categories": list(g.categories),
                "readers": len(g.recipients),
            }
            for g in manifest.groups
        },
    }


def _run_check(action: Callable[[], VerifiedPackage], as_json: bool, ok_key: str) -> None:
    stage_printer()("verify")  # hashing a large package takes a while: say so on a terminal
    try:
        result = action()
    except VerificationError as exc:
        if as_json:
            echo_json({"ok": False, "check": exc.check, "error": str(exc), "code": exc.key})
            raise SystemExit(1) from None
        raise
    if as_json:
        echo_json(_package_json(result))
        return
    click.echo(
        t(
            ok_key,
            package=result.package_id,
            sender=result.sender.station,
            number=result.agreement.number,
            sequence=result.sequence,
        )
    )
    for group in result.groups():
        click.echo(t("cli.group_rows", group=group, rows=result.rows(group)))

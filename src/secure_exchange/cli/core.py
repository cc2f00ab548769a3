"""CLI verbs of the core: init, keys, agreement, verify, inspect, import."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from secure_exchange import fsio
from secure_exchange.cli.click_zh import display_width
from secure_exchange.cli.common import (
    DATE,
    PassphraseSource,
    check_out,
    check_suffix,
    echo_json,
    echo_risk,
    force_option,
    out_option,
    passphrase_option,
    stage_printer,
    station,
)
from secure_exchange.cli.lifecycle import import_statement, is_statement_bundle
from secure_exchange.errors import (
    AgreementError,
    IdentityError,
    PassphraseError,
    SecureExchangeError,
    VerificationError,
)
from secure_exchange.formats.canonjson import utc_timestamp
from secure_exchange.fsio import atomic_write, raise_for_os_error
from secure_exchange.i18n import label, t
from secure_exchange.package import FORMAT, Manifest, VerifiedPackage, read_manifest_unverified
from secure_exchange.reports import agreement_lines, agreement_page
from secure_exchange.station import (
    ROLES,
    agreement_import,
    agreement_new,
    agreement_sign,
    check_package_folder,
    check_use,
    create_key,
    export_age_identity,
    export_public,
    import_package,
    init,
    verify_package,
    was_imported,
)
from secure_exchange.trust import PURPOSES, Agreement, agreement_view

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
        click.echo(t("cli.init_done", org=info.org, role=label("role", info.role), home=info.home))

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
        click.echo(t("cli.key_created", name=ident.name, purpose=label("purpose", ident.purpose)))
        click.echo(t("cli.fingerprint", fp=ident.fingerprint))

    @keys.command("list", help=t("cli.help.keys_list"))
    def list_() -> None:
        for ident in station().keyring.list():
            purpose = _pad(label("purpose", ident.purpose), 11)
            click.echo(f"{_pad(ident.name, 20)} {purpose} {ident.key_id}  {ident.fingerprint}")

    @keys.command("export", help=t("cli.help.keys_export"))
    @click.argument("name")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["card", "age", "age-pq", "minisign"]),
        default="card",
        show_default=True,
    )
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
    @force_option
    def export(name: str, fmt: str, out: Path | None, force: bool) -> None:
        if out is not None:
            _check_card_name(out, fmt)
            check_out(out, force=force)
        ident = export_public(station(), name, fmt)
        if fmt == "age-pq" and not ident.age_pq:
            raise IdentityError("keys.no_hybrid", name=name)
        text = {
            "card": ident.to_card(),
            "age": ident.age_recipient + "\n",
            "age-pq": ident.age_pq + "\n",
            "minisign": ident.minisign.to_file_text(f"sx {ident.name} ({ident.purpose})"),
        }[fmt]
        if out is None:
            click.echo(text, nl=False)
        else:
            fsio.atomic_write(out, text.encode("utf-8"))
            click.echo(t("cli.written", path=out))

    @keys.command("export-age-identity", help=t("cli.help.keys_export_age"))
    @click.argument("name")
    @click.option("--hybrid", is_flag=True, help=t("cli.help.keys_export_hybrid"))
    @passphrase_option
    def export_age(name: str, hybrid: bool, passphrase_file: Path | None) -> None:
        source = PassphraseSource(passphrase_file)
        for attempt in range(1, source.tries + 1):
            try:
                click.echo(export_age_identity(station(), name, source(name), hybrid=hybrid))
                return
            except PassphraseError as exc:
                if exc.key != "keys.wrong_passphrase" or attempt == source.tries:
                    raise

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
    @click.option("--no-hybrid", is_flag=True, help=t("cli.help.agreement_no_hybrid"))
    @click.option(
        "--max-unique-percent",
        type=click.FloatRange(0, 100),
        default=None,
        help=t("cli.help.agreement_max_unique"),
    )
    @click.option("--retain-until", type=DATE, default=None)  # lifecycle-v1 §5.1
    @out_option()
    @force_option
    def new(
        number: str,
        party_a: tuple[Path, ...],
        party_b: tuple[Path, ...],
        valid_from: date,
        valid_until: date,
        no_hybrid: bool,
        max_unique_percent: float | None,
        retain_until: date | None,
        out: Path,
        force: bool,
    ) -> None:
        check_out(out, *party_a, *party_b, force=force)
        made = agreement_new(
            station(),
            number,
            party_a,
            party_b,
            _day(valid_from),
            _day(valid_until),
            out,
            hybrid=not no_hybrid,
            max_unique_bp=None if max_unique_percent is None else round(max_unique_percent * 100),
            retain_until=_day(retain_until) if retain_until is not None else None,
        )
        click.echo(t("cli.agreement_drafted", number=made.number, sha=made.sha256, path=out))

    _document_new(new)

    @agreement.command("sign", help=t("cli.help.agreement_sign"))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "name", required=True, metavar="NAME")
    @passphrase_option
    @_yes_option
    def sign(file: Path, name: str, passphrase_file: Path | None, yes: bool) -> None:
        confirm = _confirmer(yes, "sign", name)
        signed = agreement_sign(station(), file, name, PassphraseSource(passphrase_file), confirm)
        click.echo(t("cli.agreement_signed", number=signed.number, name=name))

    @agreement.command("import", help=t("cli.help.agreement_import"))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @_yes_option
    def import_(file: Path, yes: bool) -> None:
        done = agreement_import(station(), file, _confirmer(yes, "import", ""))
        click.echo(t("cli.agreement_imported", number=done.number, sha=done.sha256))

    @agreement.command("show", help=t("paper.help.show"))
    @click.argument("which", metavar="NO|FILE")
    @click.option(
        "--html",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE.html",
        help=t("paper.help.html"),
    )
    @click.option("--force", is_flag=True, help=t("paper.help.force"))
    def show(which: str, html: Path | None, force: bool) -> None:
        if html is not None:
            check_suffix(html, ".html", ".htm")
            given = Path(which)
            check_out(html, *([given] if given.is_file() else []), force=force)
        view = agreement_view(_find_agreement(which))
        for line in agreement_lines(view):
            click.echo(line)
        if html is not None:
            _write_page(html, agreement_page(view))
            click.echo(t("paper.page_written", path=html))

    @agreement.command("list", help=t("cli.help.agreement_list"))
    def list_() -> None:
        today = date.today()
        for item in station().trust.all():
            try:
                item.check_in_force(today)
                check_use(station(), item, today=today)  # revoked, destroyed, frozen, retention
                state = t("cli.in_force")
            except AgreementError as exc:  # its standing; an unreadable station stops the list
                state = str(exc)
            click.echo(
                f"{item.number}  {item.valid_from}..{item.valid_until}  {item.sha256[:16]}  {state}"
            )

    return agreement


def _document_new(command: click.Command) -> None:
    """Every option of ``agreement new`` explained in its ``--help``."""
    helps = {
        "number": ("paper.help.number", "NO"),
        "party_a": ("paper.help.party_a", "CARD"),
        "party_b": ("paper.help.party_b", "CARD"),
        "valid_from": ("paper.help.valid_from", "YYYY-MM-DD"),
        "valid_until": ("paper.help.valid_until", "YYYY-MM-DD"),
        "retain_until": ("paper.help.retain_until", "YYYY-MM-DD"),
        "out": ("paper.help.out", "FILE.json"),
    }
    for param in command.params:
        if isinstance(param, click.Option) and param.name in helps:
            key, metavar = helps[param.name]
            param.help, param.metavar = t(key), metavar


def _yes_option(func: Callable[..., object]) -> Callable[..., object]:
    return click.option("--yes", "-y", is_flag=True, help=t("paper.help.yes"))(func)


def _confirmer(yes: bool, verb: str, name: str) -> Callable[[Agreement], None]:
    """Show the agreement, then ask (y/N) unless ``--yes``; no terminal and no --yes: refuse."""

    def confirm(agreement: Agreement) -> None:
        for line in agreement_lines(agreement_view(agreement)):
            click.echo(line)
        if yes:
            return
        if not sys.stdin.isatty():
            raise AgreementError("paper.no_terminal", number=agreement.number)
        question = (
            t("paper.confirm.sign", name=name) if verb == "sign" else t("paper.confirm.import")
        )
        if not click.confirm(question, default=False):
            raise AgreementError("paper.declined", number=agreement.number)

    return confirm


def _find_agreement(which: str) -> Agreement:
    """A file's agreement when ``which`` names a file, else the trusted one of that number."""
    path = Path(which)
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise AgreementError("paper.unreadable", path=path) from exc
        return Agreement.from_bytes(data)
    return station().trust.get(which)


def _write_page(path: Path, page: str) -> None:
    """Write the page (``check_out`` said before any work whether it may replace a file)."""
    try:
        atomic_write(path, page.encode("utf-8"))
    except OSError as exc:
        raise_for_os_error(exc, path)


# What ``keys export --out`` may be called: a key card or key text, never a document type.
_CARD_SUFFIXES = {
    "card": (".card", ".txt"),
    "age": (".txt", ".pub", ".age"),
    "minisign": (".pub", ".txt"),
    "age-pq": (".txt", ".pub", ".age"),
}


def _check_card_name(out: Path, fmt: str) -> None:
    allowed = _CARD_SUFFIXES[fmt]
    if out.suffix.lower() not in allowed:
        raise SecureExchangeError("cli.export_suffix", path=out, suffixes=" ".join(allowed))


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
        "risk": {g.name: g.risk.to_json() for g in result.manifest.groups if g.risk is not None},
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
            check_package_folder(package)
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
        _render_inspect(manifest)  # unverified: every value is sender-chosen, shown escaped

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


def _render_inspect(manifest: Manifest) -> None:
    """The unverified manifest as labelled lines in the current language."""
    click.echo(t("cli.inspect.package", value=manifest.package_id))
    click.echo(t("cli.inspect.format", value=FORMAT))
    click.echo(
        t(
            "cli.inspect.agreement",
            number=manifest.agreement.number,
            sha=manifest.agreement.sha256[:16],
        )
    )
    click.echo(
        t("cli.inspect.sender", party=manifest.sender.party, station=manifest.sender.station)
    )
    click.echo(t("cli.inspect.sequence", value=manifest.sequence))
    click.echo(t("cli.inspect.created", value=utc_timestamp(manifest.created)))
    click.echo(t("cli.inspect.expires", value=utc_timestamp(manifest.expires)))
    click.echo(t("cli.inspect.signers", value="、".join(manifest.signers)))
    for g in manifest.groups:
        click.echo(
            t(
                "cli.inspect.group",
                group=label("group", g.name),
                rows=g.rows,
                categories=len(g.categories),
                readers=len(g.recipients),
            )
        )


def _pad(text: str, width: int) -> str:
    """``text`` filled to ``width`` terminal columns (CJK characters take two)."""
    return text + " " * max(0, width - display_width(text))


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
        doc = _package_json(result)
        if ok_key == "cli.verified":
            doc["already_imported"] = was_imported(station(), result)
        echo_json(doc)
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
        click.echo(t("cli.group_rows", group=label("group", group), rows=result.rows(group)))
        echo_risk(result.manifest.group(group))
    if ok_key == "cli.verified" and was_imported(station(), result):
        click.echo(t("cli.already_imported"))

"""``sx demo``: the whole story on invented data, with no prompts, in about a minute.

Three stations (community, bank, compliance) live under one folder, a sub-folder stands in
for the dedicated USB stick, and every step goes through the same library calls the CLI
uses, each with a ``Station`` of its own as each ``sx`` command has. Keys use the fast
passphrase protection (``--kdf fast``): demo keys only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc

from scoring import load_policy, read_decisions, write_decisions
from secure_exchange.audit import AuditLog
from secure_exchange.audit import write_report as write_log_report
from secure_exchange.i18n import t
from secure_exchange.ledger import write_csv_ledger
from secure_exchange.reports import write_report
from secure_exchange.station import (
    Station,
    agreement_import,
    agreement_new,
    agreement_sign,
    check_ledger,
    create_key,
    enroll,
    import_package,
    init,
    package_risk,
    read_results,
    reidentify,
    score_ledger,
    score_package,
    seal_decisions,
    seal_ledger,
    verify_package,
)

__all__ = ["DemoResult", "prepare_stations", "run_demo"]

DEMO_PASSPHRASE = b"demo only - not a real passphrase"
ORG_A, ORG_B, ORG_C = "金乡街道办事处", "金乡农村商业银行", "金乡农商银行合规部"
NUMBER = "金街办协〔2022〕43号-演示"
Say = Callable[[str], None]


@dataclass
class DemoResult:
    """Where the demo put things, and the headline numbers."""

    root: Path
    package: Path | None = None
    return_package: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    subjects: int = 0
    approved: int = 0
    credit_yuan: int = 0
    notified: int = 0


def _passphrase(_name: str) -> bytes:
    return DEMO_PASSPHRASE


def run_demo(
    root: Path,
    *,
    residents: int = 10_000,
    as_of: date = date(2022, 7, 1),
    say: Say = lambda _s: None,
) -> DemoResult:
    """Run the story end to end under ``root`` (replaced if it holds an earlier demo)."""
    if (root / "DEMO.txt").exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "DEMO.txt").write_text(t("demo.readme"), encoding="utf-8")
    result = DemoResult(root)
    homes = {role: root / role for role in ("community", "bank", "compliance")}
    stick = root / "usb-stick"
    stick.mkdir()
    say(t("demo.step.stations"))
    _stations(homes, "fast")
    say(t("demo.step.agreement", number=NUMBER))
    _agreement(root, homes, as_of)
    say(t("demo.step.media"))
    enroll(Station(homes["community"]), stick, _passphrase, key_name="jx-officer")
    files = root / "community-files"
    ledger = write_csv_ledger(files / "ledger", residents)
    say(t("demo.step.ledger", residents=residents))
    checked = check_ledger(Station(homes["community"]), ledger)
    say(
        t(
            "demo.step.checked",
            errors=len(checked.report.errors),
            warnings=len(checked.report.warnings),
        )
    )
    score_ledger(Station(homes["community"]), ledger, as_of, load_policy(), files / "preview.csv")
    sealed = seal_ledger(
        Station(homes["community"]), ledger, NUMBER, ["jx-officer", "jx-seal"], stick, _passphrase
    )
    result.package = sealed.package.path
    say(t("demo.step.sealed", package=sealed.package.path.name))
    scoring = sealed.package.manifest.group("scoring")
    if scoring is not None and scoring.risk is not None:
        share = f"{scoring.risk.unique_share * 100:.1f}"
        say(t("demo.step.risk", share=share, smallest=scoring.risk.smallest_class))
    _bank_day(root, homes, sealed.package.path, result, as_of, say)
    _return_trip(root, homes, result, ledger, say)
    _compliance(root, homes, sealed.package.path, result, say)
    return result


def prepare_stations(root: Path, *, cost: str = "fast") -> dict[str, Path]:
    """Demo stations under ``root`` (community, bank, compliance), keys, agreement in force.

    For benchmarks and trials: the keys use the ``cost`` passphrase protection (default the
    fast one) and the demo passphrase (``DEMO_PASSPHRASE``), the agreement is ``NUMBER``.
    """
    homes = {role: root / role for role in ("community", "bank", "compliance")}
    _stations(homes, cost)
    _agreement(root, homes)
    return homes


def _stations(homes: dict[str, Path], cost: str) -> None:
    keys = {
        "community": (ORG_A, [("jx-officer", "officer"), ("jx-seal", "seal")]),
        "bank": (
            ORG_B,
            [("bank-scoring", "scoring"), ("bank-reid", "reidentify"), ("bank-seal", "seal")],
        ),
        "compliance": (ORG_C, []),
    }
    for role, (org, names) in keys.items():
        station = Station(homes[role])
        init(station, org, role)
        for name, purpose in names:
            create_key(station, name, purpose, DEMO_PASSPHRASE, cost=cost)


def _agreement(root: Path, homes: dict[str, Path], as_of: date | None = None) -> None:
    """The agreement in force from 30 days before ``as_of`` (or today) to 335 days after
    today: the scoring date must lie within it (the age facts hold for its days only)."""
    cards: dict[str, list[Path]] = {"community": [], "bank": []}
    for role in cards:
        for ident in Station(homes[role]).keyring.list():
            card = root / "cards" / f"{ident.name}.card"
            card.parent.mkdir(exist_ok=True)
            card.write_text(ident.to_card(), encoding="utf-8")
            cards[role].append(card)
    today = datetime.now(UTC).date()
    path = root / "agreement.json"
    agreement_new(
        Station(homes["community"]),
        NUMBER,
        cards["community"],
        cards["bank"],
        min(today, as_of or today) - timedelta(days=30),
        today + timedelta(days=335),
        path,
    )
    agreement_sign(Station(homes["community"]), path, "jx-seal", _passphrase)
    agreement_sign(Station(homes["bank"]), path, "bank-seal", _passphrase)
    for home in homes.values():
        agreement_import(Station(home), path)


def _bank_day(
    root: Path, homes: dict[str, Path], package: Path, result: DemoResult, as_of: date, say: Say
) -> None:
    bank, files = homes["bank"], root / "bank-files"
    files.mkdir()
    import_package(Station(bank), package)
    say(t("demo.step.imported"))
    decisions = files / "decisions.csv"
    scored = score_package(
        Station(bank), package, as_of, load_policy(), decisions, "bank-scoring", _passphrase
    )
    summary = scored.summary
    result.subjects, result.credit_yuan = summary.subjects, summary.credit_yuan
    result.approved = summary.counts.get("approved", 0)
    say(
        t(
            "demo.step.scored",
            subjects=summary.subjects,
            approved=result.approved,
            credit=f"{summary.credit_yuan:,}",
        )
    )
    table = read_decisions(decisions)
    few = table.filter(pc.equal(table.column("status"), "approved"))
    write_decisions(few.slice(0, 5), files / "to-notify.csv")
    result.notified = reidentify(
        Station(bank),
        files / "to-notify.csv",
        package,
        "notify",
        files / "notify-list.csv",
        "bank-reid",
        _passphrase,
        ticket="DEMO-2022-07",
    ).rows
    say(t("demo.step.reidentified", count=result.notified))
    write_report(decisions, root / "report.html", risk=package_risk(Station(bank), package))
    result.files.update(
        decisions=decisions, notify=files / "notify-list.csv", report=root / "report.html"
    )


def _return_trip(
    root: Path, homes: dict[str, Path], result: DemoResult, ledger: Path, say: Say
) -> None:
    back = seal_decisions(
        Station(homes["bank"]),
        result.files["decisions"],
        NUMBER,
        ["bank-seal"],
        root / "usb-stick",
        _passphrase,
    )
    result.return_package = back.path
    import_package(Station(homes["community"]), back.path)
    results = root / "community-files" / "results.csv"
    count = read_results(
        Station(homes["community"]), back.path, ledger, "jx-seal", _passphrase, results
    )
    result.files["results"] = results
    say(t("demo.step.returned", count=count))


def _compliance(
    root: Path, homes: dict[str, Path], package: Path, result: DemoResult, say: Say
) -> None:
    verify_package(Station(homes["compliance"]), package)
    labels = {"community": t("label.role.community"), "bank": t("label.role.bank")}
    for role, label in labels.items():
        verdict = AuditLog.verify_and_record(homes[role])
        out = root / f"audit-{role}.html"
        write_log_report(homes[role], out)
        result.files[f"audit-{role}"] = out
        say(
            t(
                "demo.step.audit",
                station=label,
                size=verdict.size,
                state=t("demo.ok") if verdict.ok else t("demo.broken"),
            )
        )

"""The risk through the CLI: ``sx seal`` and ``sx verify`` print it; ``sx report --package``
shows it in the bank's report, in the station's language."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import NUMBER, World, shared_path


def test_seal_verify_and_report_show_the_risk(world: World, tmp_path: Path) -> None:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    stick = world.stick / "risk"
    sealed = world.sx(
        world.community,
        "seal",
        str(ledger),
        "--agreement",
        NUMBER,
        "--out",
        str(stick),
        "--allow-unenrolled",
    )
    assert "re-identification risk:" in sealed.output
    package = Path(sealed.output.strip().splitlines()[-1])
    checked = world.sx(world.bank, "verify", str(package), "--json")
    risk = json.loads(checked.output)["risk"]
    assert set(risk) == {"scoring", "evaluations"}
    assert risk["scoring"]["rows"] == 24
    assert "birth_date" not in risk["scoring"]["quasi_identifiers"]
    world.sx(world.bank, "import", str(package))
    decisions = tmp_path / "decisions.csv"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(decisions))
    report = tmp_path / "report.html"
    world.sx(world.bank, "report", str(decisions), "--package", str(package), "--out", str(report))
    page = report.read_text(encoding="utf-8")
    assert "Re-identification risk of the scored data" in page
    assert "age status" in page
    report_zh = tmp_path / "report-zh.html"
    world.sx(
        world.bank,
        "report",
        str(decisions),
        "--package",
        str(package),
        "--out",
        str(report_zh),
        env={"SX_LANG": "zh_CN.UTF-8"},
    )
    page_zh = report_zh.read_text(encoding="utf-8")
    assert "再识别风险" in page_zh
    assert "age status" not in page_zh
    assert "年龄条件" in page_zh


def test_keys_export_the_hybrid_recipient_and_identity(world: World) -> None:
    from secure_exchange.formats.age import HybridIdentity, HybridRecipient

    public = world.sx(world.bank, "keys", "export", "bank-reid", "--format", "age-pq").output
    recipient = HybridRecipient.from_str(public.strip())
    secret = world.sx(world.bank, "keys", "export-age-identity", "bank-reid", "--hybrid").output
    assert HybridIdentity.from_str(secret.strip()).recipient() == recipient


def test_agreement_new_sets_the_hybrid_groups_and_the_ceiling(world: World, tmp_path: Path) -> None:
    cards: list[str] = []
    for flag, names in (
        ("--party-a", ("zw-officer", "zw-seal")),
        ("--party-b", ("bank-scoring", "bank-reid", "bank-seal")),
    ):
        for name in names:
            cards += [flag, str(world.root / f"{name}.card")]
    dates = ["--valid-from", "2022-01-01", "--valid-until", "2022-12-31"]
    default = tmp_path / "default.json"
    world.sx(
        world.community,
        "agreement",
        "new",
        "--number",
        "协〔2022〕8号",
        *cards,
        *dates,
        "--out",
        str(default),
    )
    body = json.loads(default.read_bytes())["body"]
    assert body["hybrid_groups"] == ["identity"]
    assert "max_unique_bp" not in body
    waived = tmp_path / "waived.json"
    world.sx(
        world.community,
        "agreement",
        "new",
        "--number",
        "协〔2022〕9号",
        *cards,
        *dates,
        "--no-hybrid",
        "--max-unique-percent",
        "5",
        "--out",
        str(waived),
    )
    body = json.loads(waived.read_bytes())["body"]
    assert body["hybrid_groups"] == []
    assert body["max_unique_bp"] == {"evaluations": 500, "scoring": 500}

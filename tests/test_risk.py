"""Re-identification risk: measured while sealing (ARX-style), recorded in the signed
manifest, held to the agreement's limit by the writer and by the reader; and the figure on
the demo population before (ledger-v1) and after (ledger-v2) the minimal scoring group."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange import package as pkg
from secure_exchange.errors import AgreementError, VerificationError
from secure_exchange.formats import sha256sums
from secure_exchange.ledger import read_ledger, write_csv_ledger
from secure_exchange.package import GroupRisk, Sender
from secure_exchange.package.layout import SIG_COMMENT, SUMS, signature_name, trusted_comment
from secure_exchange.pseudonym import RiskMeter, load_profile, pseudonymise
from secure_exchange.trust.agreement import new_agreement
from tests.support import AGE_WINDOW, CATS, NOW, Parties, groups, make_parties


def test_meter_counts_classes_across_batches() -> None:
    meter = RiskMeter(["community", "flag"])
    meter.add(
        pa.table(
            {"subject": ["a", "b", "c"], "community": ["x", "x", "y"], "flag": [True, True, None]}
        )
    )
    meter.add(pa.table({"subject": ["d", "e"], "community": ["y", "z"], "flag": [None, False]}))
    risk = meter.result()
    assert (risk.rows, risk.unique, risk.smallest_class) == (5, 1, 1)  # only (z, False)
    assert risk.unique_bp == 2000
    assert RiskMeter(["c"]).result() == GroupRisk(("c",), 0, 0, 0)


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = write_csv_ledger(tmp_path_factory.mktemp("demo") / "ledger", 10_000)
    return read_ledger(folder)


def test_meter_groups_nested_columns_by_their_values() -> None:
    """The panel's sittings (a list of structs) count as a quasi-identifier like any other."""
    sitting = {"panel_date": date(2022, 6, 28), "members": 5, "roles": "支书/主任、农商银行人员"}
    other = {**sitting, "members": 6}
    meter = RiskMeter(["community", "panel_sittings"])
    meter.add(
        pa.table(
            {
                "community": ["甲", "甲", "甲", "甲"],
                "panel_sittings": [[sitting], [sitting], [other], None],
            }
        )
    )
    risk = meter.result()
    assert (risk.rows, risk.unique, risk.smallest_class) == (4, 2, 1)


def test_demo_population_before_and_after(demo_ledger) -> None:  # type: ignore[no-untyped-def]
    key = os.urandom(32)
    args = (demo_ledger.residents, demo_ledger.evaluations, key, AGE_WINDOW)
    before = pseudonymise(*args, load_profile("ledger-v1")).risk["scoring"]
    after = pseudonymise(*args).risk
    assert before.unique_share > 0.95
    assert "birth_date" in before.quasi_identifiers
    assert after["scoring"].unique_share < 0.05
    assert not {"birth_date", "sex"} & set(after["scoring"].quasi_identifiers)
    assert after["evaluations"].unique_share < 0.01
    assert "panel_date" not in after["evaluations"].quasi_identifiers
    assert "identity" not in after


def _risk_of(table: pa.Table) -> GroupRisk:
    meter = RiskMeter([c for c in table.column_names if c != "subject"])
    meter.add(table)
    return meter.result()


def _limited(parties: Parties, limit: int) -> Parties:
    a = [parties.officer.public, parties.seal_a.public]
    b = [parties.scoring.public, parties.reidentify.public, parties.seal_b.public]
    draft = new_agreement(
        "金街办协〔2022〕9号",
        a,
        b,
        date(2020, 1, 1),
        date(2099, 12, 31),
        max_unique_bp={"scoring": limit},
    )
    assert draft.risk_limits == {"scoring": limit}
    return dataclasses.replace(parties, agreement=draft.sign(parties.seal_a).sign(parties.seal_b))


def _seal(parties: Parties, out: Path, tables: dict[str, pa.Table]) -> pkg.VerifiedPackage:
    return pkg.seal(
        tables,
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=out,
        sender=Sender("A", "金乡街道真武社区"),
        sequence=1,
        categories=CATS,
        risk={g: _risk_of(t) for g, t in tables.items() if g != "identity"},
        now=NOW,
    )


def test_risk_is_recorded_in_the_signed_manifest(tmp_path: Path) -> None:
    parties = _limited(make_parties(tmp_path / "keys"), 5000)
    sealed = _seal(parties, tmp_path / "stick", groups())
    scoring = sealed.manifest.group("scoring")
    assert scoring is not None
    assert scoring.risk == GroupRisk(("community",), 5, 0, 5)
    doc = json.loads((sealed.path / "manifest.json").read_bytes())
    assert doc["format"] == "sx-package-v2"
    assert doc["groups"]["scoring"]["risk"] == {
        "quasi_identifiers": ["community"],
        "rows": 5,
        "unique": 0,
        "smallest_class": 5,
    }
    assert "risk" not in doc["groups"]["identity"]


def test_writer_refuses_a_group_above_the_limit_and_leaves_nothing(tmp_path: Path) -> None:
    parties = _limited(make_parties(tmp_path / "keys"), 500)
    tables = dict(groups())
    tables["scoring"] = pa.table(
        {"subject": tables["scoring"]["subject"], "community": [f"社区{i}" for i in range(5)]}
    )
    with pytest.raises(AgreementError) as caught:
        _seal(parties, tmp_path / "stick", tables)
    assert caught.value.key == "package.risk_too_high"
    assert "100.0" in str(caught.value)
    assert list((tmp_path / "stick").iterdir()) == []


def test_writer_refuses_an_unmeasured_limited_group(tmp_path: Path) -> None:
    parties = _limited(make_parties(tmp_path / "keys"), 500)
    with pytest.raises(AgreementError) as caught:
        pkg.seal(
            groups(),
            parties.agreement,
            [parties.officer, parties.seal_a],
            out_dir=tmp_path / "stick",
            sender=Sender("A", "金乡街道真武社区"),
            sequence=1,
            categories=CATS,
            now=NOW,
        )
    assert caught.value.key == "package.risk_missing"


def _resign(parties: Parties, sealed: pkg.VerifiedPackage, doc: dict, out: Path) -> Path:
    files = {f.name: f.read_bytes() for f in sealed.path.iterdir()}
    files = {n: d for n, d in files.items() if n != SUMS and not n.endswith(".minisig")}
    files["manifest.json"] = json.dumps(doc, ensure_ascii=False).encode()
    sums = sha256sums.render(
        {n: sha256sums.sha256_stream(io.BytesIO(d))[0] for n, d in files.items()}
    )
    files[SUMS] = sums
    comment = trusted_comment(doc["package_id"], parties.agreement.sha256)
    for signer in (parties.officer, parties.seal_a):
        sig = signer.signing_key.sign(sums, trusted_comment=comment, untrusted_comment=SIG_COMMENT)
        files[signature_name(signer.public.key_id)] = sig.encode("ascii")
    folder = out / sealed.path.name
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"unique": 5, "smallest_class": 1}, "package.risk_too_high"),
        ({"unique": 6}, "package.risk_malformed"),
        ({"rows": 4}, "package.risk_malformed"),
        ({"quasi_identifiers": []}, "package.risk_malformed"),
        (None, "package.risk_missing"),
    ],
)
def test_reader_holds_the_record_to_the_group_and_the_limit(
    tmp_path: Path, change: dict | None, key: str
) -> None:
    parties = _limited(make_parties(tmp_path / "keys"), 5000)
    sealed = _seal(parties, tmp_path / "stick", groups())
    doc = json.loads((sealed.path / "manifest.json").read_bytes())
    if change is None:
        del doc["groups"]["scoring"]["risk"]
    else:
        doc["groups"]["scoring"]["risk"].update(change)
    forged = _resign(parties, sealed, doc, tmp_path / "forged")
    with pytest.raises(VerificationError) as caught:
        pkg.verify(forged, [parties.agreement], now=NOW)
    assert caught.value.check == "scope"
    assert caught.value.key == key


def test_list_columns_count_alike_by_item_ids_and_by_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list column's rows grouped by the ids of their items (fast) fall in the classes
    the text of each value gives (the exact, slow way), over batches, slices, null lists,
    empty lists, null items and null fields."""
    import random

    from secure_exchange.pseudonym import risk as risk_module

    rng = random.Random(5)  # noqa: S311 (test data, not a secret)
    days = [date(2022, 6, d) for d in (1, 2, 3)]

    def item() -> dict[str, object] | None:
        if rng.random() < 0.05:
            return None
        return {
            "panel_date": rng.choice([*days, None]),
            "members": rng.choice([5, 6, None]),
            "roles": rng.choice(["支书/主任、农商银行人员", "党员", None]),
        }

    def sittings() -> list[object] | None:
        roll = rng.random()
        if roll < 0.1:
            return None
        return [item() for _ in range(0 if roll < 0.2 else rng.randint(1, 3))]

    kind = pa.list_(
        pa.struct([("panel_date", pa.date32()), ("members", pa.int32()), ("roles", pa.string())])
    )
    batches = []
    for _ in range(4):
        rows = rng.randint(0, 300)
        table = pa.table(
            {
                "community": pa.array([rng.choice("甲乙") for _ in range(rows)], pa.string()),
                "panel_sittings": pa.array([sittings() for _ in range(rows)], kind),
                "codes": pa.array(
                    [rng.choice([None, [], ["B1"], ["B1", "D2"]]) for _ in range(rows)],
                    pa.list_(pa.string()),
                ),
            }
        )
        batches.append(table.slice(rng.randint(0, 5)) if rows > 10 else table)

    def measured() -> GroupRisk:
        meter = RiskMeter(["community", "panel_sittings", "codes"])
        for table in batches:
            meter.add(table)
        return meter.result()

    fast = measured()
    monkeypatch.setattr(risk_module, "_item_ids", lambda *args: None)
    assert measured() == fast
    assert 0 < fast.unique < fast.rows

"""The end of an agreement through the CLI, on both sides of the stick (lifecycle-v1):
revocations, destruction and its certificate, incidents, retention (issue 13)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from secure_exchange.audit import AuditLog, AuditUnavailableError
from secure_exchange.station import destroy as _destroy
from tests.support import (
    ID_A,
    ID_B,
    NUMBER,
    World,
    build_world,
    evaluation,
    resident,
    write_ledger,
)


@pytest.fixture
def w(tmp_path: Path) -> World:
    """A fresh pair of stations per test: each test ends the agreement its own way."""
    world = build_world(tmp_path)
    write_ledger(
        tmp_path / "ledger",
        [resident(ID_A), resident(ID_B, 姓名="测试乙", 联系电话="13912345678")],
        [evaluation(ID_A), evaluation(ID_B, code="B1", level="县级")],
    )
    return world


def seal(w: World, *, ok: bool = True, number: str = NUMBER, extra: tuple[str, ...] = ()):
    return w.sx(
        w.community,
        "seal",
        str(w.root / "ledger"),
        "--agreement",
        number,
        "--out",
        str(w.stick),
        *extra,
        ok=ok,
    )


def sealed(w: World) -> Path:
    return Path(seal(w).output.strip().splitlines()[-1])


def statement_in(folder: Path) -> Path:
    found = sorted(folder.glob("sx-statement-*.json"))
    assert len(found) == 1, found
    return found[0]


def events(w: World, home: Path, action: str) -> list[dict[str, object]]:
    shown = w.sx(home, "audit", "show", "--action", action, "--json")
    found = [json.loads(line) for line in shown.output.splitlines() if line.strip()]
    return [e for e in found if e["phase"] != "begin"]


def score(w: World, package: Path, out: Path) -> None:
    w.sx(w.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(out))


# --- 1. revocation --------------------------------------------------------------------------


def test_agreement_revocation_travels_alone_and_is_refused_everywhere(w: World) -> None:
    package = sealed(w)  # sealed before the end
    out = w.root / "to-bank"
    done = w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "ended", "--out", str(out))
    assert "revoked" in done.output
    refused = seal(w, ok=False)
    assert refused.exit_code == 1
    assert "was revoked" in refused.output

    # the other party: the statement on the stick is verified against the pinned seal
    received = w.sx(w.bank, "import", str(statement_in(out)))
    assert "agreement revocation" in received.output
    (logged,) = events(w, w.bank, "statement.received")
    assert logged["detail"]["kind"] == "agreement.revoked"  # type: ignore[index]
    late = w.sx(w.bank, "import", str(package), ok=False)
    assert late.exit_code == 1
    assert "was revoked" in late.output
    assert "was revoked" in w.sx(w.bank, "verify", str(package), ok=False).output
    doc = json.loads(w.sx(w.bank, "verify", str(package), "--json", ok=False).output)
    assert (doc["ok"], doc["check"], doc["code"]) == (False, "agreement", "lifecycle.revoked")


def test_a_forged_or_foreign_statement_is_refused(w: World) -> None:
    out = w.root / "to-bank"
    w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "breach", "--out", str(out))
    path = statement_in(out)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["body"]["reason"] = "ended"  # changed after signing
    forged = w.root / "forged" / path.name
    forged.parent.mkdir()
    forged.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    refused = w.sx(w.bank, "import", str(forged), ok=False)
    assert refused.exit_code == 1
    assert "does not verify" in refused.output
    # the bank still works: nothing was recorded
    assert events(w, w.bank, "statement.received")[-1]["outcome"] == "refused"
    stranger = World(w.root, w.root / "stranger", w.bank, w.stick)
    w.sx(stranger.community, "init", "--org", "别的社区", "--role", "community")
    unknown = w.sx(stranger.community, "import", str(path), ok=False)
    assert "does not trust agreement" in unknown.output


def test_key_revocation_travels_inside_the_next_package(w: World) -> None:
    package = sealed(w)
    w.sx(w.bank, "import", str(package))
    decisions = w.root / "decisions.csv"
    score(w, package, decisions)
    w.sx(w.bank, "keys", "revoke", "bank-reid", "--reason", "compromised")
    refused = w.sx(
        w.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(package),
        "--reason",
        "notify",
        "--out",
        str(w.root / "calls.csv"),
        ok=False,
    )
    assert "Key bank-reid was revoked on" in refused.output  # not even unlocked
    assert not (w.root / "calls.csv").exists()

    back = w.root / "back"
    result = w.sx(w.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(back))
    returned = Path(result.output.strip().splitlines()[-1])
    assert list(returned.glob("sx-statement-*.json"))  # inside, listed and signed
    w.sx(w.community, "import", str(returned))
    (logged,) = events(w, w.community, "statement.received")
    assert logged["detail"]["kind"] == "key.revoked"  # type: ignore[index]
    again = seal(w, ok=False)  # the identity group would be encrypted to the revoked key
    assert "has been revoked" in again.output


def test_a_package_signed_by_a_revoked_key_is_refused_at_import(w: World) -> None:
    package = sealed(w)
    out = w.root / "to-bank"
    w.sx(w.community, "keys", "revoke", "zw-officer", "--reason", "lost", "--out", str(out))
    w.sx(w.bank, "import", str(statement_in(out)))
    refused = w.sx(w.bank, "import", str(package), ok=False)
    assert "zw-officer has been revoked" in refused.output
    # at home the key signs nothing any more: no package, no stick label, no agreement
    assert "was revoked on" in seal(w, ok=False).output
    other = w.root / "other-stick"
    other.mkdir()
    enrol = w.sx(w.community, "media", "enroll", str(other), "--as", "zw-officer", ok=False)
    assert "was revoked on" in enrol.output
    signing = w.sx(
        w.community,
        "agreement",
        "sign",
        str(w.root / "agreement.json"),
        "--as",
        "zw-officer",
        "--yes",
        ok=False,
    )
    assert "was revoked on" in signing.output


# --- 2. end of use ----------------------------------------------------------------------------


def test_destroy_shreds_outputs_packages_and_keys_and_certifies_it(w: World) -> None:
    package = sealed(w)
    w.sx(w.bank, "import", str(package))
    decisions = w.root / "decisions.csv"
    score(w, package, decisions)
    calls = w.root / "calls.csv"
    w.sx(
        w.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(package),
        "--reason",
        "notify",
        "--out",
        str(calls),
    )
    assert calls.exists()
    kept = w.root / "decisions-copy.csv"
    kept.write_bytes(decisions.read_bytes())  # not written by sx: not registered, not touched
    out = w.root / "to-community"
    done = w.sx(w.bank, "destroy", "--agreement", NUMBER, "--out", str(out))
    assert "2 outputs, 1 packages, 1 scoring records, 3 keys" in done.output
    assert not decisions.exists()
    assert not calls.exists()
    assert not package.exists()
    assert kept.exists()
    assert list((w.bank / "state" / "scored").glob("*.json")) == []
    assert w.sx(w.bank, "keys", "list").output.strip() == ""
    for secret in (w.bank / "keys").rglob("*"):
        assert secret.name not in ("minisign.key", "age.key.age")
    again = w.sx(w.bank, "destroy", "--agreement", NUMBER)  # again: finishes, same certificate
    assert "destroyed before" in again.output
    assert "was destroyed" in w.sx(w.bank, "agreement", "list").output

    # the other party verifies and logs the certificate
    received = w.sx(w.community, "import", str(statement_in(out)))
    assert "destruction certificate" in received.output
    (logged,) = events(w, w.community, "statement.received")
    assert logged["detail"]["kind"] == "destroyed"  # type: ignore[index]
    (certified,) = events(w, w.bank, "agreement.destroyed")[:1]
    assert certified["counts"]["keys"] == 3  # type: ignore[index]


def test_destroy_leaves_a_changed_output_alone(w: World) -> None:
    package = sealed(w)
    w.sx(w.bank, "import", str(package))
    decisions = w.root / "decisions.csv"
    score(w, package, decisions)
    decisions.write_text("edited by hand\n", encoding="utf-8")
    done = w.sx(w.bank, "destroy", "--agreement", NUMBER)
    assert "1 changed since written" in done.output
    assert decisions.read_text(encoding="utf-8") == "edited by hand\n"


def _second_agreement(w: World, number: str, retain_until: date) -> None:
    path = w.root / f"agreement-{retain_until}.json"
    cards = {p: w.root / f"{p}.card" for p in ("zw-officer", "zw-seal")}
    bank = [w.root / f"{p}.card" for p in ("bank-scoring", "bank-reid", "bank-seal")]
    args = ["agreement", "new", "--number", number]
    for card in cards.values():
        args += ["--party-a", str(card)]
    for card in bank:
        args += ["--party-b", str(card)]
    w.sx(
        w.community,
        *args,
        "--valid-from",
        "2022-01-01",
        "--valid-until",
        "2099-12-31",
        "--retain-until",
        retain_until.isoformat(),
        "--out",
        str(path),
    )
    w.sx(w.community, "agreement", "sign", str(path), "--as", "zw-seal", "--yes")
    w.sx(w.bank, "agreement", "sign", str(path), "--as", "bank-seal", "--yes")
    w.sx(w.community, "agreement", "import", str(path), "--yes")


def test_retention_warns_as_its_end_nears_and_refuses_after(w: World) -> None:
    near, over = "金街办协〔2026〕1号", "金街办协〔2026〕2号"
    _second_agreement(w, near, date.today() + timedelta(days=10))
    _second_agreement(w, over, date.today() - timedelta(days=1))
    warned = seal(w, number=near)
    assert "retention period of agreement" in warned.output
    assert "10 days left" in warned.output
    refused = seal(w, ok=False, number=over)
    assert "retention period of agreement" in refused.output
    assert "sx destroy --agreement" in refused.output
    plain = seal(w)  # the first agreement has no retain_until: its validity decides
    assert "retention period" not in plain.output


# --- 3. incidents -----------------------------------------------------------------------------


def test_lost_stick_incident_freezes_revokes_the_label_and_notifies(w: World) -> None:
    package = sealed(w)
    media = json.loads(w.sx(w.community, "media", "list", "--json").output)["media"]
    media_id = media[0]["media_id"]
    package_id = package.name.removeprefix("sx-")
    out = w.root / "notice"
    opened = w.sx(
        w.community,
        "incident",
        "open",
        "--agreement",
        NUMBER,
        "--what",
        "lost-media",
        "--when",
        "2026-11-30",
        "--package",
        package_id,
        "--media",
        media_id[:8],
        "--as",
        "zw-officer",
        "--out",
        str(out),
    )
    incident = opened.output.split()[1]
    frozen = seal(w, ok=False, extra=("--allow-unenrolled",))
    assert "is frozen at this station" in frozen.output
    listed = json.loads(w.sx(w.community, "incident", "list", "--json").output)
    assert listed[0]["media"] == [media_id]
    assert listed[0]["packages"] == [package_id]
    assert listed[0]["closed"] is None

    # the other party verifies and logs the notice; its own station is not frozen
    w.sx(w.bank, "import", str(out))  # the bundle: here the notice alone
    theirs = w.sx(w.bank, "incident", "list")
    assert "theirs" in theirs.output
    assert "lost stick" in theirs.output
    w.sx(w.bank, "import", str(package))

    # an officer cannot close it; the seal can
    refused = w.sx(w.community, "incident", "close", incident, "--as", "zw-officer", ok=False)
    assert "may sign" in refused.output
    closed = w.root / "closed"
    w.sx(w.community, "incident", "close", incident, "--as", "zw-seal", "--out", str(closed))
    w.sx(w.bank, "import", str(statement_in(closed)))  # the other party learns it is closed
    (theirs_now,) = json.loads(w.sx(w.bank, "incident", "list", "--json").output)
    assert theirs_now["closed"] is not None
    assert not theirs_now["ours"]
    kinds = [e["detail"]["kind"] for e in events(w, w.bank, "statement.received")]
    assert kinds == ["incident.opened", "incident.closed"]
    lost = seal(w, ok=False)  # the lost stick's label is no longer this station's
    assert lost.exit_code == 1
    other = w.root / "new-stick"
    other.mkdir()
    w.sx(w.community, "media", "enroll", str(other), "--as", "zw-officer")
    w.sx(
        w.community,
        "seal",
        str(w.root / "ledger"),
        "--agreement",
        NUMBER,
        "--out",
        str(other),
    )


# --- 5. the compliance view ------------------------------------------------------------------


def _timeline(w: World, home: Path) -> str:
    out = w.root / f"{home.name}-log.html"
    w.sx(home, "audit", "report", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    start = page.index("Each agreement&#x27;s life")
    return page[start : page.index("<h2>", start)]


def test_the_report_shows_each_agreements_life_on_one_timeline(w: World) -> None:
    package = sealed(w)
    w.sx(w.bank, "import", str(package))
    decisions = w.root / "decisions.csv"
    score(w, package, decisions)
    w.sx(
        w.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(package),
        "--reason",
        "notify",
        "--out",
        str(w.root / "calls.csv"),
    )
    out = w.root / "to-community"
    w.sx(w.bank, "agreement", "revoke", NUMBER, "--reason", "ended", "--out", str(out / "r"))
    w.sx(w.bank, "destroy", "--agreement", NUMBER, "--out", str(out / "d"))
    bank = _timeline(w, w.bank)
    assert f"Agreement {NUMBER}" in bank
    order = [
        "agreement signed",
        "agreement trusted",
        "package imported",
        "scored",
        "re-identified",
        "agreement revoked",
        "data destroyed",
    ]
    places = [bank.index(f"<td>{action}</td>") for action in order]
    assert places == sorted(places)
    assert "notification; 2 rows" in bank  # the reason and the re-identified rows
    assert "destruction certificate; party B" in bank
    assert "2 outputs, 1 packages, 3 keys" in bank

    for folder in (out / "r", out / "d"):
        w.sx(w.community, "import", str(statement_in(folder)))
    community = _timeline(w, w.community)
    assert "package sealed" in community
    assert "statement received" in community
    assert "agreement revocation; the work ended; party B" in community
    assert "destruction certificate; party B" in community
    assert "测试" not in community  # names never reach the log, nor its report


def test_an_interrupted_destroy_finishes_when_run_again(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the certificate was kept but before the keys were shredded: the next
    run shreds them and hands back the same certificate (lifecycle-v1 §5.3)."""

    def interrupted(*_a: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_destroy, "_shred_key", interrupted)
    killed = w.sx(
        w.bank, "destroy", "--agreement", NUMBER, "--out", str(w.root / "first"), ok=False
    )
    assert killed.exit_code == 130  # an interrupt, as Ctrl-C
    monkeypatch.undo()
    assert "bank-seal" in w.sx(w.bank, "keys", "list").output  # not shredded yet
    again = w.sx(w.bank, "destroy", "--agreement", NUMBER, "--out", str(w.root / "second"))
    assert "destroyed before" in again.output
    assert w.sx(w.bank, "keys", "list").output.strip() == ""
    first, second = statement_in(w.root / "first"), statement_in(w.root / "second")
    assert first.read_bytes() == second.read_bytes()


def test_a_statement_changed_on_disk_stops_the_agreement_named(w: World) -> None:
    w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "ended")
    (kept,) = (w.community / "state" / "lifecycle").glob("*.json")
    kept.write_text(kept.read_text(encoding="utf-8").replace("ended", "lost"), encoding="utf-8")
    refused = seal(w, ok=False)
    assert refused.exit_code == 1
    assert kept.name in refused.output


def test_the_incident_bundle_carries_the_partys_other_statements(w: World) -> None:
    w.sx(w.community, "keys", "revoke", "zw-officer", "--reason", "lost")
    bundle = w.root / "bundle"
    w.sx(
        w.community,
        "incident",
        "open",
        "--agreement",
        NUMBER,
        "--what",
        "lost-device",
        "--as",
        "zw-seal",
        "--out",
        str(bundle),
    )
    assert len(list(bundle.glob("sx-statement-*.json"))) == 2
    done = json.loads(w.sx(w.bank, "import", str(bundle), "--json").output)
    assert sorted(s["kind"] for s in done["statements"]) == ["incident.opened", "key.revoked"]
    kinds = sorted(e["detail"]["kind"] for e in events(w, w.bank, "statement.received"))
    assert kinds == ["incident.opened", "key.revoked"]


def test_a_statement_deleted_on_the_station_shows_in_audit_verify(w: World) -> None:
    """An insider who deletes the revocation ends the refusal at this station; the access log
    remembers it was issued (and the other party's copy was received), so ``audit verify``
    names what is missing, at both stations."""
    out = w.root / "to-bank"
    w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "ended", "--out", str(out))
    w.sx(w.bank, "import", str(statement_in(out)))
    for home in (w.community, w.bank):
        assert w.sx(home, "audit", "verify").exit_code == 0
        (kept,) = (home / "state" / "lifecycle").glob("*.json")
        digest = json.loads(w.sx(home, "audit", "verify", "--json").output)
        assert digest["ok"] is True
        kept.unlink()
        refused = w.sx(home, "audit", "verify", ok=False)
        assert refused.exit_code == 1
        assert "no longer holds" in refused.output


def test_a_statement_deleted_on_the_station_stops_it_until_restored(w: World) -> None:
    """The insider's way round a revocation: delete it on the station. The access log says
    it was issued, so every command that checks the agreement stops, naming the missing
    statement, until the file is back; then the revocation refuses again."""
    out = w.root / "to-bank"
    w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "ended", "--out", str(out))
    (kept,) = (w.community / "state" / "lifecycle").glob("*.json")
    data = kept.read_bytes()
    kept.unlink()
    stopped = seal(w, ok=False)
    assert stopped.exit_code == 1
    assert "no longer in the station's state/lifecycle folder" in stopped.output
    assert len(stopped.output.strip().splitlines()) == 1
    zh = w.sx(w.community, "agreement", "list", ok=False, env={"SX_LANG": "zh"})
    assert "已不在工作站" in zh.output
    kept.write_bytes(data)
    assert "was revoked" in seal(w, ok=False).output


def test_a_statement_whose_record_cannot_be_written_is_taken_back(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept before its record (the log never names a statement the station lacks); when
    the record fails, the statement is removed and the revocation does not happen."""
    original = AuditLog.record

    def failing(self: AuditLog, action: str, **kwargs: object) -> object:
        if action == "statement.issued":
            assert list((w.community / "state" / "lifecycle").glob("*.json"))  # kept first
            raise AuditUnavailableError("audit.unavailable.broken", path="log", problem="full")
        return original(self, action, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AuditLog, "record", failing)
    refused = w.sx(w.community, "agreement", "revoke", NUMBER, "--reason", "ended", ok=False)
    assert refused.exit_code == 1
    monkeypatch.undo()
    assert not list((w.community / "state" / "lifecycle").glob("*.json"))
    sealed(w)  # not revoked: the operation did not happen

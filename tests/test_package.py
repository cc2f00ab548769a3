"""Sealed packages: round trips, tampering, trust, threshold, replay, safe writing."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange import package as pkg
from secure_exchange.errors import AgreementError, IdentityError, PackageError, VerificationError
from secure_exchange.formats import sha256sums
from secure_exchange.formats.errors import FormatError
from secure_exchange.package import ReplayCheck, Sender
from secure_exchange.package.parts import read_part, recipients_of
from secure_exchange.trust import new_agreement
from tests.support import CATS, NOW, Parties, groups, make_key, make_parties


def seal_one(
    p: Parties, out: Path, *, signers=None, seq: int = 1, now=NOW, **kw
) -> pkg.VerifiedPackage:
    return pkg.seal(
        groups(),
        p.agreement,
        signers if signers is not None else [p.officer, p.seal_a],
        out_dir=out,
        sender=Sender("A", "金乡街道真武社区"),
        sequence=seq,
        categories=CATS,
        now=now,
        **kw,
    )


def test_round_trip_each_key_reads_only_its_groups(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    checked = pkg.verify(sealed.path, [parties.agreement], now=NOW)
    assert checked.package_id == sealed.package_id
    assert checked.groups() == ("scoring", "evaluations", "identity")
    bank = pkg.open_package(checked, [parties.scoring.age_identity])
    assert set(bank) == {"scoring", "evaluations"}
    assert bank["scoring"].equals(groups()["scoring"])
    reid = pkg.open_package(checked, parties.reidentify.age_identities)
    assert set(reid) == {"identity"}
    assert reid["identity"].equals(groups()["identity"])


def test_scoring_key_cannot_open_identity(parties: Parties, tmp_path: Path) -> None:
    checked = seal_one(parties, tmp_path)
    with pytest.raises(PackageError, match="may not read column group identity"):
        pkg.open_package(checked, [parties.scoring.age_identity], ["identity"])


def test_wrong_identity_opens_nothing(parties: Parties, tmp_path: Path) -> None:
    checked = seal_one(parties, tmp_path)
    assert pkg.open_package(checked, [parties.officer.age_identity]) == {}
    outsider = make_key(tmp_path / "x", "outsider", "某公司", "scoring")
    with pytest.raises(PackageError):
        pkg.open_package(checked, [outsider.age_identity], ["scoring"])


def test_final_folder_only_after_verification(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    names = [p.name for p in tmp_path.iterdir()]
    assert names == [sealed.path.name]
    assert sealed.path.name.startswith("sx-")


def _flip_positions(size: int) -> list[int]:
    if size <= 1200:
        return list(range(size))
    return sorted(set(range(0, 64)) | set(range(size - 64, size)) | set(range(0, size, 97)))


def test_every_single_byte_change_is_refused(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path / "orig")
    flips = 0
    for file in sorted(sealed.path.iterdir()):
        original = file.read_bytes()
        for pos in _flip_positions(len(original)):
            changed = bytearray(original)
            changed[pos] ^= 0x01
            file.write_bytes(bytes(changed))
            with pytest.raises(VerificationError):
                pkg.verify(sealed.path, [parties.agreement], now=NOW)
            flips += 1
        file.write_bytes(original)
    assert flips > 1000
    pkg.verify(sealed.path, [parties.agreement], now=NOW)


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: _truncate(next(d.glob("scoring-*.age"))), "hashes"),
        (lambda d: next(d.glob("identity-*.age")).unlink(), "hashes"),
        (lambda d: (d / "extra.txt").write_text("x"), "hashes"),
        (lambda d: (d / "SHA256SUMS").unlink(), "layout"),
        (lambda d: [s.unlink() for s in d.glob("*.minisig")], "layout"),
        (lambda d: next(d.glob("*.minisig")).unlink(), "threshold"),
        (lambda d: (d / "sub").mkdir(), "layout"),
    ],
    ids=[
        "truncated-part",
        "missing-part",
        "added-file",
        "no-sums",
        "no-signatures",
        "one-signature-short",
        "added-folder",
    ],
)
def test_damaged_packages_name_the_failed_check(
    parties: Parties, tmp_path: Path, mutate, check
) -> None:
    sealed = seal_one(parties, tmp_path)
    mutate(sealed.path)
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [parties.agreement], now=NOW)
    assert info.value.check == check


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_signature_by_key_outside_agreement(parties: Parties, tmp_path: Path) -> None:
    stranger = make_key(tmp_path / "s", "stranger", "金乡街道真武社区", "officer")
    sealed = seal_one(parties, tmp_path / "p")
    sig = stranger.signing_key.sign(
        (sealed.path / "SHA256SUMS").read_bytes(),
        trusted_comment=f"sx-package-v1 {sealed.package_id} agreement:{parties.agreement.sha256}",
        untrusted_comment=pkg.SIG_COMMENT,
    )
    (sealed.path / f"SHA256SUMS.{stranger.public.key_id}.minisig").write_text(sig)
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [parties.agreement], now=NOW)
    assert info.value.check == "signatures"


def test_seal_refuses_signers_below_threshold(parties: Parties, tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="Not enough signatures"):
        seal_one(parties, tmp_path, signers=[parties.officer])
    assert list(tmp_path.iterdir()) == []


def test_seal_refuses_other_party_signer(parties: Parties, tmp_path: Path) -> None:
    with pytest.raises(AgreementError):
        seal_one(parties, tmp_path, signers=[parties.officer, parties.seal_b])


def test_expired_agreement_refused(tmp_path: Path) -> None:
    p = make_parties(tmp_path / "k", valid=(date(2022, 1, 1), date(2022, 6, 30)))
    with pytest.raises(AgreementError, match="expired"):
        seal_one(p, tmp_path / "out")
    sealed = seal_one(p, tmp_path / "out2", now=datetime(2022, 6, 1, tzinfo=UTC))
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [p.agreement], now=datetime(2022, 7, 2, tzinfo=UTC))
    assert info.value.check == "agreement"


def test_package_under_another_agreement_refused(parties: Parties, tmp_path: Path) -> None:
    other = (
        new_agreement(
            "另一协议",
            [parties.officer.public, parties.seal_a.public],
            [parties.scoring.public, parties.reidentify.public, parties.seal_b.public],
            date(2020, 1, 1),
            date(2099, 1, 1),
        )
        .sign(parties.seal_a)
        .sign(parties.seal_b)
    )
    sealed = pkg.seal(
        groups(),
        other,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [parties.agreement], now=NOW)
    assert info.value.check == "agreement"


def test_untrusted_agreement_refused(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [], now=NOW)
    assert info.value.check == "signatures"


def test_package_expiry(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path, valid_for=timedelta(days=1))
    with pytest.raises(VerificationError) as info:
        pkg.verify(sealed.path, [parties.agreement], now=NOW + timedelta(days=2))
    assert info.value.check == "expiry"
    pkg.verify(sealed.path, [parties.agreement], now=NOW + timedelta(days=2), check_expiry=False)


def test_replay_and_rollback(parties: Parties, tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def lookup(_agreement: str, _station: str, package_id: str) -> tuple[bool, int | None]:
        return package_id in seen, max(seen.values()) if seen else None

    first = seal_one(parties, tmp_path / "1", seq=5)
    older = seal_one(parties, tmp_path / "2", seq=4)
    newer = seal_one(parties, tmp_path / "3", seq=6)
    pkg.verify(first.path, [parties.agreement], now=NOW, replay=ReplayCheck(lookup))
    seen[first.package_id] = 5
    for target, check in ((first, "replay"), (older, "replay")):
        with pytest.raises(VerificationError) as info:
            pkg.verify(target.path, [parties.agreement], now=NOW, replay=ReplayCheck(lookup))
        assert info.value.check == check
    pkg.verify(newer.path, [parties.agreement], now=NOW, replay=ReplayCheck(lookup))


def test_large_group_split_into_parts(parties: Parties, tmp_path: Path) -> None:
    rows = 200_000
    table = pa.table({"subject": [os.urandom(16).hex() for _ in range(rows)]})
    sealed = pkg.seal(
        {"scoring": table},
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
        max_part_bytes=1_000_000,
    )
    parts = [p for p in sealed.parts if p.group == "scoring"]
    assert len(parts) > 1
    opened = pkg.open_package(sealed, [parties.scoring.age_identity])
    assert opened["scoring"].equals(table)


def test_failed_seal_leaves_nothing(parties: Parties, tmp_path: Path, monkeypatch) -> None:
    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sha256sums, "render", boom)
    with pytest.raises(Exception, match="disk is full"):
        seal_one(parties, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_half_written_package_does_not_verify(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path / "a")
    partial = tmp_path / "b" / ".sx-partial"
    shutil.copytree(sealed.path, partial)
    for sig in partial.glob("*.minisig"):
        sig.unlink()
    with pytest.raises(VerificationError, match="incomplete"):
        pkg.verify(partial, [parties.agreement], now=NOW)


def test_part_swapped_after_verification_is_refused(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    part = next(sealed.path.glob("scoring-*.age"))
    part.write_bytes(part.read_bytes()[:-1] + b"\0")
    with pytest.raises(VerificationError):
        pkg.open_package(sealed, [parties.scoring.age_identity])


def test_kept_parts_are_opened_from_the_verified_bytes(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    checked = pkg.verify(sealed.path, [parties.agreement], now=NOW, keep_groups=["scoring"])
    assert set(checked.blobs) == {p.file for p in checked.parts if p.group == "scoring"}
    for part in sealed.path.glob("scoring-*.age"):
        part.write_bytes(b"swapped after verification")
    opened = pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert opened["scoring"].equals(groups()["scoring"])


def test_group_given_as_a_stream_of_batches(parties: Parties, tmp_path: Path) -> None:
    """A group too large to hold whole is sealed batch by batch, parts filling as they go."""
    schema = pa.schema([("subject", pa.string()), ("points", pa.int32())])

    def batches():  # type: ignore[no-untyped-def]
        for start in range(0, 150_000, 50_000):
            yield pa.record_batch(
                [
                    pa.array([os.urandom(16).hex() for _ in range(50_000)]),
                    pa.array(range(start, start + 50_000), pa.int32()),
                ],
                schema=schema,
            )

    sealed = pkg.seal(
        {"evaluations": pkg.GroupStream(schema, batches())},
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
        max_part_bytes=1_000_000,
    )
    assert sealed.rows("evaluations") == 150_000
    assert len(sealed.parts) > 1
    opened = pkg.open_package(sealed, [parties.scoring.age_identity])["evaluations"]
    assert opened.column("points").to_pylist() == list(range(150_000))


def test_stream_with_a_wrong_batch_leaves_nothing(parties: Parties, tmp_path: Path) -> None:
    schema = pa.schema([("subject", pa.string())])
    wrong = pa.record_batch([pa.array([1, 2])], names=["subject"])
    with pytest.raises(ValueError, match="schema"):
        pkg.seal(
            {"scoring": pkg.GroupStream(schema, [wrong])},
            parties.agreement,
            [parties.officer, parties.seal_a],
            out_dir=tmp_path,
            sender=Sender("A", "x"),
            sequence=1,
            categories=CATS,
            now=NOW,
        )
    assert list(tmp_path.iterdir()) == []


def test_empty_stream_gives_an_empty_group(parties: Parties, tmp_path: Path) -> None:
    schema = pa.schema([("subject", pa.string())])
    sealed = pkg.seal(
        {"scoring": pkg.GroupStream(schema, [])},
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )
    opened = pkg.open_package(sealed, [parties.scoring.age_identity])["scoring"]
    assert opened.num_rows == 0
    assert opened.schema.equals(schema)


def _interleaved(rows: int, step: int) -> pkg.GroupBatches:
    one = pa.schema([("subject", pa.string()), ("community", pa.string())])
    two = pa.schema([("subject", pa.string()), ("name", pa.string())])
    three = pa.schema([("subject", pa.string()), ("code", pa.string())])

    def batches():  # type: ignore[no-untyped-def]
        for start in range(0, rows, step):
            subjects = pa.array([os.urandom(16).hex() for _ in range(min(step, rows - start))])
            count = len(subjects)
            yield (
                "scoring",
                pa.table(
                    {
                        "subject": subjects,
                        "community": [str(n) for n in range(start, start + count)],
                    }
                ),
            )
            yield (
                "identity",
                pa.table(
                    {"subject": subjects, "name": pa.array([f"p{start + i}" for i in range(count)])}
                ),
            )

    return pkg.GroupBatches({"scoring": one, "identity": two, "evaluations": three}, batches())


def test_groups_filled_together_each_get_their_parts(parties: Parties, tmp_path: Path) -> None:
    """One pass feeds several groups at once; each keeps its own parts, in order."""
    sealed = pkg.seal(
        _interleaved(120_000, 30_000),
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path,
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
        max_part_bytes=400_000,
    )
    assert sealed.groups() == ("scoring", "identity", "evaluations")
    assert sealed.rows("scoring") == sealed.rows("identity") == 120_000
    assert sealed.rows("evaluations") == 0
    names = [p.file for p in sealed.parts]
    assert sum(n.startswith("identity-") for n in names) > 1
    assert names[:2] == ["scoring-0001.parquet.age", "scoring-0002.parquet.age"]
    opened = pkg.open_package(
        sealed, [parties.scoring.age_identity, *parties.reidentify.age_identities]
    )
    assert opened["scoring"].column("community").to_pylist() == [str(n) for n in range(120_000)]
    assert opened["identity"].column("subject").equals(opened["scoring"].column("subject"))
    assert opened["evaluations"].num_rows == 0


def test_categories_known_at_the_end_are_still_checked(parties: Parties, tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="does not allow"):
        pkg.seal(
            _interleaved(10, 5),
            parties.agreement,
            [parties.officer, parties.seal_a],
            out_dir=tmp_path,
            sender=Sender("A", "x"),
            sequence=1,
            now=NOW,
            categories=lambda: {"identity": ["病历"]},
        )
    assert list(tmp_path.iterdir()) == []


def test_a_failure_half_way_leaves_nothing(parties: Parties, tmp_path: Path) -> None:
    def failing():  # type: ignore[no-untyped-def]
        yield from list(_interleaved(20, 10).batches)[:3]
        raise RuntimeError("the source broke")

    batches = pkg.GroupBatches(_interleaved(0, 1).schemas, failing())
    with pytest.raises(RuntimeError, match="source broke"):
        pkg.seal(
            batches,
            parties.agreement,
            [parties.officer, parties.seal_a],
            out_dir=tmp_path,
            sender=Sender("A", "x"),
            sequence=1,
            now=NOW,
            categories=CATS,
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="schema of group 'nope'"):
        pkg.seal(
            pkg.GroupBatches(batches.schemas, [("nope", pa.table({"a": [1]}))]),
            parties.agreement,
            [parties.officer, parties.seal_a],
            out_dir=tmp_path,
            sender=Sender("A", "x"),
            sequence=1,
            now=NOW,
            categories=CATS,
        )
    assert list(tmp_path.iterdir()) == []


def test_verification_is_a_function_over_bytes(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    files = {p.name: p.read_bytes() for p in sealed.path.iterdir()}
    shutil.rmtree(sealed.path)  # nothing is read from disk any more
    checked = pkg.verify(pkg.MemoryReader(files), [parties.agreement], now=NOW)
    assert checked.manifest == sealed.manifest
    assert checked.hashes == sealed.hashes
    opened = pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert opened["scoring"].equals(groups()["scoring"])
    files["extra.txt"] = b"x"
    with pytest.raises(VerificationError) as info:
        pkg.verify(pkg.MemoryReader(files), [parties.agreement], now=NOW)
    assert info.value.check == "hashes"


def test_manifest_round_trips_byte_for_byte(parties: Parties, tmp_path: Path) -> None:
    sealed = seal_one(parties, tmp_path)
    data = (sealed.path / "manifest.json").read_bytes()
    manifest = pkg.Manifest.from_bytes(data)
    assert manifest.to_bytes() == data
    assert manifest.sender == Sender("A", "金乡街道真武社区")
    assert [g.name for g in manifest.groups] == ["scoring", "evaluations", "identity"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda m: m.update(sequence="7"), "sequence"),
        (lambda m: m.update(sequence=True), "sequence"),
        (lambda m: m.update(created="2022-07-01 09:00"), "created"),
        (lambda m: m.update(unknown=1), "unknown"),
        (lambda m: m.pop("purpose"), "purpose"),
        (lambda m: m["parts"][0].update(size=-1), "parts[0].size"),
        (lambda m: m["groups"]["scoring"].update(rows=1.0), "groups.scoring.rows"),
        (lambda m: m["groups"]["scoring"]["schema"][0].pop("nullable"), "nullable"),
        (lambda m: m["agreement"].update(extra="x"), "agreement.extra"),
    ],
)
def test_manifest_is_read_strictly(parties: Parties, tmp_path: Path, change, error) -> None:
    sealed = seal_one(parties, tmp_path)
    doc = json.loads((sealed.path / "manifest.json").read_bytes())
    change(doc)
    with pytest.raises(VerificationError, match=re.escape(error)) as info:
        pkg.Manifest.from_bytes(json.dumps(doc).encode())
    assert info.value.check == "manifest"


def test_manifest_other_format_and_duplicate_keys() -> None:
    with pytest.raises(VerificationError, match="sx-package-v9"):
        pkg.Manifest.from_bytes(b'{"format": "sx-package-v9"}')
    with pytest.raises(VerificationError, match=r"json\.duplicate_key"):
        pkg.Manifest.from_bytes(b'{"format": "sx-package-v1", "format": "sx-package-v1"}')


def test_age_errors_arrive_as_package_errors(parties: Parties) -> None:
    with pytest.raises(PackageError) as caught:
        read_part(b"not an age file", [parties.scoring.age_identity])
    assert caught.value.key == "age.header"
    assert not isinstance(caught.value, FormatError)
    with pytest.raises(IdentityError, match="age1"):
        recipients_of(["age1notarecipient"])

"""Hostile packages (issue 11, findings 5-7): each attack is crafted here and refused.

The attacker is either the thief of the stick (no keys: changes bytes, renames folders) or a
malicious peer holding its own valid keys, who re-signs whatever it crafts
(``_Forge.resign``). Every refusal is bounded and names what it refused.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from scoring import DECISION_SCHEMA
from secure_exchange import package as pkg
from secure_exchange.cli import build_cli
from secure_exchange.errors import PackageError, VerificationError
from secure_exchange.formats import age as _age
from secure_exchange.formats import sha256sums
from secure_exchange.formats.age.format import Stanza
from secure_exchange.package import ReplayCheck, Sender
from secure_exchange.package.layout import SIG_COMMENT, SUMS, signature_name, trusted_comment
from secure_exchange.pseudonym import Splitter, load_profile
from secure_exchange.trust import UnlockedIdentity
from tests.support import AGE_WINDOW, CATS, NOW, Parties, groups

ORG_A = "金乡街道真武社区"
TOKENS = [f"{i:032x}" for i in range(5)]


def _seal(p: Parties, out: Path, tables=None, cats=None, **kw) -> pkg.VerifiedPackage:
    return pkg.seal(
        tables if tables is not None else groups(),
        p.agreement,
        kw.pop("signers", [p.officer, p.seal_a]),
        out_dir=out,
        sender=kw.pop("sender", Sender("A", ORG_A)),
        sequence=kw.pop("sequence", 1),
        categories=cats if cats is not None else CATS,
        now=kw.pop("now", NOW),
        **kw,
    )


def _parquet(table: pa.Table, **kw) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", **kw)
    return sink.getvalue()


def _fields(table: pa.Table) -> list[dict[str, object]]:
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in table.schema]


def _recipient(text: str) -> _age.Recipient:
    if text.startswith("age1pq1"):
        return _age.HybridRecipient.from_str(text)
    return _age.X25519Recipient.from_str(text)


@dataclasses.dataclass
class _Forge:
    """A genuine package taken apart: files by name and the manifest as a JSON document."""

    parties: Parties
    files: dict[str, bytes]
    doc: dict

    @classmethod
    def of(cls, p: Parties, sealed: pkg.VerifiedPackage) -> _Forge:
        files = {f.name: f.read_bytes() for f in sealed.path.iterdir()}
        return cls(p, files, json.loads(files["manifest.json"]))

    def part(self, group: str, plain: bytes, rows: int, schema: list | None = None) -> None:
        """Replace ``group``'s only part with ``plain`` (Parquet bytes) encrypted to its readers."""
        info = self.doc["groups"][group]
        recipients = [_recipient(r) for r in info["recipients"]]
        (part,) = [p for p in self.doc["parts"] if p["group"] == group]
        self.files[part["file"]] = _age.encrypt_bytes(plain, recipients)
        part.update(rows=rows, size=len(self.files[part["file"]]))
        info["rows"] = rows
        if schema is not None:
            info["schema"] = schema

    def resign(
        self, signers: list[UnlockedIdentity] | None = None, raw_manifest: bytes | None = None
    ) -> dict[str, bytes]:
        """New SHA256SUMS and signatures by the peer's own valid keys."""
        signers = signers or [self.parties.officer, self.parties.seal_a]
        manifest = raw_manifest or json.dumps(self.doc, ensure_ascii=False).encode()
        self.files["manifest.json"] = manifest
        body = {n: d for n, d in self.files.items() if n != SUMS and not n.endswith(".minisig")}
        sums = sha256sums.render(
            {n: sha256sums.sha256_stream(io.BytesIO(d))[0] for n, d in body.items()}
        )
        body[SUMS] = sums
        comment = trusted_comment(self.doc["package_id"], self.parties.agreement.sha256)
        for signer in signers:
            sig = signer.signing_key.sign(
                sums, trusted_comment=comment, untrusted_comment=SIG_COMMENT
            )
            body[signature_name(signer.public.key_id)] = sig.encode("ascii")
        return body

    def write(self, root: Path, signers: list[UnlockedIdentity] | None = None) -> Path:
        folder = root / f"sx-{self.doc['package_id']}"
        folder.mkdir(parents=True)
        for name, data in self.resign(signers).items():
            (folder / name).write_bytes(data)
        return folder


def _verify(p: Parties, folder: Path | pkg.PackageReader, **kw) -> pkg.VerifiedPackage:
    return pkg.verify(folder, [p.agreement], now=kw.pop("now", NOW), **kw)


# --- finding 5: every group carries only the columns the profile gives it -----------------------


def _with_identity_columns() -> pa.Table:
    return pa.table(
        {
            "subject": TOKENS,
            "community": ["真武社区"] * 5,
            "name": [f"居民{i}" for i in range(5)],
            "phone": ["13800000000"] * 5,
            "id_number": ["370828198001011234"] * 5,
        }
    )


def test_scoring_group_with_name_phone_and_id_is_refused_before_decryption(
    parties: Parties, tmp_path: Path
) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path / "genuine"))
    table = _with_identity_columns()
    forge.part("scoring", _parquet(table), 5, _fields(table))
    forge.doc["groups"]["scoring"]["categories"] = []
    folder = forge.write(tmp_path / "stick")
    with pytest.raises(VerificationError, match=r"scoring.*name") as info:
        _verify(parties, folder)
    assert info.value.check == "scope"
    assert info.value.key == "verify.group_columns"


@pytest.mark.parametrize(
    ("schema", "column"),
    [
        ([{"name": "community", "type": "string", "nullable": True}], "subject"),
        (
            [
                {"name": "subject", "type": "string", "nullable": True},
                {"name": "community", "type": "struct<name: string>", "nullable": True},
            ],
            "community",
        ),
        (
            [
                {"name": "subject", "type": "string", "nullable": True},
                {"name": "subject", "type": "string", "nullable": True},
            ],
            "subject",
        ),
        (
            [
                {"name": "subject", "type": "string", "nullable": True},
                {"name": "source_row", "type": "int32", "nullable": True},
            ],
            "source_row",
        ),
    ],
    ids=["no-subject", "struct-smuggled-in-an-allowed-name", "twice", "source-row"],
)
def test_declared_schema_outside_the_profile_is_refused(
    parties: Parties, tmp_path: Path, schema, column
) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path / "genuine"))
    forge.doc["groups"]["scoring"]["schema"] = schema
    with pytest.raises(VerificationError, match=column) as info:
        _verify(parties, pkg.MemoryReader(forge.resign()))
    assert info.value.check == "scope"


def test_parquet_schema_must_equal_the_declared_one(parties: Parties, tmp_path: Path) -> None:
    """The manifest declares what the profile allows; the part itself holds more."""
    forge = _Forge.of(parties, _seal(parties, tmp_path / "genuine"))
    forge.part("scoring", _parquet(_with_identity_columns()), 5)  # declared schema kept
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    with pytest.raises(VerificationError, match="scoring") as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.key == "package.part_schema"


def test_undeclared_category_found_in_the_data_is_refused(parties: Parties, tmp_path: Path) -> None:
    """Identity may carry phone numbers, but only when the manifest declares 电话号码."""
    forge = _Forge.of(parties, _seal(parties, tmp_path / "genuine"))
    table = pa.table({"subject": TOKENS, "name": ["甲"] * 5, "phone": ["13800000000"] * 5})
    forge.part("identity", _parquet(table), 5, _fields(table))
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    with pytest.raises(VerificationError, match="电话号码") as info:
        pkg.open_package(checked, parties.reidentify.age_identities, ["identity"])
    assert info.value.key == "package.part_categories"


def test_seal_refuses_a_column_the_group_may_not_carry(parties: Parties, tmp_path: Path) -> None:
    tables = {**groups(), "scoring": _with_identity_columns()}
    with pytest.raises(PackageError, match="name") as info:
        _seal(parties, tmp_path, tables)
    assert info.value.key == "package.group_columns"
    assert list(tmp_path.iterdir()) == []


def test_decisions_may_come_only_from_the_bank_with_decision_columns(
    parties: Parties, tmp_path: Path
) -> None:
    decisions = pa.table({"subject": TOKENS, "status": ["approved"] * 5})
    bank = [parties.seal_b]
    sealed = _seal(
        parties,
        tmp_path / "ok",
        {"decisions": decisions},
        {"decisions": ["身份证号码"]},
        signers=bank,
        sender=Sender("B", "金乡农商银行"),
    )
    forge = _Forge.of(parties, sealed)
    extra = decisions.append_column("name", pa.array(["甲"] * 5))
    forge.part("decisions", _parquet(extra), 5, _fields(extra))
    with pytest.raises(VerificationError, match="name") as info:
        _verify(parties, pkg.MemoryReader(forge.resign(bank)))
    assert info.value.check == "scope"
    with pytest.raises(PackageError, match="decisions"):
        _seal(parties, tmp_path / "a", {"decisions": decisions}, {"decisions": ["身份证号码"]})


def test_group_columns_are_what_the_senders_write() -> None:
    """The receiver's table is data of its own; it must agree with the profile and the
    Splitter (what party A writes) and with the scorer's decisions (what the bank writes)."""
    rules = pkg.GROUP_COLUMNS
    assert set(rules) == {"scoring", "evaluations", "identity", "decisions"}
    roster = pa.table(  # with a 评议小组 roster, every column a group may carry is written
        {
            "source_row": pa.array([2], pa.int32()),
            "community": ["春秋社区"],
            "panel_date": pa.array([date(2022, 6, 28)], pa.date32()),
            "name": ["成员"],
            "role": ["党员"],
        }
    )
    for group, schema in Splitter(bytes(32), AGE_WINDOW, panel=roster).schemas.items():
        assert rules[group].schema.equals(schema), group
        assert rules[group].sender == "A"
    profile = load_profile()
    for rule in profile.rules:
        if rule.group in rules and rule.table == "residents":
            assert rules[rule.group].categories[rule.column] == rule.category, rule
    subject = next(r.category for r in profile.rules if r.group == "subject")
    assert {r.categories["subject"] for r in rules.values()} == {subject}
    returned = pa.schema([f for f in DECISION_SCHEMA if f.name != "source_row"])
    assert rules["decisions"].schema.equals(returned)
    assert rules["decisions"].sender == "B"


def test_decisions_read_from_csv_are_cast_to_their_types() -> None:
    table = pa.table({"subject": ["a"], "rate_bp": pa.array([435], pa.int64())})
    conformed = pkg.GROUP_COLUMNS["decisions"].conform(table)
    assert conformed.schema.field("rate_bp").type == pa.int32()
    with pytest.raises(PackageError, match="name"):
        pkg.GROUP_COLUMNS["decisions"].conform(table.append_column("name", pa.array(["甲"])))
    with pytest.raises(PackageError, match="rate_bp"):
        pkg.GROUP_COLUMNS["decisions"].conform(
            table.set_column(1, "rate_bp", pa.array([2**40], pa.int64()))
        )


# --- finding 6: hostile input is refused, bounded ----------------------------------------------


def _inspect(folder: Path, *args: str):
    return CliRunner().invoke(build_cli(), ["inspect", str(folder), *args], env={"SX_LANG": "en"})


@pytest.mark.parametrize(
    "manifest",
    [
        b"not json",
        b'{"format": "sx-package-v1", "groups": []}',
        b'{"format": "sx-package-v1", "groups": {"scoring": {"recipients": 7}}}',
        b"[" * 100_000,
        b'{"format": 7}',
    ],
    ids=["not-json", "groups-a-list", "recipients-a-number", "deeply-nested", "format-a-number"],
)
def test_inspect_of_a_malformed_manifest_is_a_one_line_refusal(
    parties: Parties, tmp_path: Path, manifest: bytes
) -> None:
    folder = _seal(parties, tmp_path).path
    (folder / "manifest.json").write_bytes(manifest)
    for args in ((), ("--json",)):
        result = _inspect(folder, *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "manifest" in result.output or "format" in result.output
        if not args:
            assert len(result.output.strip().splitlines()) == 1


def test_inspect_shows_a_genuine_manifest(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path)
    result = _inspect(sealed.path, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["package_id"] == sealed.package_id
    assert doc["groups"]["identity"] == {"rows": 5, "categories": CATS["identity"], "readers": 1}


def _in_thread(action: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``action`` in a thread; its result, or the exception it raised, lands in the list."""
    done: list[object] = []

    def run() -> None:
        try:
            done.append(action())
        except Exception as exc:  # handed to the test
            done.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)  # a guard against a hang, not a timing assertion
    return thread, done


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_inspect_and_verify_refuse_a_fifo_without_hanging(parties: Parties, tmp_path: Path) -> None:
    folder = _seal(parties, tmp_path).path
    (folder / "manifest.json").unlink()
    os.mkfifo(folder / "manifest.json")
    thread, done = _in_thread(lambda: _inspect(folder))
    assert not thread.is_alive(), "sx inspect hangs on a FIFO"
    assert done[0].exit_code == 1
    thread, done = _in_thread(lambda: _verify(parties, folder))
    assert not thread.is_alive(), "verify hangs on a FIFO"
    assert isinstance(done[0], VerificationError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_slipped_in_after_the_layout_check_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "SHA256SUMS")
    reader = pkg.DirectoryReader(tmp_path)
    thread, done = _in_thread(lambda: reader.read(SUMS, 100))
    assert not thread.is_alive(), "reading a FIFO hangs"
    assert isinstance(done[0], VerificationError)


def test_an_oversized_part_is_refused_by_its_size_before_it_is_read(
    parties: Parties, tmp_path: Path
) -> None:
    folder = _seal(parties, tmp_path).path
    part = next(folder.glob("scoring-*.age"))
    with part.open("r+b") as fh:
        fh.truncate(6 * 1024**3)  # sparse: 6 GB that take no room
    for keep in ((), ("scoring",)):
        with pytest.raises(VerificationError, match=part.name) as info:
            _verify(parties, folder, keep_groups=keep)
        assert info.value.check == "hashes"
        assert info.value.key == "verify.part_size"


class _CountingReader:
    """A package in memory that counts what verification reads and refuses big reads."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.inner = pkg.MemoryReader(files)
        self.read_limits: list[int] = []

    def __getattr__(self, name: str):  # path, names, is_file, name
        return getattr(self.inner, name)

    def read(self, name: str, limit: int) -> bytes:
        self.read_limits.append(limit)
        return self.inner.read(name, limit)


def test_parts_are_hashed_as_a_stream_and_kept_only_within_a_budget(
    parties: Parties, tmp_path: Path, monkeypatch
) -> None:
    sealed = _seal(parties, tmp_path)
    files = {f.name: f.read_bytes() for f in sealed.path.iterdir()}
    reader = _CountingReader(files)
    checked = _verify(parties, reader)
    assert max(reader.read_limits) <= 4 * 1024 * 1024  # only small files are read whole
    assert checked.blobs == {}
    monkeypatch.setattr("secure_exchange.package.verification.KEEP_BUDGET", 10)
    checked = _verify(parties, pkg.MemoryReader(files), keep_groups=["scoring"])
    assert checked.blobs == {}  # over the budget: opened by re-hashing as it is decrypted
    opened = pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert opened["scoring"].equals(groups()["scoring"])


def test_part_swapped_after_verification_is_refused_while_decrypting(
    parties: Parties, tmp_path: Path
) -> None:
    sealed = _seal(parties, tmp_path / "a")
    other = _seal(parties, tmp_path / "b", {**groups(), "scoring": groups(3)["scoring"]})
    checked = _verify(parties, sealed.path)
    part = next(sealed.path.glob("scoring-*.age"))
    part.write_bytes(next(other.path.glob("scoring-*.age")).read_bytes())  # valid age, wrong hash
    with pytest.raises(VerificationError) as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.check == "hashes"


def _bomb(rows: int) -> pa.Table:
    """Rows that compress to almost nothing and decode to a lot."""
    return pa.table(
        {
            "subject": pa.array(["f" * 32]).take(pa.array([0] * rows)),
            "community": pa.array(["x" * 1000]).take(pa.array([0] * rows)),
        }
    )


def test_parquet_row_count_is_checked_in_the_footer_before_decoding(
    parties: Parties, tmp_path: Path, monkeypatch
) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    forge.part("scoring", _parquet(_bomb(200_000), row_group_size=65_536), 5)  # manifest: 5 rows
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))

    def no_decoding(*_a, **_k):
        raise AssertionError("columns decoded before the footer was checked")

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", no_decoding)
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", no_decoding)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", no_decoding)
    monkeypatch.setattr(pq, "read_table", no_decoding)
    with pytest.raises(VerificationError, match="scoring") as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.key == "package.part_rows"


def test_a_part_that_decodes_to_far_more_than_it_weighs_is_refused(
    parties: Parties, tmp_path: Path
) -> None:
    """The peer declares the rows honestly; the decoded size is what gives it away."""
    rows = 600_000
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    plain = _parquet(_bomb(rows), row_group_size=65_536)
    assert len(plain) < 1_000_000  # and 600 MB once decoded
    forge.part("scoring", plain, rows)
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    with pytest.raises(VerificationError) as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.key == "package.part_too_large"


def test_row_groups_larger_than_the_writer_makes_are_refused(
    parties: Parties, tmp_path: Path
) -> None:
    rows = 70_000
    table = pa.table({"subject": [f"{i:032x}" for i in range(rows)]})
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    forge.part("scoring", _parquet(table, row_group_size=rows), rows, _fields(table))
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    with pytest.raises(VerificationError) as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.key == "package.part_row_group"


class _Grease:
    """An age recipient that adds ``count`` junk stanzas next to a real one."""

    def __init__(self, real: _age.X25519Recipient, count: int, body: bytes = b"") -> None:
        self.real, self.count, self.body = real, count, body

    def wrap(self, file_key: bytes, *, random=os.urandom) -> list[Stanza]:
        junk = [Stanza("junk", ("a",), self.body)] * self.count
        return [*junk, *self.real.wrap(file_key, random=random)]


def test_age_header_with_too_many_stanzas_is_refused(parties: Parties) -> None:
    ident = parties.scoring.age_identity
    grease = _Grease(ident.recipient(), 150_000)
    data = _age.encrypt_bytes(b"payload", [grease])
    with pytest.raises(_age.AgeHeaderError) as info:
        _age.decrypt_bytes(data, [ident])
    assert info.value.key == "age.header_too_large"
    few = _age.encrypt_bytes(b"payload", [_Grease(ident.recipient(), 20)])
    assert _age.decrypt_bytes(few, [ident]) == b"payload"


def test_age_header_larger_than_allowed_is_refused(parties: Parties) -> None:
    ident = parties.scoring.age_identity
    grease = _Grease(ident.recipient(), 8, body=os.urandom(200_000))
    with pytest.raises(_age.AgeHeaderError) as info:
        _age.decrypt_bytes(_age.encrypt_bytes(b"payload", [grease]), [ident])
    assert info.value.key == "age.header_too_large"


def test_a_part_with_a_huge_age_header_is_a_package_error(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path)
    forge = _Forge.of(parties, sealed)
    (part,) = [p for p in forge.doc["parts"] if p["group"] == "scoring"]
    grease = _Grease(parties.scoring.age_identity.recipient(), 150_000)
    plain = _parquet(groups()["scoring"])
    forge.files[part["file"]] = _age.encrypt_bytes(plain, [grease])
    part["size"] = len(forge.files[part["file"]])
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    with pytest.raises(PackageError) as info:
        pkg.open_package(checked, [parties.scoring.age_identity], ["scoring"])
    assert info.value.key == "age.header_too_large"


# --- finding 7: manifest, folder name, sequence and expiry --------------------------------------


class _Shifty(pkg.MemoryReader):
    """Serves the genuine manifest the first time and a forged one on every later read."""

    def __init__(self, files: dict[str, bytes], forged: bytes) -> None:
        super().__init__(files)
        self.forged = forged
        self.reads = 0

    def read(self, name: str, limit: int) -> bytes:
        if name == "manifest.json":
            self.reads += 1
            if self.reads > 1:
                return self.forged[: limit + 1]
        return super().read(name, limit)

    def open(self, name: str):
        if name == "manifest.json":
            return io.BytesIO(self.read(name, 1 << 30))
        return super().open(name)


def test_manifest_is_parsed_from_the_very_bytes_hashed(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path)
    files = {f.name: f.read_bytes() for f in sealed.path.iterdir()}
    doc = json.loads(files["manifest.json"])
    doc["purpose"] = "something else"
    reader = _Shifty(files, json.dumps(doc).encode())
    checked = _verify(parties, reader)
    assert checked.manifest == sealed.manifest
    assert reader.reads == 1


def test_renamed_folder_is_refused(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path / "a")
    other = _seal(parties, tmp_path / "b")
    for name in (other.path.name, "sx-20220701-renamed", "package"):
        moved = tmp_path / "c" / name
        shutil.copytree(sealed.path, moved)
        with pytest.raises(VerificationError, match="folder") as info:
            _verify(parties, moved)
        assert info.value.check == "manifest"
        assert info.value.key == "verify.folder_name"
        shutil.rmtree(moved)
    # Bytes in memory have no folder name; a reader may be told the name to bind.
    _verify(parties, pkg.DirectoryReader(sealed.path, name=sealed.path.name))
    with pytest.raises(VerificationError, match="folder"):
        _verify(parties, pkg.DirectoryReader(sealed.path, name=other.path.name))


def test_duplicate_keys_anywhere_in_the_manifest_are_refused(
    parties: Parties, tmp_path: Path
) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    text = json.dumps(forge.doc, ensure_ascii=False)
    doubled = text.replace('"rows": 5,', '"rows": 5, "rows": 5000000,', 1)
    assert doubled != text
    with pytest.raises(VerificationError, match="duplicate") as info:
        _verify(parties, pkg.MemoryReader(forge.resign(raw_manifest=doubled.encode())))
    assert info.value.check == "manifest"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["parts"].append(dict(d["parts"][0])),
        lambda d: d["parts"][0].update(file="manifest.json"),
        lambda d: d.update(extra_files=[d["parts"][0]["file"]]),
    ],
    ids=["a-part-twice", "the-manifest-as-a-part", "a-part-as-an-extra-file"],
)
def test_manifest_naming_a_file_twice_is_refused(parties: Parties, tmp_path: Path, change) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    change(forge.doc)
    with pytest.raises(VerificationError) as info:
        _verify(parties, pkg.MemoryReader(forge.resign()))
    assert info.value.check == "manifest"


@pytest.mark.parametrize(
    ("sequence", "said"), [(2**31, "sequence"), (2**63, "sequence"), (10**30, "number")]
)
def test_absurd_sequence_is_refused_in_the_manifest(
    parties: Parties, tmp_path: Path, sequence: int, said: str
) -> None:
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    forge.doc["sequence"] = sequence
    with pytest.raises(VerificationError, match=said) as info:
        _verify(parties, pkg.MemoryReader(forge.resign()))
    assert info.value.check == "manifest"


def test_one_signed_absurd_package_cannot_poison_the_replay_state(
    parties: Parties, tmp_path: Path
) -> None:
    """The register takes only what verification accepted: a sequence far beyond the last
    one is refused, so the sender's next genuine package is not a "rollback"."""
    register: dict[str, int] = {}

    def seen(_agreement: str, _sender: str, package_id: str) -> tuple[bool, int | None]:
        return package_id in register, max(register.values(), default=None)

    def import_(source: Path | pkg.PackageReader) -> pkg.VerifiedPackage:
        checked = _verify(parties, source, replay=ReplayCheck(seen))
        register[checked.package_id] = checked.sequence  # recorded only once accepted
        return checked

    import_(_seal(parties, tmp_path / "1", sequence=1).path)
    forge = _Forge.of(parties, _seal(parties, tmp_path / "2", sequence=2))
    for absurd in (2**31 - 1, 1_000_000):
        forge.doc["sequence"] = absurd
        with pytest.raises(VerificationError, match="sequence") as info:
            import_(pkg.MemoryReader(forge.resign()))
        assert info.value.check == "replay"
        assert info.value.key == "verify.sequence_jump"
    assert import_(_seal(parties, tmp_path / "3", sequence=3).path).sequence == 3
    assert import_(_seal(parties, tmp_path / "4", sequence=40).path).sequence == 40  # a gap is fine


def test_first_package_from_a_sender_may_not_start_absurdly_high(
    parties: Parties, tmp_path: Path
) -> None:
    never = ReplayCheck(lambda *_: (False, None))
    sealed = _seal(parties, tmp_path, sequence=5_000_000)
    with pytest.raises(VerificationError, match="sequence"):
        _verify(parties, sealed.path, replay=never)


@pytest.mark.parametrize(
    ("created", "expires", "now", "key"),
    [
        ("2099-12-10T00:00:00Z", "2100-01-05T00:00:00Z", "2099-12-15", "expires_after_agreement"),
        ("2022-07-01T09:00:00Z", "2024-01-01T00:00:00Z", "2022-07-01", "expires_absurd"),
        ("2022-07-01T09:00:00Z", "2022-06-30T00:00:00Z", "2022-07-01", "expires_absurd"),
        ("2030-01-01T00:00:00Z", "2030-01-31T00:00:00Z", "2022-07-01", "created_in_future"),
    ],
    ids=["after-the-agreement", "years-ahead", "before-created", "created-in-the-future"],
)
def test_expiry_beyond_the_agreement_or_absurdly_far_is_refused(
    parties: Parties, tmp_path: Path, created: str, expires: str, now: str, key: str
) -> None:
    """A peer may not make its package importable for longer than the agreement runs, or
    for years (a package held back and delivered much later: a freeze)."""
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    forge.doc.update(created=created, expires=expires)
    at = datetime.fromisoformat(now).replace(hour=12, tzinfo=UTC)
    with pytest.raises(VerificationError, match=r"expir|sealed") as info:
        _verify(parties, pkg.MemoryReader(forge.resign()), now=at, check_expiry=False)
    assert info.value.check == "expiry"
    assert info.value.key == f"verify.{key}"


def test_seal_caps_expiry_at_the_agreements_last_day(parties: Parties, tmp_path: Path) -> None:
    end = parties.agreement.valid_until
    now = datetime(end.year, end.month, end.day, 12, 0, tzinfo=UTC) - timedelta(days=3)
    sealed = _seal(parties, tmp_path, now=now, valid_for=timedelta(days=30))
    assert sealed.manifest.expires == datetime.combine(
        end + timedelta(days=1), datetime.min.time(), UTC
    )
    _verify(parties, sealed.path, now=now)


def test_genuine_packages_still_verify_and_open(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path, sequence=7)
    checked = _verify(parties, sealed.path, keep_groups=["scoring"])
    opened = pkg.open_package(
        checked, [parties.scoring.age_identity, *parties.reidentify.age_identities]
    )
    for group in ("scoring", "evaluations", "identity"):
        assert opened[group].equals(groups()[group]), group

"""Field-level pseudonymisation of a ledger into the column groups that leave the village.

The profile (``profiles/ledger-v1.toml``, mirrored in ``protocols/profiles/``) says for every
column its Annex 3 category and its group. Subjects are replaced by a keyed token
(protocols/pseudonymisation-v1.md):

    k_agreement = HKDF-SHA256(ikm=station secret, salt=agreement SHA-256 (32 bytes),
                              info="sx/subject-token/v1", length=32)
    token       = hex(AES-256-CMAC(k_agreement, the 18 ASCII bytes of the ID number))

so tokens are stable under one agreement (the bank links a person across monthly packages),
differ between agreements (a leaked table shows whose copy leaked) and cannot be recomputed
or reversed without the secret, which never leaves party A. An unkeyed hash would not do:
an 18-digit ID has about 2^37 plausible values nationwide and is brute-forced in seconds.
"""

from __future__ import annotations

import binascii
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import NewType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "GROUPS",
    "Profile",
    "Pseudonymised",
    "Token",
    "load_profile",
    "pseudonymise",
    "token_key",
    "tokens",
]

Token = NewType("Token", str)
GROUPS = ("scoring", "evaluations", "identity")
_INFO = b"sx/subject-token/v1"
_ID_LEN = 18
# "element" is the Parquet-compliant name of a list's item field, so the schema recorded
# in the manifest is the one that comes back from the Parquet file.
_NOTES = pa.list_(
    pa.field(
        "element",
        pa.struct([("code", pa.string()), ("panel_date", pa.date32()), ("note", pa.string())]),
    )
)


@dataclass(frozen=True)
class ColumnRule:
    """What happens to one ledger column."""

    table: str
    column: str
    group: str
    category: str


@dataclass(frozen=True)
class Profile:
    """A pseudonymisation profile: one rule per column of each ledger table."""

    name: str
    rules: tuple[ColumnRule, ...]

    def columns(self, table: str, group: str) -> list[str]:
        """Columns of ``table`` that go to ``group``, in profile order."""
        return [r.column for r in self.rules if r.table == table and r.group == group]

    def rule(self, table: str, column: str) -> ColumnRule:
        """The rule for one column (KeyError for a column the profile does not know)."""
        for rule in self.rules:
            if rule.table == table and rule.column == column:
                return rule
        raise KeyError(f"{table}.{column}")


def load_profile(name: str = "ledger-v1") -> Profile:
    """Load a built-in profile."""
    text = resources.files("secure_exchange.profiles").joinpath(f"{name}.toml").read_text("utf-8")
    doc = tomllib.loads(text)
    rules = []
    for table in ("residents", "evaluations"):
        for column, spec in doc[table].items():
            if spec["group"] not in (*GROUPS, "subject", "drop"):
                raise ValueError(f"profile {name}: bad group for {table}.{column}")
            rules.append(ColumnRule(table, column, spec["group"], spec["category"]))
    return Profile(str(doc["profile"]), tuple(rules))


def token_key(secret: bytes, agreement_sha256: str) -> bytes:
    """Derive the per-agreement token key from the station's secret."""
    if len(secret) < 32:
        raise ValueError("the tokenisation secret must be at least 32 bytes")
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(agreement_sha256), info=_INFO
    )
    return hkdf.derive(secret)


def _aes_ecb(key: bytes, blocks: bytes) -> np.ndarray:
    """AES applied to each 16-byte block on its own (the batch form of the block cipher)."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - see below
    out = encryptor.update(blocks) + encryptor.finalize()
    return np.frombuffer(out, dtype=np.uint8).reshape(-1, 16)


def _double(block: bytes) -> bytes:
    """Multiplication by x in GF(2^128), RFC 4493 §2.3."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ 0x87
    return value.to_bytes(16, "big")


def tokens(key: bytes, id_numbers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Tokens for a column of normalised 18-character ID numbers: hex(AES-CMAC(key, id)).

    AES-CMAC (RFC 4493) is computed for all IDs at once: an 18-byte message is two blocks,
    so the tag is E(E(M1) xor pad(M2) xor K2). Each AES call here enciphers independent
    single blocks, which is what CMAC itself does; ``tests/test_pseudonym.py`` checks the
    result against ``cryptography``'s CMAC.
    """
    ids = id_numbers.combine_chunks() if isinstance(id_numbers, pa.ChunkedArray) else id_numbers
    count = len(ids)
    if count == 0:
        return pa.array([], type=pa.string())
    ids = ids.cast(pa.binary())
    lengths = pc.binary_length(ids)
    if ids.null_count or pc.min(lengths).as_py() != _ID_LEN or pc.max(lengths).as_py() != _ID_LEN:
        raise ValueError("tokens need normalised 18-character ID numbers")
    start = int(np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset])
    raw = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[start : start + _ID_LEN * count]
    message = raw.reshape(count, _ID_LEN)
    first = _aes_ecb(key, np.ascontiguousarray(message[:, :16]).tobytes())
    last = np.zeros((count, 16), dtype=np.uint8)
    last[:, : _ID_LEN - 16] = message[:, 16:]
    last[:, _ID_LEN - 16] = 0x80  # padding of an incomplete last block
    k2 = np.frombuffer(_double(_double(_aes_ecb(key, bytes(16)).tobytes())), dtype=np.uint8)
    tags = _aes_ecb(key, (first ^ last ^ k2).tobytes())
    text = pa.py_buffer(binascii.hexlify(tags.tobytes()))
    offsets = pa.py_buffer(np.arange(0, 32 * (count + 1), 32, dtype=np.int32).tobytes())
    return pa.Array.from_buffers(pa.string(), count, [None, offsets, text])


@dataclass(frozen=True)
class Pseudonymised:
    """The column groups and the Annex 3 categories each carries."""

    groups: Mapping[str, pa.Table]
    categories: Mapping[str, tuple[str, ...]]


def pseudonymise(
    residents: pa.Table, evaluations: pa.Table, key: bytes, profile: Profile | None = None
) -> Pseudonymised:
    """Split a checked ledger into the ``scoring``, ``evaluations`` and ``identity`` groups."""
    profile = profile or load_profile()
    _check_covered(profile, residents, "residents")
    _check_covered(profile, evaluations, "evaluations")
    subject = tokens(key, residents.column("id_number"))
    eval_subject = tokens(key, evaluations.column("id_number"))
    scoring = _group(residents, subject, profile.columns("residents", "scoring"))
    evals = _group(evaluations, eval_subject, profile.columns("evaluations", "evaluations"))
    identity = _group(residents, subject, profile.columns("residents", "identity"))
    if profile.columns("evaluations", "identity") == ["note"]:
        identity = identity.append_column("evaluation_notes", _notes(evaluations, residents))
    groups = {"scoring": scoring, "evaluations": evals, "identity": identity}
    return Pseudonymised(groups, _categories(profile, residents, evaluations))


def _check_covered(profile: Profile, table: pa.Table, name: str) -> None:
    for column in table.column_names:
        try:
            profile.rule(name, column)
        except KeyError:
            raise ValueError(f"profile {profile.name} has no rule for {name}.{column}") from None


def _group(table: pa.Table, subject: pa.Array, columns: list[str]) -> pa.Table:
    present = [c for c in columns if c in table.column_names]
    out = table.select(present)
    return out.add_column(0, "subject", subject)


def _notes(evaluations: pa.Table, residents: pa.Table) -> pa.Array:
    """Per resident, the panel's notes about them (only records with a note), vectorised."""
    count = residents.num_rows
    has_note = pc.fill_null(pc.not_equal(pc.utf8_length(evaluations.column("note")), 0), False)
    picked = evaluations.filter(has_note)
    if picked.num_rows == 0:
        return pa.nulls(count, _NOTES)
    owner = pc.index_in(picked.column("id_number"), value_set=residents.column("id_number"))
    picked = picked.append_column("_owner", owner).filter(pc.is_valid(owner))
    picked = picked.sort_by([("_owner", "ascending")])
    per_resident = np.bincount(picked.column("_owner").to_numpy(), minlength=count)
    offsets = np.concatenate([[0], np.cumsum(per_resident)]).astype(np.int32)
    values = pa.StructArray.from_arrays(
        [picked.column(c).combine_chunks() for c in ("code", "panel_date", "note")],
        fields=list(_NOTES.value_type),
    )
    return pa.ListArray.from_arrays(
        pa.array(offsets), values, type=_NOTES, mask=pa.array(per_resident == 0)
    )


def _categories(
    profile: Profile, residents: pa.Table, evaluations: pa.Table
) -> dict[str, tuple[str, ...]]:
    """Categories of the columns that actually carry data, per group."""
    found: dict[str, set[str]] = {g: set() for g in GROUPS}
    for name, table in (("residents", residents), ("evaluations", evaluations)):
        for column in table.column_names:
            rule = profile.rule(name, column)
            if rule.group not in GROUPS or not rule.category:
                continue
            if table.column(column).null_count < table.num_rows:
                found[rule.group].add(rule.category)
    for rule in profile.rules:
        if rule.group == "subject":
            for group in GROUPS:
                found[group].add(rule.category)  # the token stands for the ID number
    return {g: tuple(sorted(c)) for g, c in found.items()}

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
import threading
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

from secure_exchange.ledger.ids import id_keys

__all__ = [
    "GROUPS",
    "Profile",
    "Pseudonymised",
    "Splitter",
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
    folder = resources.files("secure_exchange.pseudonym.profiles")
    text = folder.joinpath(f"{name}.toml").read_text("utf-8")
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
    splitter = Splitter(key, profile)
    evals = splitter.evaluations(evaluations)
    scoring, identity = splitter.residents(residents)
    groups = {"scoring": scoring, "evaluations": evals, "identity": identity}
    return Pseudonymised(groups, splitter.categories())


class Splitter:
    """Pseudonymises a checked ledger block by block into the three column groups.

    Feed it every evaluations block first, then the residents blocks: the panel's notes
    about a resident (free text, so identity data) travel in that resident's identity row,
    and are gathered on the way (they are few). Nothing else is kept between blocks.
    """

    def __init__(self, key: bytes, profile: Profile | None = None) -> None:
        from secure_exchange.ledger.rules import EVALUATION_SCHEMA, RESIDENT_SCHEMA

        self.key = key
        self.profile = profile or load_profile()
        _check_covered(self.profile, RESIDENT_SCHEMA, "residents")
        _check_covered(self.profile, EVALUATION_SCHEMA, "evaluations")
        self._with_notes = self.profile.columns("evaluations", "identity") == ["note"]
        self._notes: list[pa.Table] = []
        self._note_index: tuple[np.ndarray, pa.StructArray] | None = None
        self._carrying: dict[str, set[str]] = {g: set() for g in GROUPS}
        self._lock = threading.Lock()
        scoring, identity = self._split_residents(
            RESIDENT_SCHEMA.empty_table(), np.zeros(0, np.int64)
        )
        self.schemas: dict[str, pa.Schema] = {
            "scoring": scoring.schema,
            "evaluations": self._split_evaluations(EVALUATION_SCHEMA.empty_table()).schema,
            "identity": identity.schema,
        }

    def evaluations(self, table: pa.Table, keys: np.ndarray | None = None) -> pa.Table:
        """The ``evaluations`` group of a block; its notes are kept for the identity rows.

        ``keys`` are the ID keys of the block's rows (``_ledger_ids.id_keys``), worked out
        here when not given.
        """
        batch, notes = self.split_evaluations(table, keys)
        self.keep(notes)
        return batch

    def split_evaluations(
        self, table: pa.Table, keys: np.ndarray | None = None
    ) -> tuple[pa.Table, pa.Table | None]:
        """The ``evaluations`` group of a block and its notes, keeping nothing but which
        categories carry data (so blocks may be split in parallel); hand the notes to
        ``keep`` in ledger order."""
        self.note_categories("evaluations", table)
        notes = None
        if self._with_notes:
            keys = id_keys(table.column("id_number")) if keys is None else keys
            notes = _notes_table(table, keys)
        return self._split_evaluations(table), notes

    def keep(self, notes: pa.Table | None) -> None:
        """Keep a block's notes (from ``split_evaluations``)."""
        if self._note_index is not None:
            raise ValueError("every evaluations block must come before the residents")
        if notes is not None and notes.num_rows:
            self._notes.append(notes)

    def note_categories(self, name: str, table: pa.Table) -> None:
        """Record which categories ``table`` (a block of ``name``) carries data for."""
        for column in table.column_names:
            rule = self.profile.rule(name, column)
            if (
                rule.group in GROUPS
                and rule.category
                and (table.column(column).null_count < table.num_rows)
            ):
                with self._lock:
                    self._carrying[rule.group].add(rule.category)

    def residents(
        self, table: pa.Table, keys: np.ndarray | None = None
    ) -> tuple[pa.Table, pa.Table]:
        """The ``scoring`` and ``identity`` groups of a block of residents.

        Safe to call from several threads once every evaluations block has been kept.
        """
        self.note_categories("residents", table)
        with self._lock:
            if self._note_index is None:
                self._note_index = _note_index(self._notes)
                self._notes = []
        return self._split_residents(
            table, id_keys(table.column("id_number")) if keys is None else keys
        )

    def categories(self) -> dict[str, tuple[str, ...]]:
        """Categories of the columns that carried data so far, per group."""
        with self._lock:
            found = {g: set(c) for g, c in self._carrying.items()}
        for rule in self.profile.rules:
            if rule.group == "subject":
                for group in GROUPS:
                    found[group].add(rule.category)  # the token stands for the ID number
        return {g: tuple(sorted(c)) for g, c in found.items()}

    def _split_evaluations(self, table: pa.Table) -> pa.Table:
        subject = tokens(self.key, table.column("id_number"))
        return _group(table, subject, self.profile.columns("evaluations", "evaluations"))

    def _split_residents(self, table: pa.Table, keys: np.ndarray) -> tuple[pa.Table, pa.Table]:
        subject = tokens(self.key, table.column("id_number"))
        scoring = _group(table, subject, self.profile.columns("residents", "scoring"))
        identity = _group(table, subject, self.profile.columns("residents", "identity"))
        if self._with_notes:
            notes = self._notes_of(keys) if len(keys) else pa.nulls(0, _NOTES)
            identity = identity.append_column("evaluation_notes", notes)
        return scoring, identity

    def _notes_of(self, keys: np.ndarray) -> pa.Array:
        """Per resident, the panel's notes about them (only records with a note)."""
        if self._note_index is None:
            raise ValueError("the notes are gathered before the residents are split")
        note_keys, values = self._note_index
        if not len(note_keys):
            return pa.nulls(len(keys), _NOTES)
        left = np.searchsorted(note_keys, keys, side="left")
        counts = np.searchsorted(note_keys, keys, side="right") - left
        counts[keys < 0] = 0
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        picks = np.repeat(left - offsets[:-1], counts) + np.arange(offsets[-1])
        return pa.ListArray.from_arrays(
            pa.array(offsets),
            values.take(pa.array(picks, pa.int64())),
            type=_NOTES,
            mask=pa.array(counts == 0),
        )


def _notes_table(table: pa.Table, keys: np.ndarray) -> pa.Table | None:
    """The records of a block of evaluations that have a note, with their ID keys."""
    note = table.column("note")
    has_note = np.asarray(
        pc.fill_null(pc.not_equal(pc.utf8_length(note), 0), False).to_numpy(zero_copy_only=False)
    ) & (keys >= 0)
    if not has_note.any():
        return None
    picked = table.select(["code", "panel_date", "note"]).filter(pa.array(has_note))
    return picked.append_column("_key", pa.array(keys[has_note]))


def _note_index(notes: list[pa.Table]) -> tuple[np.ndarray, pa.StructArray]:
    """The gathered notes ordered by ID key (ledger order kept within one key)."""
    if not notes:
        return np.zeros(0, np.int64), pa.StructArray.from_arrays(
            [pa.array([], f.type) for f in _NOTES.value_type], fields=list(_NOTES.value_type)
        )
    table = pa.concat_tables(notes).combine_chunks()
    keys = np.asarray(table.column("_key").to_numpy())
    order = np.argsort(keys, kind="stable")
    values = pa.StructArray.from_arrays(
        [table.column(c).combine_chunks() for c in ("code", "panel_date", "note")],
        fields=list(_NOTES.value_type),
    ).take(pa.array(order, pa.int64()))
    return keys[order], values


def _check_covered(profile: Profile, schema: pa.Schema, name: str) -> None:
    for column in schema.names:
        try:
            profile.rule(name, column)
        except KeyError:
            raise ValueError(f"profile {profile.name} has no rule for {name}.{column}") from None


def _group(table: pa.Table, subject: pa.Array, columns: list[str]) -> pa.Table:
    present = [c for c in columns if c in table.column_names]
    out = table.select(present)
    return out.add_column(0, "subject", subject)

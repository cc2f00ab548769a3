"""Field-level pseudonymisation of a checked ledger into the column groups that leave the
village: ``scoring``, ``evaluations`` and ``identity``, each keyed by the subject token.

The profile (``profile.load_profile``) says which group each column goes to; the ID number
becomes a token (``tokens.tokens``); the birth date becomes the age facts over the
agreement's validity (``scoring.age_facts``); the panel's free-text notes travel in the
resident's identity row. With a 评议小组 roster (ledger-v1 revision 2), each resident's row
carries the sittings that evaluated them: date, member count and roles in ``scoring``
(``panel_sittings``), the members' names and roles in ``identity`` (``panel_members``).
The re-identification risk of every group but ``identity`` is measured on the way
(``risk.RiskMeter``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring import AgeWindow, age_facts
from secure_exchange.ledger import (
    EVALUATION_SCHEMA,
    PANEL_ROLES,
    RESIDENT_SCHEMA,
    expand_ranges,
    id_keys,
)
from secure_exchange.package import MEMBERS_TYPE, NOTES_TYPE, SITTINGS_TYPE, GroupRisk
from secure_exchange.pseudonym.profile import GROUPS, Profile, load_profile
from secure_exchange.pseudonym.risk import RiskMeter
from secure_exchange.pseudonym.tokens import tokens

__all__ = ["Kept", "Pseudonymised", "Splitter", "pseudonymise"]


@dataclass(frozen=True)
class _Sitting:
    """One sitting of the roster: its date, member count, roles (in roster order of
    ``PANEL_ROLES``) and the members' (name, role)."""

    day: object
    members: int
    roles: str
    names: tuple[tuple[str, str], ...]


def _sittings(panel: pa.Table) -> dict[tuple[str, int], _Sitting]:
    """The roster's sittings by (community, days since 1970)."""
    grouped: dict[tuple[str, int], list[tuple[object, str, str]]] = {}
    days = pc.cast(panel["panel_date"], pa.int32()).to_pylist()
    rows = zip(
        panel["community"].to_pylist(),
        days,
        panel["panel_date"].to_pylist(),
        panel["name"].to_pylist(),
        panel["role"].to_pylist(),
        strict=True,
    )
    for community, day, value, name, role in rows:
        if community is not None and day is not None:
            grouped.setdefault((community, day), []).append((value, name or "", role or ""))
    order = {role: i for i, role in enumerate(PANEL_ROLES)}
    found = {}
    for key, members in grouped.items():
        roles = sorted((r for _, _, r in members), key=lambda r: order.get(r, len(order)))
        found[key] = _Sitting(
            members[0][0], len(members), "、".join(roles), tuple((n, r) for _, n, r in members)
        )
    return found


_DAY_BIAS = 1 << 31  # days since 1970 as an unsigned 32-bit field of a 64-bit key


def _packed(high: np.ndarray, days: np.ndarray) -> np.ndarray:
    """One int64 per (``high``, day), ordered as the pairs are."""
    return (high.astype(np.int64) << 32) | (days.astype(np.int64) + _DAY_BIAS)


@dataclass(frozen=True)
class _Roster:
    """The roster's sittings as Arrow rows for whole blocks at a time: ``keys`` (sorted)
    are (community's place in ``communities``, day) packed, ``sittings`` the scoring
    struct of each, ``members`` every sitting's members one after the other (sitting
    ``i``'s from ``starts[i]``, ``counts[i]`` of them)."""

    communities: pa.Array
    keys: np.ndarray
    sittings: pa.StructArray
    members: pa.StructArray
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, found: Mapping[tuple[str, int], _Sitting]) -> _Roster:
        """The roster of the sittings ``found`` (``_sittings``)."""
        names = sorted({community for community, _ in found})
        place = {community: i for i, community in enumerate(names)}
        items = sorted(found.items(), key=lambda item: (place[item[0][0]], item[0][1]))
        keys = _packed(
            np.array([place[c] for (c, _), _ in items], dtype=np.int64),
            np.array([day for (_, day), _ in items], dtype=np.int64),
        )
        sittings = [{"panel_date": f.day, "members": f.members, "roles": f.roles} for _, f in items]
        members = [
            {"panel_date": f.day, "name": name, "role": role}
            for _, f in items
            for name, role in f.names
        ]
        counts = np.array([len(f.names) for _, f in items], dtype=np.int64)
        return cls(
            pa.array(names, pa.string()),
            keys,
            pa.array(sittings, SITTINGS_TYPE.value_type),
            pa.array(members, MEMBERS_TYPE.value_type),
            np.cumsum(counts) - counts,
            counts,
        )

    def lists(
        self, community: pa.ChunkedArray | pa.Array, keys: np.ndarray, dates: _DateIndex
    ) -> tuple[pa.Array, pa.Array]:
        """Per resident (``community``, ID ``keys``), the sittings on the dates of their
        evaluation records (``dates``: every record's key and day, by key), day by day,
        and the members of those sittings; null where there are none."""
        count = len(keys)
        date_keys, days = dates
        place = np.asarray(
            pc.fill_null(pc.index_in(community, value_set=self.communities), -1).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.int64,
        )
        by_key = np.argsort(keys)  # sorted needles: the binary searches stay cache-warm
        ordered = keys[by_key]
        low, counts = np.empty(count, np.int64), np.empty(count, np.int64)
        low[by_key] = np.searchsorted(date_keys, ordered, side="left")
        counts[by_key] = np.searchsorted(date_keys, ordered, side="right")
        counts -= low
        counts[(keys < 0) | (place < 0)] = 0  # no ID, or a community the roster never sat in
        owner = np.repeat(np.arange(count), counts)
        picked = days[expand_ranges(low, counts)]
        wanted = _packed(place[owner], picked)
        at = np.minimum(np.searchsorted(self.keys, wanted), max(len(self.keys) - 1, 0))
        hit = self.keys[at] == wanted if len(self.keys) else np.zeros(len(wanted), dtype=bool)
        owner, sitting = owner[hit], at[hit]
        # each resident's sittings once, by day (a day may hold several of their records)
        both = _packed(owner, picked[hit])
        order = np.argsort(both, kind="stable")
        both, owner, sitting = both[order], owner[order], sitting[order]
        first = np.ones(len(both), dtype=bool)
        first[1:] = both[1:] != both[:-1]
        owner, sitting = owner[first], sitting[first]
        per = np.bincount(owner, minlength=count)
        listed = _list(per, self.sittings.take(pa.array(sitting, pa.int64())), SITTINGS_TYPE)
        sizes = self.counts[sitting]
        names = self.members.take(pa.array(expand_ranges(self.starts[sitting], sizes), pa.int64()))
        per_member = np.bincount(owner, weights=sizes, minlength=count).astype(np.int64)
        return listed, _list(per_member, names, MEMBERS_TYPE)


_DateIndex = tuple[np.ndarray, np.ndarray]


def _list(per: np.ndarray, values: pa.Array, kind: pa.DataType) -> pa.Array:
    """A list per row of ``per`` items each from ``values`` (null where none)."""
    offsets = np.zeros(len(per) + 1, dtype=np.int32)
    np.cumsum(per, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=kind, mask=pa.array(per == 0))


@dataclass(frozen=True)
class Pseudonymised:
    """The column groups and the Annex 3 categories each carries."""

    groups: Mapping[str, pa.Table]
    categories: Mapping[str, tuple[str, ...]]
    risk: Mapping[str, GroupRisk]


def pseudonymise(
    residents: pa.Table,
    evaluations: pa.Table,
    key: bytes,
    window: AgeWindow,
    profile: Profile | None = None,
    panel: pa.Table | None = None,
) -> Pseudonymised:
    """Split a checked ledger into the ``scoring``, ``evaluations`` and ``identity`` groups.

    ``window`` is the agreement's validity and the policy's age range, for the age facts;
    ``panel``: the ledger's 评议小组 roster, if it has one.
    """
    splitter = Splitter(key, window, profile, panel)
    evals = splitter.evaluations(evaluations)
    scoring, identity = splitter.residents(residents)
    groups = {"scoring": scoring, "evaluations": evals, "identity": identity}
    return Pseudonymised(groups, splitter.categories(), splitter.risk())


class Splitter:
    """Pseudonymises a checked ledger block by block into the three column groups.

    Feed it every evaluations block first, then the residents blocks: the panel's notes
    about a resident (free text, so identity data) travel in that resident's identity row,
    and are gathered on the way (they are few). Nothing else is kept between blocks but
    the sizes of the equivalence classes the risk measure needs.
    """

    def __init__(
        self,
        key: bytes,
        window: AgeWindow,
        profile: Profile | None = None,
        panel: pa.Table | None = None,
    ) -> None:
        self.key = key
        self.window = window
        self.profile = profile or load_profile()
        _check_covered(self.profile, RESIDENT_SCHEMA, "residents")
        _check_covered(self.profile, EVALUATION_SCHEMA, "evaluations")
        self._with_notes = self.profile.columns("evaluations", "identity") == ["note"]
        self._sittings = _sittings(panel) if panel is not None and panel.num_rows else None
        self._with_sittings = "role" in self.profile.columns("panel", "scoring")
        self._with_members = "name" in self.profile.columns("panel", "identity")
        if not (self._with_sittings or self._with_members):
            self._sittings = None
        self._roster = None if self._sittings is None else _Roster.of(self._sittings)
        self._notes: list[pa.Table] = []
        self._dates: list[_DateIndex] = []  # each evaluation record's ID key and day
        self._note_index: tuple[np.ndarray, pa.StructArray] | None = None
        self._date_index: tuple[np.ndarray, np.ndarray] | None = None
        self._carrying: dict[str, set[str]] = {g: set() for g in GROUPS}
        self._lock = threading.Lock()
        self._meters: dict[str, RiskMeter] = {}  # filled once the schemas are known
        scoring, identity = self._split_residents(
            RESIDENT_SCHEMA.empty_table(), np.zeros(0, np.int64)
        )
        self.schemas: dict[str, pa.Schema] = {
            "scoring": scoring.schema,
            "evaluations": self._split_evaluations(EVALUATION_SCHEMA.empty_table()).schema,
            "identity": identity.schema,
        }
        self._meters.update(
            (group, RiskMeter([c for c in schema.names if c != "subject"]))
            for group, schema in self.schemas.items()
            if group != "identity"  # direct identifiers: the re-identification key's own
        )

    def evaluations(self, table: pa.Table, keys: np.ndarray | None = None) -> pa.Table:
        """The ``evaluations`` group of a block; its notes are kept for the identity rows.

        ``keys`` are the ID keys of the block's rows (``ledger.id_keys``), worked out
        here when not given.
        """
        batch, notes = self.split_evaluations(table, keys)
        self.keep(notes)
        return batch

    def split_evaluations(
        self, table: pa.Table, keys: np.ndarray | None = None
    ) -> tuple[pa.Table, Kept]:
        """The ``evaluations`` group of a block and what the residents need of it (the
        panel's notes; each record's ID key and date, for the roster's sittings), keeping
        nothing but which categories carry data (so blocks may be split in parallel); hand
        the second to ``keep`` in ledger order."""
        self.note_categories("evaluations", table)
        kept = Kept(None, None)
        if self._with_notes or self._sittings is not None:
            keys = id_keys(table.column("id_number")) if keys is None else keys
            kept = Kept(
                _notes_table(table, keys) if self._with_notes else None,
                _record_dates(table, keys) if self._sittings is not None else None,
            )
        return self._split_evaluations(table), kept

    def keep(self, kept: Kept) -> None:
        """Keep what a block of evaluations gives the residents (``split_evaluations``)."""
        if self._note_index is not None:
            raise ValueError("every evaluations block must come before the residents")
        if kept.notes is not None and kept.notes.num_rows:
            self._notes.append(kept.notes)
        if kept.dates is not None and len(kept.dates[0]):
            self._dates.append(kept.dates)

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
                self._date_index = _date_index(self._dates)
                self._note_index = _note_index(self._notes)
                self._notes, self._dates = [], []
        return self._split_residents(
            table, id_keys(table.column("id_number")) if keys is None else keys
        )

    def risk(self) -> dict[str, GroupRisk]:
        """The re-identification risk of every group but ``identity``, over the rows so far."""
        return {group: meter.result() for group, meter in self._meters.items()}

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
        group = _group(table, subject, self.profile.columns("evaluations", "evaluations"))
        if "evaluations" in self._meters:
            self._meters["evaluations"].add(group)
        return group

    def _split_residents(self, table: pa.Table, keys: np.ndarray) -> tuple[pa.Table, pa.Table]:
        subject = tokens(self.key, table.column("id_number"))
        for name, column in age_facts(table.column("birth_date"), self.window).items():
            table = table.append_column(name, column)
        scoring = _group(table, subject, self.profile.columns("residents", "scoring"))
        identity = _group(table, subject, self.profile.columns("residents", "identity"))
        if self._with_notes:
            notes = self._notes_of(keys) if len(keys) else pa.nulls(0, NOTES_TYPE)
            identity = identity.append_column("evaluation_notes", notes)
        if self._sittings is not None:
            sittings, members = self._panel_of(table, keys)
            if self._with_sittings:
                scoring = scoring.append_column("panel_sittings", sittings)
            if self._with_members:
                identity = identity.append_column("panel_members", members)
        if "scoring" in self._meters:  # every column the scoring key reads, the sittings too
            self._meters["scoring"].add(scoring)
        return scoring, identity

    def _panel_of(self, table: pa.Table, keys: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Per resident, the roster's sittings on the dates of their evaluation records."""
        if self._roster is None:
            raise ValueError("no roster to look the sittings up in")
        dates = self._date_index or (np.zeros(0, np.int64), np.zeros(0, np.int32))
        return self._roster.lists(table.column("community"), keys, dates)

    def _notes_of(self, keys: np.ndarray) -> pa.Array:
        """Per resident, the panel's notes about them (only records with a note)."""
        if self._note_index is None:
            raise ValueError("the notes are gathered before the residents are split")
        note_keys, values = self._note_index
        if not len(note_keys):
            return pa.nulls(len(keys), NOTES_TYPE)
        left = np.searchsorted(note_keys, keys, side="left")
        counts = np.searchsorted(note_keys, keys, side="right") - left
        counts[keys < 0] = 0
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        picks = expand_ranges(left, counts)
        return pa.ListArray.from_arrays(
            pa.array(offsets),
            values.take(pa.array(picks, pa.int64())),
            type=NOTES_TYPE,
            mask=pa.array(counts == 0),
        )


@dataclass(frozen=True)
class Kept:
    """What a block of evaluations gives the residents' rows: the records that have a
    note, with their ID keys (``notes``), and every record's ID key and panel date as days
    since 1970 (``dates``, for the roster's sittings); each ``None`` when not needed."""

    notes: pa.Table | None
    dates: _DateIndex | None


def _notes_table(table: pa.Table, keys: np.ndarray) -> pa.Table | None:
    """The records of a block of evaluations that have a note, with their ID keys."""
    note = table.column("note")
    has_note = np.asarray(
        pc.fill_null(pc.not_equal(pc.binary_length(note), 0), False).to_numpy(zero_copy_only=False)
    )
    kept = has_note & (keys >= 0)
    if not kept.any():
        return None
    picked = table.select(["code", "panel_date", "note"]).filter(pa.array(kept))
    return picked.append_column("_key", pa.array(keys[kept]))


def _record_dates(table: pa.Table, keys: np.ndarray) -> _DateIndex:
    """Each record's ID key and panel date (days since 1970, -1 if none), valid IDs only."""
    days = pc.fill_null(pc.cast(table.column("panel_date"), pa.int32()), -1)
    valid = keys >= 0
    return keys[valid], np.asarray(days.to_numpy(zero_copy_only=False), np.int32)[valid]


def _date_index(dates: list[_DateIndex]) -> _DateIndex:
    """Every kept record's (ID key, panel date as days since 1970), ordered by key."""
    if not dates:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    keys = np.concatenate([k for k, _ in dates])
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    days = np.concatenate([d for _, d in dates])[order]
    return keys, days


def _note_index(notes: list[pa.Table]) -> tuple[np.ndarray, pa.StructArray]:
    """The gathered notes ordered by ID key (ledger order kept within one key)."""
    if not notes:
        return np.zeros(0, np.int64), pa.StructArray.from_arrays(
            [pa.array([], f.type) for f in NOTES_TYPE.value_type],
            fields=list(NOTES_TYPE.value_type),
        )
    table = pa.concat_tables(notes).combine_chunks()  # records with a note only
    keys = np.asarray(table.column("_key").to_numpy())
    order = np.argsort(keys, kind="stable")
    values = pa.StructArray.from_arrays(
        [table.column(c).combine_chunks() for c in ("code", "panel_date", "note")],
        fields=list(NOTES_TYPE.value_type),
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

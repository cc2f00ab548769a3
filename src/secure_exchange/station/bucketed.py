"""Scoring a package in buckets of subjects, so that memory stays bounded at any size.

A bucket is a run of contiguous scoring rows (at most ``BUCKET_SUBJECTS``) read from the
scoring group's row groups, with the evaluation records of its subjects taken from a pass
over the evaluations group (four columns only). The engine scores each bucket on its own
(a subject's records all fall in its bucket, so nothing it computes spans buckets); the
warnings and summaries add up; a subject repeated across buckets is refused as the
engine refuses one repeated within a bucket. A package that fits one bucket is scored
exactly as a whole (its evaluations not even filtered), so its decisions are the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from scoring import (
    Adjustment,
    OutputFormatError,
    Policy,
    ScoreResult,
    ScoringError,
    SubjectLocator,
    Summary,
    apply_adjustments,
    merge_summaries,
    score,
    score_warnings,
    subject_keys,
    summarise,
)
from secure_exchange.formats import age as _age
from secure_exchange.package import VerifiedPackage, open_group_batches
from secure_exchange.reports import TableSink
from secure_exchange.station.scored import ApprovedWriter

__all__ = [
    "BUCKET_SUBJECTS",
    "XLSX_ROWS",
    "PackageScore",
    "Tally",
    "bucket_subjects",
    "check_output_rows",
    "scored_buckets",
    "write_buckets",
]

BUCKET_SUBJECTS = 1_000_000
"""Subjects scored at a time (a package of up to this many is scored whole)."""
XLSX_ROWS = 1_048_575  # an Excel sheet's rows, less its header
_EVALUATION_COLUMNS = ("subject", "code", "level", "points")

Identities = Sequence[_age.X25519Identity | _age.HybridIdentity]


@dataclass(frozen=True)
class PackageScore:
    """What scoring a package gives its caller: the summary and the warnings (the
    decisions themselves went to the output file as they came)."""

    summary: Summary
    warnings: tuple[str, ...]
    warning_keys: tuple[str, ...]


@dataclass
class Tally:
    """The buckets' summaries and outside-level counts, added up as they come."""

    policy: Policy
    as_of: date
    summaries: list[Summary] = field(default_factory=list)
    outside: Counter[str] = field(default_factory=Counter)

    def add(self, result: ScoreResult) -> None:
        """Count one bucket's decisions and warnings."""
        self.summaries.append(summarise(result.decisions))
        self.outside.update(dict(result.outside))

    def outcome(self) -> PackageScore:
        """The whole package's summary and warnings (codes in policy order)."""
        outside = tuple(
            (code, self.outside[code]) for code in self.policy.codes if code in self.outside
        )
        texts, keys = score_warnings(self.policy, self.as_of, outside)
        return PackageScore(merge_summaries(self.summaries), texts, keys)


def check_output_rows(suffix: str, rows: int) -> None:
    """Refuse, before any work, decisions an .xlsx cannot hold.

    Raises:
        OutputFormatError: ``suffix`` is .xlsx and ``rows`` exceeds ``XLSX_ROWS``.
    """
    if suffix.lower() == ".xlsx" and rows > XLSX_ROWS:
        raise OutputFormatError("score.output.xlsx_rows", count=f"{rows:,}")


def scored_buckets(
    package: VerifiedPackage,
    identities: Identities,
    policy: Policy,
    as_of: date,
    adjustments: Sequence[Adjustment] = (),
    source: str = "<adjustments>",
) -> Iterator[ScoreResult]:
    """Score ``package`` bucket by bucket, in scoring-row order, each with its share of
    ``adjustments`` applied (every check of ``apply_adjustments`` kept; one naming a
    subject of no bucket is refused once all are scored, as are subjects repeated across
    buckets: a caller keeps what it made of the buckets until the iterator is done).

    Raises:
        ScoringError: as ``score`` (also for a subject repeated across buckets) and
            ``apply_adjustments``.
        PackageError, VerificationError: as ``open_group_batches``.
    """
    size = bucket_subjects(package)
    whole = package.rows("scoring") <= size
    adjusting = _Adjusting(adjustments, policy, as_of, source, whole)
    with ThreadPoolExecutor(2) as pool:  # reading ahead on the other core
        inputs = _Inputs(package, identities, whole, pool, size)
        for number, bucket in enumerate(inputs.buckets):
            subjects = bucket.column("subject")
            result = score(bucket, inputs.records(number, subjects), policy, as_of)
            yield adjusting.apply(result, subjects)
    adjusting.finish()
    inputs.finish()


def bucket_subjects(package: VerifiedPackage) -> int:
    """Subjects scored at a time for ``package``: ``BUCKET_SUBJECTS``, or half as many when
    its scoring rows carry the 评议小组's sittings (a list per subject, and its text in the
    decisions: a bucket then takes about half as much memory again; 10M subjects with a
    roster peaked at 2.06 GB in buckets of 1M)."""
    fields = next((g.schema for g in package.manifest.groups if g.name == "scoring"), ())
    if any(f.name == "panel_sittings" for f in fields):
        return max(1, BUCKET_SUBJECTS // 2)
    return BUCKET_SUBJECTS


class _Inputs:
    """Each bucket's scoring rows and evaluation records, read ahead in ``pool``: for a
    whole package the records while the rows are read; else the first bucket's rows
    while the records are split among the buckets, the next bucket's while one is
    scored."""

    def __init__(
        self,
        package: VerifiedPackage,
        identities: Identities,
        whole: bool,
        pool: Executor,
        size: int,
    ) -> None:
        self._package, self._identities = package, identities
        self._keys: list[npt.NDArray[np.uint64]] = []  # each bucket's (no split)
        self._split: _Split | None = None
        self._whole: Future[pa.Table] | None = None
        rows = _buckets(open_group_batches(package, identities, "scoring"), size)
        if whole:
            self._whole = pool.submit(_evaluations, package, identities, None)
            self.buckets = rows
        else:
            self.buckets = _ahead(rows, pool)
            self._split = _split(package, identities, size, pool)

    def records(self, number: int, subjects: pa.ChunkedArray) -> pa.Table:
        """Bucket ``number``'s evaluation records (a superset when there is no split)."""
        if self._whole is not None:
            return self._whole.result()
        if self._split is not None:
            return self._split.records(number, subjects)
        # subjects the index cannot hold: a pass over the records per bucket
        self._keys.append(subject_keys(subjects))
        return _evaluations(self._package, self._identities, np.sort(self._keys[-1]))

    def finish(self) -> None:
        """Refuse subjects repeated across buckets the split did not see."""
        if len(self._keys) > 1:
            _check_unique(self._package, self._identities, self._keys)


@dataclass
class _Adjusting:
    """The bank's adjustments, applied bucket by bucket; those naming a subject of no
    bucket refused once all are scored, as when a package is scored whole."""

    adjustments: Sequence[Adjustment]
    policy: Policy
    as_of: date
    source: str
    whole: bool
    matched: npt.NDArray[np.bool_] = field(init=False)
    last: pa.Table | None = None

    def __post_init__(self) -> None:
        self.matched = np.zeros(len(self.adjustments), dtype=bool)

    def apply(self, result: ScoreResult, subjects: pa.ChunkedArray) -> ScoreResult:
        """``result`` with the adjustments of its bucket's subjects applied."""
        if self.adjustments:
            mine = _adjustments_of(self.adjustments, subjects, self.whole)
            self.matched |= mine
            chosen = [a for a, take in zip(self.adjustments, mine.tolist(), strict=True) if take]
            adjusted = apply_adjustments(
                result.decisions, chosen, self.policy, self.as_of, source=self.source
            )
            result = ScoreResult(adjusted, result.warnings, result.warning_keys, result.outside)
        self.last = result.decisions
        return result

    def finish(self) -> None:
        """Refuse an adjustment no bucket's subject matched (as ``apply_adjustments``)."""
        if not self.matched.all() and self.last is not None:
            unknown = [self.adjustments[int(np.flatnonzero(~self.matched)[0])]]
            empty = self.last.slice(0, 0)
            apply_adjustments(empty, unknown, self.policy, self.as_of, source=self.source)


def write_buckets(
    results: Iterable[ScoreResult], sink: TableSink, approved: ApprovedWriter, tally: Tally
) -> None:
    """Each bucket's decisions to ``sink`` (on another thread, while ``approved`` and
    ``tally`` take them here and the next bucket is scored), in order."""
    with ThreadPoolExecutor(1) as pool:
        writing: Future[None] | None = None
        for result in results:
            if writing is not None:
                writing.result()  # one bucket's decisions in flight at a time
            writing = pool.submit(sink.write, result.decisions)
            approved.add(result.decisions)
            tally.add(result)
        if writing is not None:
            writing.result()


def _ahead(items: Iterator[pa.Table], pool: Executor) -> Iterator[pa.Table]:
    """``items`` in order, each made in ``pool`` while the caller uses the one before,
    the first from now on (one at a time: ``items`` is never advanced by two threads at
    once)."""
    first = pool.submit(next, items, None)

    def arriving() -> Iterator[pa.Table]:
        coming = first
        while (item := coming.result()) is not None:
            coming = pool.submit(next, items, None)
            yield item

    return arriving()


@dataclass
class _Split:
    """Each bucket's evaluation records from one pass: the scoring row within the bucket
    and the other columns (text as dictionaries: a few bytes a record)."""

    template: pa.Table  # the columns read, no rows
    parts: defaultdict[int, list[pa.Table]] = field(default_factory=lambda: defaultdict(list))

    def records(self, number: int, subjects: pa.ChunkedArray) -> pa.Table:
        """Bucket ``number``'s records (input order), their subjects from ``subjects``;
        handed over once."""
        parts = self.parts.pop(number, [])
        if not parts:
            return self.template
        joined = pa.concat_tables(parts)
        columns = [
            subjects.take(joined.column("row")).cast(f.type)
            if f.name == "subject"
            else joined.column(f.name).cast(f.type)
            for f in self.template.schema
        ]
        return pa.table(columns, schema=self.template.schema)


def _split(
    package: VerifiedPackage, identities: Identities, size: int, pool: Executor
) -> _Split | None:
    """Index the scoring subjects (refusing a repeat at once, as the engine does), then
    hand each evaluation record to its subject's bucket in one pass; ``None`` when the
    subjects are not tokens of one width (each bucket then passes over the records).
    Each pass reads its next row group in ``pool`` while this one is worked on."""
    locator = SubjectLocator()
    subjects = open_group_batches(package, identities, "scoring", columns=["subject"])
    for table in _ahead(subjects, pool):
        locator.add(table.column("subject"))
    repeated = locator.finish()
    if repeated:
        raise ScoringError("score.input.duplicate_subject", count=repeated)
    columns = _evaluation_columns(package)
    if not locator.usable or "subject" not in columns:
        return None
    split: _Split | None = None
    records = open_group_batches(package, identities, "evaluations", columns=columns)
    for table in _ahead(records, pool):
        split = split or _Split(table.slice(0, 0))
        rows = locator.locate(table.column("subject"))
        bucket = np.where(rows >= 0, rows // size, -1)
        for number in np.unique(bucket[bucket >= 0]).tolist():
            chosen = np.flatnonzero(bucket == number)
            part = table.take(pa.array(chosen)).drop_columns(["subject"])
            for index, column in enumerate(part.columns):
                if pa.types.is_string(column.type):
                    encoded = pc.dictionary_encode(column)
                    part = part.set_column(
                        index, part.field(index).with_type(encoded.type), encoded
                    )
            within = (rows[chosen] - number * size).astype(np.int32)
            split.parts[number].append(part.append_column("row", pa.array(within)))
    return split


def _evaluation_columns(package: VerifiedPackage) -> list[str]:
    info = package.manifest.group("evaluations")
    names = {f.name for f in info.schema} if info is not None else set()
    return [c for c in _EVALUATION_COLUMNS if c in names]


def _buckets(tables: Iterable[pa.Table], size: int) -> Iterator[pa.Table]:
    """Runs of at most ``size`` rows of the concatenated ``tables`` (at least one, empty
    when they hold no row), without copying."""
    pending: list[pa.Table] = []
    count = 0
    empty = None
    for table in tables:
        empty = table.slice(0, 0)
        while table.num_rows:
            take = min(size - count, table.num_rows)
            pending.append(table.slice(0, take))
            count, table = count + take, table.slice(take)
            if count == size:
                yield pa.concat_tables(pending)
                pending, count = [], 0
                empty = None
    if pending:
        yield pa.concat_tables(pending)
    elif empty is not None:
        yield empty


def _evaluations(
    package: VerifiedPackage, identities: Identities, wanted: npt.NDArray[np.uint64] | None
) -> pa.Table:
    """The evaluation records the engine reads (its four columns, those the group has);
    with ``wanted`` (sorted subject keys) only records whose subject's key is among them:
    a superset of the bucket's records (a key two subjects share lets a stranger's record
    in, which the engine ignores, as it ignores any record of a subject it is not
    scoring)."""
    columns = _evaluation_columns(package)
    kept = []
    for table in open_group_batches(package, identities, "evaluations", columns=columns):
        if wanted is not None and "subject" in table.column_names and wanted.size:
            found = subject_keys(table.column("subject"))
            at = np.minimum(np.searchsorted(wanted, found), wanted.size - 1)
            table = table.filter(pa.array(wanted[at] == found))
        kept.append(table)
    return pa.concat_tables(kept) if len(kept) > 1 else kept[0]


def _adjustments_of(
    adjustments: Sequence[Adjustment], subjects: pa.ChunkedArray, whole: bool
) -> npt.NDArray[np.bool_]:
    """Which adjustments name a subject of this bucket (all of them for a whole package,
    so that an unknown subject is refused exactly as before)."""
    if whole:
        return np.ones(len(adjustments), dtype=bool)
    named = pa.array([a.subject for a in adjustments], pa.string())
    found = pc.is_in(named, value_set=subjects.cast(pa.string()).combine_chunks())
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _check_unique(
    package: VerifiedPackage, identities: Identities, keys: list[npt.NDArray[np.uint64]]
) -> None:
    """Refuse subjects repeated across buckets: equal keys name the candidates, whose
    subjects are then read again and compared in full."""
    every = np.sort(np.concatenate(keys))
    shared = np.unique(every[1:][every[1:] == every[:-1]])
    if not shared.size:
        return
    candidates: list[str] = []
    for table in open_group_batches(package, identities, "scoring", columns=["subject"]):
        subjects = table.column("subject")
        hit = np.isin(subject_keys(subjects), shared)
        candidates += subjects.filter(pa.array(hit)).to_pylist()
    repeated = len(candidates) - len(set(candidates))
    if repeated:
        raise ScoringError("score.input.duplicate_subject", count=repeated)

"""Benchmark: score N synthetic subjects (~1.3 records each) vs reading them from Parquet.

Usage: .venv/bin/python bench/bench_score.py [--subjects 1000000] [--seed 7] [--repeat 3]

Generates seeded, realistic data (codes/levels weighted like a village panel, 5 % unmet
base conditions, ages 14–75), writes scoring.parquet and evaluations.parquet to a temp
dir, then times (a) ``pyarrow.parquet.read_table`` of both files — the baseline — and
(b) ``scoring.engine.score`` on the in-memory tables. Prints best-of-``repeat`` times,
their ratio and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from scoring.engine import score
from scoring.policy import Policy, load_policy

AS_OF = date(2022, 7, 1)
T = TypeVar("T")
TYPES = ["农户", "新型农业经营主体", "个体工商户"]
COMMUNITIES = [
    "春秋社区",
    "真武社区",
    "金桥社区",
    "金宇社区",
    "金山社区",
    "周庄社区",
    "金西社区",
    "十里社区",
]
# Relative frequency of each code among records (policy order), roughly village-like.
WEIGHTS = {
    "B1": 4,
    "B2": 8,
    "B3": 8,
    "B4": 3,
    "B5.1": 12,
    "B5.2": 3,
    "B6": 5,
    "B7": 6,
    "B8": 6,
    "B9": 4,
    "D1": 5,
    "D2": 3,
    "D3": 3,
    "D4": 4,
    "D5": 2,
    "D6": 2,
    "D7": 1,
    "D8": 2,
    "D9": 1,
    "D10": 1,
    "D11": 3,
    "D12": 3,
    "V1": 0.1,
    "V2": 0.2,
    "V3": 0.1,
    "V4": 0.4,
    "V5": 0.1,
    "V6": 0.3,
    "V7": 0.1,
}


def tokens(rng: np.random.Generator, count: int) -> pa.Array:
    """``count`` random 32-hex-digit pseudonym tokens, built without a Python loop."""
    raw = rng.integers(0, 16, size=(count, 32), dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[raw]
    offsets = pa.py_buffer((np.arange(count + 1, dtype=np.int32) * 32).tobytes())
    return pa.Array.from_buffers(pa.string(), count, [None, offsets, pa.py_buffer(digits)])


def pick(
    rng: np.random.Generator, values: list[str], count: int, weights: list[float] | None = None
) -> pa.Array:
    """``count`` strings drawn from ``values``."""
    p = None if weights is None else np.asarray(weights) / np.sum(weights)
    return pa.array(values).take(pa.array(rng.choice(len(values), size=count, p=p)))


def scoring_table(rng: np.random.Generator, count: int) -> pa.Table:
    """The scoring column group of ``count`` synthetic subjects."""
    born = (np.datetime64("1947-01-01") + rng.integers(0, 61 * 365, count)).astype("M8[D]")
    flags = {
        name: pa.array(rng.random(count) < share)
        for name, share in (
            ("full_civil_capacity", 0.99),
            ("fixed_residence", 0.98),
            ("fixed_income", 0.95),
            ("major_bad_credit", 0.02),
        )
    }
    return pa.table(
        {
            "subject": tokens(rng, count),
            "birth_date": pa.array(born, type=pa.date32()),
            "sex": pick(rng, ["M", "F"], count),
            "community": pick(rng, COMMUNITIES, count),
            "subject_type": pick(rng, TYPES, count, [85, 8, 7]),
            **flags,
        }
    )


def evaluation_table(
    rng: np.random.Generator, subjects: pa.Array, policy: Policy, count: int
) -> pa.Table:
    """``count`` records over random subjects, valid levels and panel points."""
    codes = list(policy.codes)
    code = rng.choice(len(codes), size=count, p=_norm([WEIGHTS[c] for c in codes]))
    level = np.full(count, None, dtype=object)
    points = np.zeros(count, dtype=np.int32)
    has_points = np.zeros(count, dtype=bool)
    for number, item in enumerate(policy.items):  # loop over the ~30 codes only
        mask = code == number
        if item.kind == "levelled":
            names = np.array(list(item.levels), dtype=object)
            level[mask] = names[rng.integers(0, len(names), int(mask.sum()))]
        elif item.kind == "panel":
            points[mask] = rng.integers(1, 31, int(mask.sum()))
            has_points |= mask
    return pa.table(
        {
            "subject": subjects.take(pa.array(rng.integers(0, len(subjects), count))),
            "code": pa.array(codes).take(pa.array(code)),
            "level": pa.array(level, type=pa.string()),
            "points": pa.array(points, mask=~has_points, type=pa.int32()),
            "panel_date": pa.repeat(pa.scalar(date(2022, 6, 28), pa.date32()), count),
        }
    )


def _norm(weights: list[float]) -> npt.NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    normalised: npt.NDArray[np.float64] = w / w.sum()
    return normalised


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """Best wall time of ``repeat`` (>= 1) calls and the last result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    """Generate, write, read back, score, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records-per-subject", type=float, default=1.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_policy()
    rng = np.random.default_rng(args.seed)
    scoring = scoring_table(rng, args.subjects)
    evaluations = evaluation_table(
        rng,
        scoring["subject"].combine_chunks(),
        policy,
        int(args.subjects * args.records_per_subject),
    )
    with tempfile.TemporaryDirectory(prefix="bench-score-") as tmp:
        paths = (Path(tmp) / "scoring.parquet", Path(tmp) / "evaluations.parquet")
        pq.write_table(scoring, paths[0])
        pq.write_table(evaluations, paths[1])
        read_s, tables = best_of(args.repeat, lambda: [pq.read_table(p) for p in paths])
    loaded_scoring: pa.Table = tables[0]
    loaded_evaluations: pa.Table = tables[1]
    score_s, result = best_of(
        args.repeat, lambda: score(loaded_scoring, loaded_evaluations, policy, AS_OF)
    )
    decisions = result.decisions
    statuses = decisions.group_by("status").aggregate([("status", "count")]).to_pylist()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"subjects {args.subjects:,}  evaluation rows {loaded_evaluations.num_rows:,}  "
        f"best of {args.repeat}"
    )
    print(f"(a) parquet read_table, both files : {read_s:8.3f} s   (baseline)")
    print(
        f"(b) score() in memory              : {score_s:8.3f} s   "
        f"ratio b/a = {score_s / read_s:5.2f}"
    )
    print(f"statuses: { {r['status']: r['status_count'] for r in statuses} }")
    print(f"peak RSS: {peak_mib:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

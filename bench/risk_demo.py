"""Re-identification risk of the groups the scoring key reads, before and after ledger-v2.

Usage: ``.venv/bin/python bench/risk_demo.py [--residents 10000]``. The population is the
demo's (``secure_exchange.ledger.write_csv_ledger``, seed 2022, what ``make demo`` seals);
"before" is profile ledger-v1 (exact birth date, sex, panel date), "after" ledger-v2 (age
facts over the agreement's validity). Each is measured as ``sx seal`` measures it: rows
unique on every column but the subject token, and the smallest equivalence class.
Windows: a one-year agreement (2022), and the demo's own (from 30 days before its as-of
date, 2022-07-01, to 335 days after the day it runs, so that both fall inside).

"joined" is what the scoring key really holds: it reads both groups and can join them on
the subject token, so each resident's scoring row plus the multiset of its evaluation
records. ``sx seal`` measures and records each group alone; this joined figure is
measured here only.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from scoring import AgeWindow, load_policy
from secure_exchange.ledger import read_ledger, write_csv_ledger
from secure_exchange.pseudonym import load_profile, pseudonymise


def joined_unique(scoring: pa.Table, evaluations: pa.Table) -> float:
    """Share of residents unique on their scoring row plus their evaluation records."""
    records: dict[str, list[tuple[str, str, int]]] = {}
    for row in evaluations.to_pylist():
        record = (row["code"], row["level"] or "", row["points"] or 0)
        records.setdefault(row["subject"], []).append(record)
    keys = [
        (
            *(v for k, v in row.items() if k != "subject"),
            tuple(sorted(records.get(row["subject"], []))),
        )
        for row in scoring.to_pylist()
    ]
    counts = Counter(keys)
    return sum(1 for key in keys if counts[key] == 1) / len(keys) if keys else 0.0


def measure(residents: int) -> dict[str, object]:
    """The figures, per profile and window."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_csv_ledger(Path(tmp) / "ledger", residents)
        ledger = read_ledger(folder, as_of=date(2022, 7, 1), policy=load_policy())
    today = datetime.now(UTC).date()
    windows = {
        "one year (2022)": (date(2022, 1, 1), date(2022, 12, 31)),
        "the demo's": (date(2022, 7, 1) - timedelta(days=30), today + timedelta(days=335)),
    }
    out: dict[str, object] = {
        "residents": residents,
        "evaluation_records": ledger.evaluations.num_rows,
    }
    for label, (start, end) in windows.items():
        window = AgeWindow(start, end, 18, 60)
        for profile in ("ledger-v1", "ledger-v2"):
            split = pseudonymise(
                ledger.residents, ledger.evaluations, os.urandom(32), window, load_profile(profile)
            )
            joined = joined_unique(split.groups["scoring"], split.groups["evaluations"])
            out[f"{profile} scoring+evaluations joined, window {label}"] = {
                "unique_percent": round(100 * joined, 2)
            }
            for group, risk in split.risk.items():
                out[f"{profile} {group}, window {label} {start}..{end}"] = {
                    "unique_percent": round(100 * risk.unique_share, 2),
                    "smallest_class": risk.smallest_class,
                    "quasi_identifiers": list(risk.quasi_identifiers),
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(measure(args.residents), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

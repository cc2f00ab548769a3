"""Builders shared by the scoring tests: sample CSVs → scoring/evaluations tables."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "samples" / "ledger-sample-utf8"
EXPECTED = SHARED / "samples" / "ledger-sample.expected-2022-07-01.csv"
TRUE = {"是": True, "否": False}

SCORING_SCHEMA = pa.schema(
    [
        ("subject", pa.string()),
        ("source_row", pa.int32()),
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
        ("community", pa.string()),
        ("subject_type", pa.string()),
        ("full_civil_capacity", pa.bool_()),
        ("fixed_residence", pa.bool_()),
        ("fixed_income", pa.bool_()),
        ("major_bad_credit", pa.bool_()),
    ]
)
EVALUATION_SCHEMA = pa.schema(
    [
        ("subject", pa.string()),
        ("code", pa.string()),
        ("level", pa.string()),
        ("points", pa.int32()),
        ("panel_date", pa.date32()),
    ]
)


def need_shared() -> None:
    """Skip when ../shared is absent."""
    if not SAMPLE.is_dir():
        pytest.skip(f"../shared is absent: {SAMPLE}")


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 (BOM) CSV as dicts; skips the test when ../shared is absent."""
    if not path.exists():
        pytest.skip(f"../shared is absent: {path} not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def birth_of(id_number: str) -> date:
    """Birth date from digits 7–14 of an ID number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sample_tables() -> tuple[pa.Table, pa.Table]:
    """The UTF-8 sample ledger as (scoring, evaluations); subject = ID number."""
    need_shared()
    rows = read_csv(SAMPLE / "residents.csv")
    scoring = pa.Table.from_pylist(
        [
            {
                "subject": r["身份证号"],
                "source_row": line,
                "birth_date": birth_of(r["身份证号"]),
                "sex": "M" if int(r["身份证号"][16]) % 2 else "F",
                "community": r["所属社区"],
                "subject_type": r["主体类型"],
                "full_civil_capacity": TRUE[r["完全民事行为能力"]],
                "fixed_residence": TRUE[r["固定住所"]],
                "fixed_income": TRUE[r["固定收入来源"]],
                "major_bad_credit": TRUE[r["重大不良信用记录"]],
            }
            for line, r in enumerate(rows, start=2)
        ],
        schema=SCORING_SCHEMA,
    )
    evaluations = pa.Table.from_pylist(
        [
            {
                "subject": r["身份证号"],
                "code": r["项目代码"],
                "level": r["级别"] or None,
                "points": int(r["分值"]) if r["分值"] else None,
                "panel_date": date.fromisoformat(r["评议日期"]),
            }
            for r in read_csv(SAMPLE / "evaluations.csv")
        ],
        schema=EVALUATION_SCHEMA,
    )
    return scoring, evaluations


def person(
    subject: str = "s1",
    *,
    born: date = date(1980, 1, 1),
    kind: str = "农户",
    capacity: bool | None = True,
    residence: bool | None = True,
    income: bool | None = True,
    bad_credit: bool | None = False,
) -> dict[str, object]:
    """One scoring row with sensible defaults."""
    return {
        "subject": subject,
        "source_row": None,
        "birth_date": born,
        "sex": "F",
        "community": "春秋社区",
        "subject_type": kind,
        "full_civil_capacity": capacity,
        "fixed_residence": residence,
        "fixed_income": income,
        "major_bad_credit": bad_credit,
    }


def record(
    subject: str, code: str, level: str | None = None, points: int | None = None
) -> dict[str, object]:
    """One evaluation row."""
    return {
        "subject": subject,
        "code": code,
        "level": level,
        "points": points,
        "panel_date": date(2022, 6, 28),
    }


def tables(
    people: list[dict[str, object]], records: list[dict[str, object]]
) -> tuple[pa.Table, pa.Table]:
    """Scoring (without source_row) and evaluations tables from row dicts."""
    scoring = pa.Table.from_pylist(people, schema=SCORING_SCHEMA).drop_columns(["source_row"])
    return scoring, pa.Table.from_pylist(records, schema=EVALUATION_SCHEMA)

"""Invented residents for the demo and benchmarks: never real people.

The ledger covers the 13 communities of 金乡街道 named in the plan. Names are random pairs
of common characters, ID numbers are random but structurally valid (real area codes of
金乡县, real dates, correct check characters), phones are random 1[3-9] numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

__all__ = ["COMMUNITIES", "synthetic_ledger", "write_csv_ledger"]

COMMUNITIES = (
    "真武",
    "高尚",
    "金山",
    "金府",
    "金西",
    "春秋",
    "莎岭",
    "十里",
    "金河",
    "金宇",
    "刘庄",
    "周庄",
    "金桥",
)
_AREA_CODES = np.array([370828])
_MOD11_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_MOD11_CHECK = np.array(list("10X98765432"))
_SURNAMES = np.array(
    list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈彭吕")
)
_GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏"))
_TYPES = np.array(["农户"] * 16 + ["新型农业经营主体"] * 2 + ["个体工商户"] * 2)
# (code, level or "", share of residents with such a record)
_RECORDS = (
    ("B1", "县级", 0.02),
    ("B1", "市级", 0.01),
    ("B2", "村级", 0.06),
    ("B2", "镇级", 0.03),
    ("B3", "村级", 0.08),
    ("B3", "镇级", 0.03),
    ("B4", "县级", 0.02),
    ("B5.1", "", 0.08),
    ("B5.2", "县级", 0.01),
    ("B6", "", 0.04),
    ("B7", "", 0.05),
    ("B8", "", 0.05),
    ("B9", "", 0.01),
    ("D1", "", 0.03),
    ("D3", "", 0.02),
    ("D4", "", 0.03),
    ("D5", "", 0.01),
    ("D8", "", 0.01),
    ("D11", "", 0.02),
    ("D12", "", 0.005),
    ("V2", "", 0.003),
    ("V4", "", 0.005),
    ("V6", "", 0.003),
)


def _id_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Unique, valid 18-character ID numbers of people aged about 16 to 75 in 2022."""
    first = np.datetime64("1947-01-01")
    span = int((np.datetime64("2006-06-30") - first).astype(int))
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        need = count - len(out)
        days = first + rng.integers(0, span, need).astype("timedelta64[D]")
        ymd = np.char.replace(np.datetime_as_string(days, unit="D"), "-", "")
        serial = np.char.zfill(rng.integers(0, 1000, need).astype(str), 3)
        body = np.char.add(np.char.add(rng.choice(_AREA_CODES, need).astype(str), ymd), serial)
        digits = body.astype("S17").view(np.uint8).reshape(need, 17).astype(np.int64) - 48
        full = np.char.add(body, _MOD11_CHECK[(digits @ _MOD11_WEIGHTS) % 11])
        for value in full.tolist():
            if value not in seen:
                seen.add(value)
                out.append(value)
    return np.array(out[:count])


def synthetic_ledger(
    residents: int, seed: int = 2022, *, records_per_resident: float = 0.65
) -> tuple[pa.Table, pa.Table]:
    """Residents and evaluation tables with Chinese headers, as an officer would type them.

    ``records_per_resident`` scales how many panel records there are on average.
    """
    rng = np.random.default_rng(seed)
    ids = _id_numbers(rng, residents)
    community = rng.choice(np.array([c + "社区" for c in COMMUNITIES]), residents)
    house = rng.integers(1, 400, residents).astype(str)

    def yes_no(share_no: float) -> np.ndarray:
        return np.where(rng.random(residents) < share_no, "否", "是")

    table = pa.table(
        {
            "身份证号": ids,
            "姓名": np.char.add(rng.choice(_SURNAMES, residents), rng.choice(_GIVEN, residents)),
            "所属社区": community,
            "主体类型": rng.choice(_TYPES, residents),
            "完全民事行为能力": yes_no(0.01),
            "固定住所": yes_no(0.03),
            "固定收入来源": yes_no(0.06),
            "重大不良信用记录": np.where(rng.random(residents) < 0.02, "是", "否"),
            "联系电话": np.char.add(
                "1", rng.integers(3_000_000_000, 9_999_999_999, residents).astype(str)
            ),
            "家庭住址": np.char.add(
                np.char.add("山东省济宁市金乡县金乡街道", community), np.char.add(house, "号")
            ),
            "户号": np.char.add("H", np.char.zfill(np.arange(1, residents + 1).astype(str), 6)),
            "与户主关系": rng.choice(np.array(["户主", "配偶", "子女", "父母"]), residents),
            "不动产": rng.choice(
                np.array(["宅基地一处", "自建房一处", "商品房一套", ""]), residents
            ),
            "经营数据": rng.choice(
                np.array(["", "大蒜种植 10亩", "养殖 生猪20头", "个体商店"]), residents
            ),
        }
    )
    return table, _evaluations(rng, ids, records_per_resident / _BASE_RATE)


_BASE_RATE = sum(share for _, _, share in _RECORDS)


def _evaluations(rng: np.random.Generator, ids: np.ndarray, scale: float) -> pa.Table:
    columns: dict[str, list[str]] = {
        k: [] for k in ("身份证号", "项目代码", "级别", "分值", "说明", "评议日期")
    }
    for code, level, share in _RECORDS:
        who = rng.choice(ids, round(len(ids) * share * scale))
        panel = code in ("B9", "D12")
        columns["身份证号"] += who.tolist()
        columns["项目代码"] += [code] * len(who)
        columns["级别"] += [level] * len(who)
        columns["分值"] += (
            rng.integers(5, 30, len(who)).astype(str).tolist() if panel else [""] * len(who)
        )
        columns["说明"] += [""] * len(who)
        columns["评议日期"] += ["2022-06-28"] * len(who)
    return pa.table(columns)


def write_csv_ledger(
    folder: Path,
    residents: int,
    seed: int = 2022,
    *,
    records_per_resident: float = 0.65,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write ``residents.csv`` and ``evaluations.csv`` as Excel saves them.

    ``encoding`` is ``"utf-8-sig"`` (Excel's "CSV UTF-8") or ``"gb18030"`` (plain "CSV" on
    a Chinese-locale Windows PC).
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = synthetic_ledger(residents, seed, records_per_resident=records_per_resident)
    for name, table in zip(("residents", "evaluations"), tables, strict=True):
        target = folder / f"{name}.csv"
        with target.open("wb") as fh:
            if encoding == "utf-8-sig":
                fh.write(b"\xef\xbb\xbf")
            pa_csv.write_csv(table, fh)
        if encoding not in ("utf-8", "utf-8-sig"):
            target.write_bytes(target.read_bytes().decode("utf-8").encode(encoding))
    return folder

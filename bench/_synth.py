"""Synthetic, invented resident ledgers (valid IDs with check characters) for benchmarks.

Nothing here is real personal data: names are random pairs of common characters, IDs are
random valid-looking numbers of 金乡县 area codes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = ["write_synthetic_csv_ledger"]

_AREAS = np.array([370828, 370881, 370811, 370826, 370829, 370830])
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))
_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏")
_COMMUNITIES = ["春秋社区", "真武社区", "金桥社区", "金宇社区", "金山社区", "周庄社区", "十里社区"]
_SUBJECTS = ["农户", "农户", "农户", "农户", "新型农业经营主体", "个体工商户"]
_RELATIONS = ["户主", "配偶", "子女", "父母"]
# code -> (levels, panel); levels and panels as in policy jinxiang-2022.
_ITEMS: dict[str, tuple[tuple[str, ...], bool]] = {
    "B1": (("县级", "市级", "省级", "国家级"), False),
    "B2": (("村级", "镇级", "县级"), False),
    "B3": (("村级", "镇级", "县级", "市级"), False),
    "B5.1": ((), False), "B6": ((), False), "B7": ((), False), "B8": ((), False),
    "B9": ((), True), "D1": ((), False), "D4": ((), False), "D5": ((), False),
    "D12": ((), True), "V4": ((), False),
}


def _ids(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Unique 18-character IDs with valid birth dates and check characters."""
    start, stop = np.datetime64("1950-01-01"), np.datetime64("2004-01-01")
    span = int((stop - start).astype(np.int64))
    births = start + rng.integers(0, span, rows).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(births, unit="D"), "-", "")
    areas = rng.choice(_AREAS, rows).astype(str)
    keys = np.char.add(areas, ymd)
    seq = rng.integers(0, 1000, rows)
    first17 = np.char.add(keys, np.char.zfill(seq.astype(str), 3))
    _, first_seen = np.unique(first17, return_index=True)
    while len(first_seen) < rows:
        dup = np.setdiff1d(np.arange(rows), first_seen)
        seq[dup] = rng.integers(0, 1000, len(dup))
        first17[dup] = np.char.add(keys[dup], np.char.zfill(seq[dup].astype(str), 3))
        _, first_seen = np.unique(first17, return_index=True)
    digits = first17.astype("S17").view(np.uint8).reshape(rows, 17).astype(np.int64) - 48
    return np.char.add(first17, _CHECK[(digits @ _WEIGHTS) % 11])


def _residents(rng: np.random.Generator, ids: np.ndarray) -> pa.Table:
    rows = len(ids)
    names = np.char.add(rng.choice(_SURNAMES, rows), rng.choice(_GIVEN, rows))
    community = rng.choice(_COMMUNITIES, rows)
    phones = np.char.add("1", rng.integers(3_000_000_000, 9_999_999_999, rows).astype(str))
    house = rng.integers(1, 400, rows).astype(str)

    def yes(share_no: float) -> np.ndarray:
        return np.where(rng.random(rows) < share_no, "否", "是")

    return pa.table({
        "身份证号": ids, "姓名": names, "所属社区": community,
        "主体类型": rng.choice(_SUBJECTS, rows), "完全民事行为能力": yes(0.01),
        "固定住所": yes(0.03), "固定收入来源": yes(0.05),
        "重大不良信用记录": np.where(rng.random(rows) < 0.02, "是", "否"),
        "联系电话": phones,
        "家庭住址": np.char.add(np.char.add("山东省济宁市金乡县", community),
                                np.char.add(house, "号")),
        "户号": np.char.add("H", np.char.zfill(np.arange(1, rows + 1).astype(str), 7)),
        "与户主关系": rng.choice(_RELATIONS, rows), "不动产": rng.choice(["宅基地一处", ""], rows),
        "经营数据": rng.choice(["", "大蒜种植 12亩", "养殖 生猪30头"], rows),
    })


def _evaluations(rng: np.random.Generator, ids: np.ndarray) -> pa.Table:
    count = round(len(ids) * 1.3)
    codes = rng.choice(list(_ITEMS), count)
    levels = np.array([
        _ITEMS[c][0][rng.integers(len(_ITEMS[c][0]))] if _ITEMS[c][0] else "" for c in codes
    ])
    panel = np.array([_ITEMS[c][1] for c in codes])
    points = np.where(panel, rng.integers(1, 51, count).astype(str), "")
    return pa.table({
        "身份证号": rng.choice(ids, count), "项目代码": codes, "级别": levels, "分值": points,
        "说明": rng.choice(["", "评议通过"], count),
        "评议日期": rng.choice(["2022-06-28", "2022/6/29"], count),
    })


def write_synthetic_csv_ledger(
    directory: Path, rows: int, seed: int = 0, *, encoding: str = "utf-8"
) -> Path:
    """Write residents.csv and evaluations.csv (~1.3 records per resident) into ``directory``.

    Args:
        directory: folder to create (or reuse).
        rows: number of residents.
        seed: random seed, so runs are reproducible.
        encoding: ``"utf-8"`` or ``"gb18030"`` (as Excel writes on Chinese Windows).

    Returns:
        The ledger folder.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    ids = _ids(rng, rows)
    for name, table in (("residents", _residents(rng, ids)),
                        ("evaluations", _evaluations(rng, ids))):
        target = directory / f"{name}.csv"
        options = pacsv.WriteOptions(quoting_style="none")  # as Excel writes plain cells
        pacsv.write_csv(table, target, write_options=options)
        if encoding != "utf-8":
            target.write_bytes(target.read_text("utf-8").encode(encoding))
    return directory

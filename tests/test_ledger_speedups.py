"""The fast intake paths give what the plain ones gave: CSV chunking, line counts, IDs, dates."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from secure_exchange.i18n import set_language
from secure_exchange.ledger import Ledger, read_ledger
from secure_exchange.ledger import ids as ids_module
from secure_exchange.ledger.csv import record_end
from secure_exchange.ledger.ids import (
    check_ids,
    mod11_2_check,
    ymd_digits_to_date32,
    ymd_to_date32,
)
from secure_exchange.ledger.text import byte_lengths, nonempty, trim
from tests.support import (
    AS_OF,
    EVAL_HEADER,
    POLICY,
    RES_HEADER,
    codes,
    evaluation,
    make_id,
    resident,
)

ADDRESS_HEADER = [*RES_HEADER, "家庭住址"]


@pytest.fixture(autouse=True)
def _english() -> object:
    set_language("en")
    yield
    set_language(None)


def ids(count: int) -> list[str]:
    return [
        make_id(
            f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}", f"3708{i // 1000:02d}"
        )
        for i in range(count)
    ]


def write(
    folder: Path,
    residents: list[list[str]],
    evaluations: list[list[str]],
    quoting: int = csv.QUOTE_MINIMAL,
    newline: str = "\r\n",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("residents", ADDRESS_HEADER, residents),
        ("evaluations", EVAL_HEADER, evaluations),
    ):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=quoting, lineterminator=newline)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def read(folder: Path, **kwargs: object) -> Ledger:
    return read_ledger(folder, as_of=AS_OF, policy=POLICY, **kwargs)  # type: ignore[arg-type]


def test_quoted_line_breaks_across_parser_blocks(tmp_path: Path) -> None:
    """Several MB of rows whose quoted addresses span lines: every block boundary is safe."""
    people = ids(12000)
    addresses = [
        f"金乡县{'春秋社区' * (i % 40)}\n{i}号" if i % 3 else f"地址{i}\r\n二"
        for i in range(len(people))
    ]
    rows = [[*resident(p), a] for p, a in zip(people, addresses, strict=True)]
    ledger = read(write(tmp_path / "x", rows, [evaluation(people[-1])]))
    assert ledger.report.ok, ledger.report.errors[:3]
    assert ledger.residents.column("address").to_pylist() == addresses
    assert ledger.residents.column("source_row").to_pylist() == list(range(2, 12002))
    assert (tmp_path / "x" / "residents.csv").stat().st_size > 2 << 20  # several blocks


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quoting_style_gives_the_same_ledger(tmp_path: Path, newline: str) -> None:
    people = ids(300)
    rows = [
        [*resident(p, 固定住所="否" if i % 7 else "x"), f"地址,{i}"] for i, p in enumerate(people)
    ]
    evals = [evaluation(p, "B1", "县级") for p in people[::2]] + [evaluation(make_id())]
    plain = read(write(tmp_path / "a", rows, evals, csv.QUOTE_MINIMAL, newline))
    quoted = read(write(tmp_path / "b", rows, evals, csv.QUOTE_ALL, newline))
    assert quoted.residents.equals(plain.residents)
    assert quoted.evaluations.equals(plain.evaluations)
    assert quoted.report == plain.report
    assert ("评议", 152, "id_number", "ledger.eval.unknown_resident") in codes(plain.report)
    assert plain.residents.num_rows == 300


def test_orphans_found_among_known_evaluations(tmp_path: Path) -> None:
    people = ids(50)
    strangers = [make_id("19700101", f"{i:03d}", "110101") for i in range(3)]
    evals = [evaluation(p) for p in people] + [evaluation(s) for s in strangers]
    evals.insert(10, evaluation(strangers[0]))
    ledger = read(write(tmp_path / "x", [[*resident(p), ""] for p in people], evals))
    orphans = [f.where.row for f in ledger.report.errors if f.key == "ledger.eval.unknown_resident"]
    assert orphans == [12, 53, 54, 55]


def test_progress_called_residents_first_for_a_folder(tmp_path: Path) -> None:
    seen: list[int] = []
    folder = write(
        tmp_path / "x", [[*resident(p), ""] for p in ids(4)], [evaluation(p) for p in ids(4)[:3]]
    )
    read(folder, progress=seen.append)
    assert seen == [4, 3]


@pytest.mark.parametrize(
    ("piece", "cut"),
    [
        (b"a,b\nc,d\ne", 8),
        (b"a,b\n", 4),
        (b"abc", None),
        (b'"x\ny",1\n"z', 8),
        (b'"x\ny",1\n"z\n', 8),
        (b'"say ""hi""\n",1\n2,"\n', 16),
        (b'"\n\n', None),
        (b"a\r\nb\r\n", 6),
    ],
)
def test_blocks_end_at_a_line_feed_outside_quotes(piece: bytes, cut: int | None) -> None:
    assert record_end(piece) == cut


def test_trim_strips_every_kind_of_edge_space() -> None:
    cells = [
        " a",
        "b\u3000",
        "\ufeffc",
        "d\u00a0",
        "\u2003e\u2003",
        "f",
        "",
        "中\u3000文",
        "《",
        "x\u205f",
    ]
    assert trim(pa.array(cells)).to_pylist() == [
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "",
        "中\u3000文",
        "《",
        "x",
    ]


def test_digit_dates_agree_with_general_dates() -> None:
    year, month, day = np.meshgrid(
        np.r_[0:3, 1899:1901, 1999:2001, 2023:2025, 9998:10000],
        np.arange(100),
        np.arange(100),
        indexing="ij",
    )
    year, month, day = year.ravel(), month.ravel(), day.ravel()
    general = ymd_to_date32(year, month, day)
    fast = ymd_digits_to_date32(year, month, day)
    assert np.array_equal(general[0], fast[0])
    assert np.array_equal(general[1], fast[1])


def reference(text: str, as_of_days: int) -> tuple[bool, int | None]:
    """Validity and key of an 18-character ID, written without the vectorised code."""
    if (
        len(text) != 18
        or not text[:17].isdigit()
        or text[0] == "0"
        or not (text[17].isdigit() or text[17] == "X")
    ):
        return False, None
    key = int(text[:17]) * 11 + (10 if text[17] == "X" else int(text[17]))
    try:
        born = np.datetime64(f"{text[6:10]}-{text[10:12]}-{text[12:14]}", "D")
    except ValueError:
        return False, key
    days = int(born.astype(np.int64))
    ok = mod11_2_check(text[:17]) == text[17] and days <= as_of_days and text[6:10] != "0000"
    return ok, key


def test_id_checks_agree_with_a_plain_reference() -> None:
    rng = np.random.default_rng(7)
    texts = [*ids(200), make_id("20230101", "001"), make_id("19800230", "001")]
    texts += ["".join(rng.choice(list("0123456789X"), 18)) for _ in range(300)]
    texts += [t[:17] + ("X" if t[17] != "X" else "0") for t in texts[:50]]
    checked = check_ids(pa.array(texts), np.arange(2, len(texts) + 2), "居民", as_of=AS_OF)
    limit = (AS_OF - date(1970, 1, 1)).days
    for index, text in enumerate(texts):
        valid, key = reference(text, limit)
        assert bool(checked.valid[index]) == valid, text
        assert int(checked.keys[index]) == (-1 if key is None else key), text


def test_cr_only_line_endings_are_a_clear_error(tmp_path: Path) -> None:
    """Excel for Mac's old "CSV" ends lines with CR alone: one clear finding, no crash."""
    folder = tmp_path / "cr"
    folder.mkdir()
    (folder / "residents.csv").write_bytes("身份证号,姓名\r370828198705220258,某人\r".encode())
    (folder / "evaluations.csv").write_bytes("身份证号,项目代码,级别,分值,说明,评议日期\n".encode())
    report = read_ledger(folder).report
    assert [f.key for f in report.errors] == ["ledger.file.cr_only"]
    assert "某人" not in report.errors[0].message()


def test_scientific_ids_found_as_the_whole_column_regex_finds_them() -> None:
    """Only cells whose second byte is ``.``, ``e`` or ``E`` are matched: the same rows."""
    texts = ["3.70828E+17", "3.70828e17", "3E+17", "3e5", "3.E+17", "3.7082819750225849E+17"]
    texts += ["", "3", "3.", "E+17", "x.1E+17", "37.0828E+17", "3.70828E+1234", "３.7E+17"]
    texts += [" 3.7E+17", "3.7E+17 ", "3.7F+17", "370828197502258489", "3.7e+17X"]
    column = pa.array(texts * 3)
    sliced = column.slice(len(texts), len(texts))  # an array with an offset
    for array in (column, sliced):
        plain = pc.match_substring_regex(array, pattern=ids_module._SCIENTIFIC)
        expected = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
        assert ids_module._scientific(array).tolist() == expected.tolist()
    assert ids_module._scientific(pa.array([], pa.string())).tolist() == []


def test_nonempty_agrees_with_byte_lengths() -> None:
    """Non-empty by comparing offsets, on plain, sliced and null-holding arrays alike."""
    column = pa.array(["", "a", "", "是", None, "  ", "", "x"] * 5)
    for array in (column, column.slice(3, 17), column.slice(40), pa.array([], pa.string())):
        assert nonempty(array).tolist() == (byte_lengths(array) > 0).tolist()

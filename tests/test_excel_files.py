"""Files as Excel leaves them: re-saved decisions, bare lists, files held open by Excel.

The decisions file an officer filters in Excel comes back as a CSV in the PC's encoding
(GBK, CRLF, no BOM, dates as 2022/7/1) or as an xlsx with its own sheet name and column
order, or as a list holding only the subject column; each must work. A file Excel holds
open is a plain one-line message, never an internal error.
"""

from __future__ import annotations

import csv
import errno
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from secure_exchange import fsio
from secure_exchange.errors import SecureExchangeError
from secure_exchange.station.listing import read_listed_subjects
from secure_exchange.station.notify import ReidentifyError
from tests.support import Ready, World, make_ready, shared_path

HEADERS_ZH = {"community": "社区", "status": "结果", "as_of": "评议日期"}


@pytest.fixture(scope="module")
def ready(world: World) -> Ready:
    return make_ready(world)


def _rows(decisions: Path) -> list[dict[str, str]]:
    with decisions.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _approved(ready: Ready) -> list[dict[str, str]]:
    return [r for r in _rows(ready.decisions) if r["status"] == "approved"]


def _excel_csv(rows: list[dict[str, str]], columns: list[str], path: Path) -> Path:
    """As Excel's plain "CSV (逗号分隔)" on a Chinese PC: GBK, CRLF, no BOM, dates 2022/7/1."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS_ZH.get(c, c) for c in columns])
    for row in rows:
        writer.writerow([row[c].replace("2022-07-01", "2022/7/1") for c in columns])
    path.write_bytes(out.getvalue().encode("gbk"))
    return path


def _reidentify(ready: Ready, listing: Path, out: Path, lang: str = "en") -> str:
    w = ready.world
    result = w.sx(
        w.bank,
        *("reidentify", str(listing), "--package", str(ready.package)),
        *("--reason", "notify", "--out", str(out)),
        env={"SX_LANG": lang},
    )
    return result.output


def test_a_filtered_gbk_csv_from_excel(ready: Ready, tmp_path: Path) -> None:
    rows = _approved(ready)[:3]
    columns = ["community", "subject", "status", "as_of"]
    listing = _excel_csv(rows, columns, tmp_path / "筛选后.csv")
    assert b"\xe7\xa4\xbe" not in listing.read_bytes()  # really GBK, not UTF-8
    out = tmp_path / "call-list.csv"
    _reidentify(ready, listing, out)
    assert len(_rows(out)) == 3


def test_an_xlsx_saved_by_another_program(ready: Ready, tmp_path: Path) -> None:
    rows = _approved(ready)[:4]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["结果", "社区", "评议日期", "subject"])
    for row in rows:
        sheet.append([row["status"], row["community"], "2022/7/1", row["subject"]])
    book.create_sheet("Sheet2")
    listing = tmp_path / "名单.xlsx"
    book.save(listing)
    out = tmp_path / "call-list.xlsx"
    _reidentify(ready, listing, out)
    assert len(list(openpyxl.load_workbook(out).worksheets[0].iter_rows())) == 5


@pytest.mark.parametrize("header", ["subject", "主体标记", None])
def test_a_list_holding_only_the_subject_column(
    ready: Ready, tmp_path: Path, header: str | None
) -> None:
    subjects = [r["subject"] for r in _approved(ready)[:2]]
    lines = ([header] if header else []) + subjects + ["", ""]  # Excel's trailing rows
    listing = tmp_path / "list.csv"
    listing.write_text("\r\n".join(lines), encoding="utf-8")
    out = tmp_path / "call-list.csv"
    _reidentify(ready, listing, out)
    assert len(_rows(out)) == 2


def test_a_value_that_is_not_a_subject_names_its_row(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("subject\r\n" + "a" * 32 + "\r\n3.70828E+17\r\n", encoding="utf-8")
    with pytest.raises(ReidentifyError, match="row 3") as raised:
        read_listed_subjects(listing)
    assert "3.70828" not in str(raised.value)  # no cell value in a message


def test_old_formats_are_told_to_be_saved_again(tmp_path: Path) -> None:
    for name in ("名单.xls", "名单.et"):
        path = tmp_path / name
        path.write_bytes(b"\xd0\xcf\x11\xe0")
        with pytest.raises(ReidentifyError, match=r"\.xlsx"):
            read_listed_subjects(path)


def _excel_holds(*_args: object, **_kwargs: object) -> None:
    exc = PermissionError(errno.EACCES, "The process cannot access the file")
    exc.winerror = 32  # type: ignore[attr-defined]  # ERROR_SHARING_VIOLATION
    raise exc


def test_an_output_open_in_excel_is_a_plain_message(
    ready: Ready, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "decisions.xlsx"
    out.write_bytes(b"open in Excel")
    monkeypatch.setattr(Path, "replace", _excel_holds)
    w = ready.world
    result = w.sx(
        w.bank,
        *("score", str(ready.package), "--as-of", "2022-07-01", "--out", str(out), "--force"),
        env={"SX_LANG": "zh"},
        ok=False,
    )
    assert result.exit_code == 1
    assert "文件正被 Excel 或其他程序打开" in result.output
    assert "请关闭该文件后重试" in result.output
    assert "内部错误" not in result.output
    assert out.read_bytes() == b"open in Excel"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.xlsx"]


def test_a_ledger_open_in_excel_is_not_called_damaged(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    opener = Path.open

    def held(self: Path, *args: Any, **kwargs: Any) -> Any:  # Windows: a sharing violation
        if self.name == ledger.name:
            _excel_holds()
        return opener(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", held)
    result = world.sx(
        world.community, "ledger", "check", str(ledger), env={"SX_LANG": "zh"}, ok=False
    )
    assert result.exit_code == 1
    assert "正被 Excel" in result.output
    assert "损坏" not in result.output
    assert "内部错误" not in result.output


def test_a_csv_ledger_open_in_excel_is_a_plain_message(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Path.open

    def held(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "residents.csv":
            _excel_holds()
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", held)
    ledger = shared_path("samples", "ledger-sample-utf8")
    result = world.sx(
        world.community, "ledger", "check", str(ledger), env={"SX_LANG": "zh"}, ok=False
    )
    assert result.exit_code == 1
    assert "正被 Excel" in result.output
    assert "内部错误" not in result.output


@pytest.mark.parametrize("code", [errno.EBUSY, errno.ETXTBSY])
def test_busy_files_are_in_use(code: int, tmp_path: Path) -> None:
    with pytest.raises(SecureExchangeError) as raised:
        fsio.raise_for_os_error(OSError(code, "busy"), tmp_path / "x.xlsx")
    assert raised.value.key == "fs.in_use"


def test_decisions_open_in_excel_for_the_report(
    ready: Ready, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("secure_exchange.reports.facts.read_output", _excel_holds)
    w = ready.world
    result = w.sx(
        w.bank,
        *("report", str(ready.decisions), "--out", str(tmp_path / "r.html")),
        env={"SX_LANG": "zh"},
        ok=False,
    )
    assert result.exit_code == 1
    assert "正被 Excel" in result.output
    assert not (tmp_path / "r.html").exists()


def test_access_denied_on_an_existing_file_is_excel_on_windows(tmp_path: Path) -> None:
    """Replacing a file Excel holds fails with "access denied" (WinError 5) on Windows."""
    held = tmp_path / "结果.xlsx"
    held.write_bytes(b"x")
    denied = PermissionError(errno.EACCES, "Access is denied")
    assert fsio._in_use(denied, held, windows=True)
    assert not fsio._in_use(denied, held, windows=False)  # POSIX: the folder's permission
    assert not fsio._in_use(denied, tmp_path / "new.xlsx", windows=True)

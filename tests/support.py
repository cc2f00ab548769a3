"""What several test modules share: sample paths, keys and parties, packages, small ledgers,
scoring tables, stations driven through the CLI. Fixtures live in ``conftest.py``."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner, Result

from scoring import AgeWindow, score
from scoring.policy import Policy
from secure_exchange.cli import build_cli
from secure_exchange.ledger import CheckReport
from secure_exchange.ledger.source import LedgerSource
from secure_exchange.ledger.synthetic import COMMUNITIES
from secure_exchange.trust.agreement import Agreement, new_agreement
from secure_exchange.trust.keys import Keyring, UnlockedIdentity

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is absent ({path} not found): shared samples/vectors unavailable")
    return path


# --- keys and the parties to an agreement ---------------------------------------------------

PASS = b"correct horse battery staple"


@dataclass
class Parties:
    """Keys of both parties and the agreement between them (library level, no CLI)."""

    home_a: Path
    home_b: Path
    officer: UnlockedIdentity
    seal_a: UnlockedIdentity
    scoring: UnlockedIdentity
    reidentify: UnlockedIdentity
    seal_b: UnlockedIdentity
    agreement: Agreement


def age_window(agreement: Agreement) -> AgeWindow:
    """The age facts' window a seal under ``agreement`` uses (its validity, ages 18-60)."""
    return AgeWindow(agreement.valid_from, agreement.valid_until, 18, 60)


AGE_WINDOW = AgeWindow(date(2022, 1, 1), date(2022, 12, 31), 18, 60)
"""A one-year window for tests that pseudonymise without an agreement."""


def make_key(home: Path, name: str, org: str, purpose: str) -> UnlockedIdentity:
    """Create a fast-KDF identity and unlock it."""
    ring = Keyring(home)
    ring.create(name, org, purpose, PASS, cost="fast")
    return ring.unlock(name, PASS)


def make_parties(
    root: Path, number: str = "金街办协〔2022〕1号", valid: tuple[date, date] | None = None
) -> Parties:
    """Party A (officer + seal) and party B (scoring, reidentify, seal), agreement signed."""
    home_a, home_b = root / "community", root / "bank"
    org_a, org_b = "金乡街道真武社区", "金乡农商银行"
    officer = make_key(home_a, "zw-officer", org_a, "officer")
    seal_a = make_key(home_a, "zw-seal", org_a, "seal")
    scoring = make_key(home_b, "bank-scoring", org_b, "scoring")
    reident = make_key(home_b, "bank-reid", org_b, "reidentify")
    seal_b = make_key(home_b, "bank-seal", org_b, "seal")
    start, end = valid or (date(2020, 1, 1), date(2099, 12, 31))
    draft = new_agreement(
        number,
        [officer.public, seal_a.public],
        [scoring.public, reident.public, seal_b.public],
        start,
        end,
    )
    agreement = draft.sign(seal_a).sign(seal_b)
    return Parties(home_a, home_b, officer, seal_a, scoring, reident, seal_b, agreement)


# --- packages -------------------------------------------------------------------------------

NOW = datetime(2022, 7, 1, 9, 0, tzinfo=UTC)  # the clock of the package tests
CATS = {
    "scoring": ["身份证号码"],
    "evaluations": ["身份证号码"],
    "identity": ["居民姓名", "身份证号码"],
}


def groups(rows: int = 5) -> dict[str, pa.Table]:
    """Three small column groups of ``rows`` subjects, ready to seal."""
    subjects = [f"{i:032x}" for i in range(rows)]
    return {
        "scoring": pa.table({"subject": subjects, "community": ["真武社区"] * rows}),
        "evaluations": pa.table({"subject": subjects[:2], "code": ["B1", "D4"]}),
        "identity": pa.table({"subject": subjects, "name": [f"居民{i}" for i in range(rows)]}),
    }


# --- small ledgers (ledger-v1) --------------------------------------------------------------

AS_OF = date(2022, 7, 1)
RES_HEADER = [
    "身份证号",
    "姓名",
    "所属社区",
    "主体类型",
    "完全民事行为能力",
    "固定住所",
    "固定收入来源",
    "重大不良信用记录",
    "联系电话",
]
EVAL_HEADER = ["身份证号", "项目代码", "级别", "分值", "说明", "评议日期"]


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2, written independently of the code under test."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(birth: str = "19800101", seq: str = "123", area: str = "370828") -> str:
    """A valid 18-digit ID number (made up)."""
    first17 = area + birth + seq
    return first17 + check_char(first17)


ID_A = make_id("19800621", "575")
ID_B = make_id("19930628", "862")


@dataclass(frozen=True)
class FakeItem:
    """A scoring item as the ledger checks see it."""

    code: str
    kind: str
    sign: int = 1
    levels: Mapping[str, int] = field(default_factory=dict)
    points: int | None = None
    points_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class FakePolicy:
    """A policy with only what the ledger checks read."""

    items: tuple[FakeItem, ...]
    id: str = "fake-policy"
    level_above: str = "highest"
    level_below: str = "zero"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def item(self, code: str) -> FakeItem | None:
        return next((i for i in self.items if i.code == code), None)


POLICY = FakePolicy(
    (
        FakeItem("B1", "levelled", levels={"县级": 20, "市级": 30, "省级": 40, "国家级": 50}),
        FakeItem("B2", "levelled", levels={"村级": 10, "镇级": 20, "县级": 30}),
        FakeItem("B5.1", "fixed", points=10),
        FakeItem("B9", "panel", points_range=(1, 50)),
        FakeItem("D4", "fixed", sign=-1, points=10),
        FakeItem("D12", "panel", sign=-1, points_range=(1, 50)),
        FakeItem("V2", "veto"),
    )
)


def resident(id_number: str = ID_A, **overrides: str) -> list[str]:
    """One residents row (a valid one unless ``overrides`` say otherwise)."""
    row = {
        "身份证号": id_number,
        "姓名": "测试甲",
        "所属社区": "春秋社区",
        "主体类型": "农户",
        "完全民事行为能力": "是",
        "固定住所": "是",
        "固定收入来源": "是",
        "重大不良信用记录": "否",
        "联系电话": "18255304093",
    }
    row.update(overrides)
    return [row[h] for h in RES_HEADER]


def evaluation(
    id_number: str = ID_A,
    code: str = "B5.1",
    level: str = "",
    points: str = "",
    panel_date: str = "2022-06-28",
) -> list[str]:
    """One evaluations row."""
    return [id_number, code, level, points, "", panel_date]


def write_ledger(
    folder: Path,
    residents: list[list[str]],
    evaluations: list[list[str]],
    res_header: list[str] = RES_HEADER,
    eval_header: list[str] = EVAL_HEADER,
) -> Path:
    """A CSV ledger folder (residents.csv, evaluations.csv) holding these rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("residents", res_header, residents),
        ("evaluations", eval_header, evaluations),
    ):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def codes(report: CheckReport) -> list[tuple[str, int | None, str | None, str]]:
    """(sheet, row, column, key) of every error of a check report."""
    return [(f.where.sheet, f.where.row, f.where.column, f.key) for f in report.errors]


def broken_copy(tmp_path: Path) -> Path:
    """The UTF-8 sample with one defect per kind, each on a known row."""
    source = shared_path("samples", "ledger-sample-utf8")
    target = tmp_path / "broken"
    target.mkdir()
    with (source / "residents.csv").open(encoding="utf-8-sig", newline="") as fh:
        res = list(csv.reader(fh))
    with (source / "evaluations.csv").open(encoding="utf-8-sig", newline="") as fh:
        evals = list(csv.reader(fh))
    res[2][0] = res[2][0][:-1] + ("1" if res[2][0][-1] != "1" else "2")  # row 3: check char
    res[4][8] = res[4][8][:-1]  # row 5: phone
    res[6][1] = ""  # row 7: name
    res[9].append("")
    res[10][0] = res[11][0]  # rows 11 and 12: duplicate
    evals[4][1] = "B99"  # row 5: code
    evals[8][2] = "区级"  # row 9: not a level
    evals[21][3] = "80"  # row 22: B9 points out of range
    for name, rows in (("residents", res), ("evaluations", evals)):
        with (target / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(row[: len(rows[0])] for row in rows)
    return target


# --- scoring tables (what the scorer reads) -------------------------------------------------

SAMPLE = SHARED / "samples" / "ledger-sample-utf8"
EXPECTED = SHARED / "samples" / "ledger-sample.expected-2022-07-01.r2.csv"
EXPECTED_R1 = SHARED / "samples" / "ledger-sample.expected-2022-07-01.csv"  # revision 1
TRUE = {"是": True, "否": False}
# the scorer's outcome columns that a published decisions file must reproduce
DECISION_KEYS = (
    "status",
    "base_points",
    "bonus_points",
    "deduction_points",
    "total_points",
    "initial_limit_yuan",
    "credit_limit_yuan",
    "rate_bp",
)

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


def _synthetic_evaluations(
    rng: np.random.Generator, subjects: list[str], policy: Policy
) -> pa.Table:
    weights = {"B": 0.9, "D": 0.35, "V": 0.04}
    rows: list[dict[str, object]] = []
    for subject in subjects:
        for item in policy.items:
            if rng.random() >= weights[item.code[0]] / 8:
                continue
            level = str(rng.choice(list(item.levels))) if item.levels else None
            points = int(rng.integers(1, 51)) if item.points_range else None
            rows.append(
                {
                    "subject": subject,
                    "code": item.code,
                    "level": level,
                    "points": points,
                    "panel_date": AS_OF - timedelta(days=3),
                }
            )
    return pa.Table.from_pylist(rows, schema=EVALUATION_SCHEMA)


def synthetic_decisions(rows: int, policy: Policy, seed: int = 7) -> pa.Table:
    """Decisions of ``rows`` made-up subjects in the 13 communities, scored by the engine."""
    rng = np.random.default_rng(seed)
    subjects = [f"tok_{seed:02d}_{i:06d}_zq" for i in range(rows)]
    types = rng.choice(["农户", "新型农业经营主体", "个体工商户"], rows, p=[0.82, 0.08, 0.10])
    ages = rng.integers(17 * 365, 66 * 365, rows)
    scoring = pa.Table.from_pylist(
        [
            {
                "subject": s,
                "source_row": 700_001 + i,
                "birth_date": AS_OF - timedelta(days=int(a)),
                "sex": "M" if i % 2 else "F",
                "community": COMMUNITIES[int(rng.integers(0, 13))] + "社区",
                "subject_type": str(kind),
                "full_civil_capacity": bool(rng.random() > 0.01),
                "fixed_residence": bool(rng.random() > 0.02),
                "fixed_income": bool(rng.random() > 0.06),
                "major_bad_credit": bool(rng.random() < 0.02),
            }
            for i, (s, kind, a) in enumerate(zip(subjects, types, ages, strict=True))
        ],
        schema=SCORING_SCHEMA,
    )
    return score(scoring, _synthetic_evaluations(rng, subjects, policy), policy, AS_OF).decisions


# --- stations driven through the CLI --------------------------------------------------------

CLI_PASS = "demo passphrase 123"
NUMBER = "金街办协〔2022〕7号"


@dataclass
class World:
    """Two stations and a stick, driven through the CLI (built by the ``world`` fixture)."""

    root: Path
    community: Path
    bank: Path
    stick: Path

    def sx(
        self, home: Path, *args: str, ok: bool = True, env: dict[str, str] | None = None
    ) -> Result:
        full_env = {
            "SX_HOME": str(home),
            "SX_PASSPHRASE": CLI_PASS,
            "SX_LANG": "en",
            **(env or {}),
        }
        result = CliRunner().invoke(build_cli(), list(args), env=full_env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


def build_world(root: Path) -> World:
    """Both stations initialised, five keys, the agreement signed and imported, a stick."""
    w = World(root, root / "community", root / "bank", root / "stick")
    w.stick.mkdir()
    w.sx(w.community, "init", "--org", "金乡街道真武社区", "--role", "community")
    w.sx(w.bank, "init", "--org", "金乡农商银行", "--role", "bank")
    for home, name, purpose in (
        (w.community, "zw-officer", "officer"),
        (w.community, "zw-seal", "seal"),
        (w.bank, "bank-scoring", "scoring"),
        (w.bank, "bank-reid", "reidentify"),
        (w.bank, "bank-seal", "seal"),
    ):
        w.sx(home, "keys", "new", name, "--purpose", purpose, "--kdf", "fast")
        w.sx(home, "keys", "export", name, "--out", str(root / f"{name}.card"))
    agreement = root / "agreement.json"
    w.sx(
        w.community,
        "agreement",
        "new",
        "--number",
        NUMBER,
        "--party-a",
        str(root / "zw-officer.card"),
        "--party-a",
        str(root / "zw-seal.card"),
        "--party-b",
        str(root / "bank-scoring.card"),
        "--party-b",
        str(root / "bank-reid.card"),
        "--party-b",
        str(root / "bank-seal.card"),
        "--valid-from",
        "2022-01-01",
        "--valid-until",
        "2099-12-31",
        "--out",
        str(agreement),
    )
    w.sx(w.community, "agreement", "sign", str(agreement), "--as", "zw-seal", "--yes")
    w.sx(w.bank, "agreement", "sign", str(agreement), "--as", "bank-seal", "--yes")
    w.sx(w.community, "agreement", "import", str(agreement), "--yes")
    w.sx(w.bank, "agreement", "import", str(agreement), "--yes")
    w.sx(w.community, "media", "enroll", str(w.stick), "--as", "zw-officer")
    return w


@dataclass(frozen=True)
class Ready:
    """The world with a package sealed, imported and scored at the bank, and sent back."""

    world: World
    package: Path
    decisions: Path
    back: Path


def make_ready(world: World) -> Ready:
    """Seal the sample ledger, import and score it at the bank, send the decisions back."""
    sealed = world.sx(
        world.community,
        "seal",
        str(shared_path("samples", "ledger-sample.xlsx")),
        "--agreement",
        NUMBER,
        "--out",
        str(world.stick),
    )
    package = Path(sealed.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(package))
    decisions = world.root / "bank-decisions.csv"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(decisions))
    back_dir = world.root / "stick-back"
    back_dir.mkdir()
    result = world.sx(
        world.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(back_dir)
    )
    back = Path(result.output.strip().splitlines()[-1])
    world.sx(world.community, "import", str(back))
    return Ready(world, package, decisions, back)


# --- a real headless Chromium (report and 公示 pages) --------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
)
CHROMIUM_TIMEOUT = 30


def chromium(tmp_path: Path, *args: str) -> bytes:
    """Run Chromium with a fresh profile; return stdout. The whole group dies on timeout."""
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium took longer than {CHROMIUM_TIMEOUT} s")
    assert proc.returncode == 0, f"chromium exited {proc.returncode}"
    return out


def png_facts(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) pixel rows of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, size = 8, [], (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    return size[0], size[1], zlib.decompress(b"".join(idat))


# --- workbooks as Excel saves text ------------------------------------------------------


def shared_strings_xlsx(path: Path, sheets: dict[str, list[list[str | None]]]) -> Path:
    """A workbook as Excel saves text: every cell a shared string, empty cells left out,
    rows placed by their ``r`` (a ``None`` row is not written at all)."""
    strings: dict[str, int] = {}
    parts = {}
    for number, rows in enumerate(sheets.values(), start=1):
        xml = []
        for r, row in enumerate(rows, start=1):
            if row is None:
                continue
            cells = "".join(
                f'<c r="{chr(65 + c)}{r}" s="1" t="s"><v>{strings.setdefault(v, len(strings))}</v></c>'
                for c, v in enumerate(row)
                if v is not None
            )
            xml.append(f'<row r="{r}" spans="1:9">{cells}</row>')
        parts[f"xl/worksheets/sheet{number}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_XLSX_NS}>'
            f"<sheetData>{''.join(xml)}</sheetData></worksheet>"
        )
    items = "".join(
        f'<si><t xml:space="preserve">{escape(s)}</t></si>'
        if s != s.strip()
        else f"<si><t>{escape(s)}</t></si>"
        for s in strings
    )
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {_XLSX_NS}>{items}</sst>'
    )
    titles = "".join(
        f'<sheet name="{t}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(sheets, start=1)
    )
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_XLSX_NS} xmlns:r="{_XLSX_R}"><sheets>'
        f"{titles}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_XLSX_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_XLSX_PKG}">{rels}'
        f'<Relationship Id="rId99" Type="{_XLSX_R}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_XLSX_PKG}">'
        f'<Relationship Id="rId1" Type="{_XLSX_R}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/></Types>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


_XLSX_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_XLSX_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx_blocks(
    path: Path, sheet: str, *, fast: bool, block_rows: int = 3
) -> list[tuple[object, ...]]:
    """Every block of ``sheet`` as plain values, read by the fast path or cell by cell."""
    with LedgerSource(path, drop_unknown=False) as source:
        source.block_rows = block_rows
        if not fast:
            assert source._book is not None
            source._book._text = None  # as if fastexcel could not read it
        return [
            (
                {k: v.to_pylist() for k, v in block.columns.items()},
                block.source_row.tolist(),
                None if block.numeric_id is None else block.numeric_id.tolist(),
                [(f.level, f.where.row, f.where.column, f.key) for f in block.findings],
                block.dropped,
            )
            for block in source.blocks(sheet)
        ]

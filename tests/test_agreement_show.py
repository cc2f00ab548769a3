"""The trust root shown: ``sx agreement show``, the confirmation before ``sign`` and
``import`` (y/N, ``--yes``, refused without a terminal) and the printable A4 page."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from secure_exchange.cli import build_cli
from secure_exchange.i18n import set_language
from secure_exchange.reports import agreement_lines, agreement_page
from secure_exchange.trust import Agreement, agreement_view, new_agreement
from tests.support import CLI_PASS, NUMBER, Parties, World
from tests.test_report_browser import CHROMIUM, chromium

SX = Path(sys.executable).with_name("sx")


def _fingerprints(agreement: Agreement) -> list[str]:
    return [k.identity.fingerprint for k in agreement.keys]


def _unsigned(world: World, tmp_path: Path) -> Path:
    """A fresh, unsigned copy of the world's agreement body under another number."""
    trusted = Agreement.from_bytes(next((world.bank / "agreements").glob("*.json")).read_bytes())
    draft = Agreement({**trusted.body, "number": "金街办协〔2022〕99号"}, trusted.keys, {})
    path = tmp_path / "draft.json"
    path.write_bytes(draft.to_bytes())
    return path


def test_show_by_number_lists_every_key_and_fact(world: World) -> None:
    out = world.sx(world.bank, "agreement", "show", NUMBER).output
    trusted = world.bank / "agreements"
    agreement = Agreement.from_bytes(next(trusted.glob("*.json")).read_bytes())
    for fp in _fingerprints(agreement):
        assert fp in out
    facts = ("Party A: 金乡街道真武社区", "Party B: 金乡农商银行", "2022-01-01 to 2099-12-31")
    for text in (*facts, "Data kept until: 2099-12-31"):
        assert text in out
    assert "1 officer signature(s), 1 unit seal signature(s)" in out
    assert "identity (names, ID, phone): Party B re-identification" in out
    assert agreement.sha256 in out
    assert out.count("  signed") == 2  # the two seals signed; the other three keys did not


def test_show_in_chinese_names_roles_in_words(world: World) -> None:
    out = world.sx(world.community, "agreement", "show", NUMBER, env={"SX_LANG": "zh_CN"}).output
    assert "甲方：金乡街道真武社区" in out
    assert "单位公章" in out
    assert "重新识别" in out
    assert "已签署" in out
    for name in ("zw-officer", "zw-seal", "bank-scoring", "bank-reid", "bank-seal"):
        out = out.replace(name, "")  # key names are the holders' own words
    assert not re.search(r"\b(officer|seal|scoring|reidentify|signed)\b", out)


def test_show_of_a_file_needs_no_station(world: World, tmp_path: Path) -> None:
    path = _unsigned(world, tmp_path)
    out = world.sx(tmp_path / "no-station", "agreement", "show", str(path)).output
    assert "金街办协〔2022〕99号" in out
    assert "  signed" not in out


def test_show_of_an_unknown_number_is_one_clear_line(world: World) -> None:
    result = world.sx(world.bank, "agreement", "show", "no such", ok=False)
    assert result.exit_code == 1
    assert "does not trust agreement no such" in result.output


def test_sign_without_terminal_or_yes_is_refused_and_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    path = _unsigned(world, tmp_path)
    before = path.read_bytes()
    result = world.sx(world.community, "agreement", "sign", str(path), "--as", "zw-seal", ok=False)
    assert result.exit_code == 1
    assert "no terminal to confirm agreement" in result.output
    assert "--yes" in result.output
    assert path.read_bytes() == before


def test_import_without_terminal_or_yes_is_refused(world: World, tmp_path: Path) -> None:
    path = _unsigned(world, tmp_path)
    for home, name in ((world.community, "zw-seal"), (world.bank, "bank-seal")):
        world.sx(home, "agreement", "sign", str(path), "--as", name, "--yes")
    result = world.sx(world.community, "agreement", "import", str(path), ok=False)
    assert "no terminal to confirm" in result.output
    listed = world.sx(world.community, "agreement", "list").output
    assert "99号" not in listed


def _run_in_terminal(args: list[str], env: dict[str, str], answer: bytes) -> tuple[int, str]:
    """Run the real ``sx`` on a pseudo-terminal, answer its question, return (exit, output)."""
    leader, follower = os.openpty()
    proc = subprocess.Popen(
        [str(SX), *args], stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    seen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"[y/N]" in seen:
            os.write(leader, answer)
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(leader)
    return proc.wait(timeout=30), seen.decode("utf-8", "replace")


@pytest.mark.parametrize(("answer", "signed"), [(b"n\n", False), (b"\n", False), (b"y\n", True)])
def test_sign_asks_on_a_terminal(world: World, tmp_path: Path, answer: bytes, signed: bool) -> None:
    path = _unsigned(world, tmp_path)
    env = {**os.environ, "SX_HOME": str(world.community), "SX_PASSPHRASE": CLI_PASS}
    env["SX_LANG"] = "zh_CN.UTF-8"
    code, out = _run_in_terminal(["agreement", "sign", str(path), "--as", "zw-seal"], env, answer)
    assert "指纹" in out
    assert "确认以上内容与纸质协议一致" in out
    after = Agreement.from_bytes(path.read_bytes())
    assert (code, len(after.signatures)) == ((0, 1) if signed else (1, 0))
    if not signed:
        assert "未确认" in out


def test_page_holds_every_fingerprint_and_signature_boxes(parties: Parties) -> None:
    set_language("zh")
    page = agreement_page(agreement_view(parties.agreement))
    for fp in _fingerprints(parties.agreement):
        assert fp in page
    assert "@page { size: A4" in page
    assert page.count('class="box"') == 2
    assert page.count(">负责人签字<") == 2
    assert page.count("（盖章）") == 2
    assert parties.agreement.sha256 in page
    assert "数据保存至" in page
    assert parties.agreement.retention_end.isoformat() in page


def test_page_and_lines_escape_what_a_drafter_chose(parties: Parties) -> None:
    a = parties
    body = dict(a.agreement.body)
    body["purpose"] = '<script>alert(1)</script>"\x1b[31m'
    hostile = Agreement(body, a.agreement.keys, {})
    page = agreement_page(agreement_view(hostile))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    lines = "\n".join(agreement_lines(agreement_view(hostile)))
    assert "\x1b" not in lines
    assert "\\x1b" in lines


def test_html_page_written_once_then_only_with_force(world: World, tmp_path: Path) -> None:
    out = tmp_path / "协议.html"
    world.sx(world.bank, "agreement", "show", NUMBER, "--html", str(out))
    assert out.read_text("utf-8").startswith("<!doctype html>")
    out.write_text("mine", "utf-8")
    refused = world.sx(world.bank, "agreement", "show", NUMBER, "--html", str(out), ok=False)
    assert "exists" in refused.output
    assert "--force" in refused.output
    assert out.read_text("utf-8") == "mine"
    world.sx(world.bank, "agreement", "show", NUMBER, "--html", str(out), "--force")
    assert "<!doctype html>" in out.read_text("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_agreement_new_help_documents_every_option(lang: str) -> None:
    set_language(lang)
    out = CliRunner().invoke(build_cli(), ["agreement", "new", "--help"]).output
    for option in ("--number", "--party-a", "--party-b", "--valid-from", "--valid-until", "--out"):
        line = next(line for line in out.splitlines() if line.strip().startswith(option))
        rest = line.split(option, 1)[1]
        assert len(rest.split()) >= 2, (option, line)  # a metavar and a help text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH")
def test_page_prints_on_one_a4_sheet(parties: Parties, tmp_path: Path) -> None:
    set_language("zh")
    page = tmp_path / "agreement.html"
    page.write_text(agreement_page(agreement_view(parties.agreement)), "utf-8")
    pdf = tmp_path / "agreement.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert boxes, "no page in the PDF"
    assert len(boxes) == 1  # one sheet: the paper copy is signed and sealed on one page
    width, height = (float(v) for v in boxes[0])
    assert abs(width - 595.9) < 2
    assert abs(height - 842.9) < 2
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).decode("utf-8")
    for fp in _fingerprints(parties.agreement):
        assert fp in dom


def test_new_agreement_view_counts_no_signature_before_signing(parties: Parties) -> None:
    a = parties
    draft = new_agreement(
        "草稿1号",
        [a.officer.public, a.seal_a.public],
        [a.scoring.public, a.reidentify.public, a.seal_b.public],
        a.agreement.valid_from,
        a.agreement.valid_until,
    )
    view = agreement_view(draft.sign(a.seal_a))
    signed = [k.name for p in view.parties for k in p.keys if k.signed]
    assert signed == ["zw-seal"]
    assert [p.org for p in view.parties] == ["金乡街道真武社区", "金乡农商银行"]

"""Errors that point the right way: the station kind, the stick's root, a repeated verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import NUMBER, World, shared_path


@pytest.fixture(scope="module")
def package(world: World) -> Path:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    sealed = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    return Path(sealed.output.strip().splitlines()[-1])


def test_a_bank_verb_at_a_community_station_says_where_to_go(
    world: World, package: Path, tmp_path: Path
) -> None:
    for lang, words in (
        ("en", ("community station", "bank station")),
        ("zh", ("社区工作站", "银行工作站")),
    ):
        result = world.sx(
            world.community,
            *(
                "score",
                str(package),
                "--as-of",
                "2022-07-01",
                "--out",
                str(tmp_path / f"{lang}.csv"),
            ),
            env={"SX_LANG": lang},
            ok=False,
        )
        assert result.exit_code == 1
        assert all(w in result.output for w in words), result.output
        assert "--as" not in result.output
    listing = tmp_path / "x.csv"
    listing.write_text("subject\n" + "a" * 32 + "\n", encoding="utf-8")
    reid = world.sx(
        world.community,
        *("reidentify", str(listing), "--package", str(package)),
        *("--reason", "notify", "--out", str(tmp_path / "out.csv")),
        ok=False,
    )
    assert reid.exit_code == 1
    assert "bank station" in reid.output


def test_the_sticks_root_names_the_package_folders(world: World, package: Path) -> None:
    for verb in ("verify", "import", "inspect"):
        result = world.sx(world.bank, verb, str(world.stick), ok=False)
        assert result.exit_code == 1
        assert "stick's root" in result.output
        assert package.name in result.output
        assert "should not exist" not in result.output
    zh = world.sx(world.bank, "verify", str(world.stick), env={"SX_LANG": "zh"}, ok=False)
    assert "U盘的根目录" in zh.output


def test_verify_answers_the_same_before_and_after_import(world: World, package: Path) -> None:
    before = world.sx(world.bank, "verify", str(package))
    world.sx(world.bank, "import", str(package))
    after = world.sx(world.bank, "verify", str(package))
    assert after.output.startswith(before.output.strip().splitlines()[0])
    assert "already imported" in after.output
    assert "already imported" not in before.output
    again = world.sx(world.bank, "import", str(package), ok=False)
    assert again.exit_code == 1  # import still refuses a replay
    as_json = world.sx(world.bank, "verify", str(package), "--json")
    assert '"already_imported": true' in as_json.output

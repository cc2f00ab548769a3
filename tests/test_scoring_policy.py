"""Policy files: the built-in jinxiang-2022, identity, and strict validation with lines."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from scoring.errors import PolicyError, ScoringError
from scoring.policy import load_policy, parse_policy
from secure_exchange.errors import SecureExchangeError
from secure_exchange.i18n import set_language

BUILTIN = (resources.files("scoring") / "policies" / "jinxiang-2022.toml").read_text("utf-8")


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")
    yield
    set_language(None)


def edited(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The built-in policy with ``old`` replaced by ``new``, written to a file."""
    assert BUILTIN.count(old) >= count, old
    path = tmp_path / "edited.toml"
    path.write_text(BUILTIN.replace(old, new, count), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [n for n, text in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in text]
    return hits[nth - 1]


def test_builtin_identity_and_codes() -> None:
    policy = load_policy()
    digest = hashlib.sha256(BUILTIN.encode("utf-8")).hexdigest()
    assert policy.id == "jinxiang-2022"
    assert policy.sha256 == digest
    assert policy.ref == f"jinxiang-2022@sha256:{digest}"
    assert policy.codes[:4] == ("B1", "B2", "B3", "B4")
    assert len(policy.codes) == 29
    assert policy.codes[-7:] == tuple(f"V{i}" for i in range(1, 8))


def test_builtin_items_match_spec() -> None:
    policy = load_policy("jinxiang-2022")
    assert dict(policy.item("B1").levels) == {"县级": 20, "市级": 30, "省级": 40, "国家级": 50}
    assert dict(policy.item("B2").levels) == {"村级": 10, "镇级": 20, "县级": 30}
    assert dict(policy.item("B3").levels) == {"村级": 10, "镇级": 20, "县级": 30, "市级": 40}
    b51 = policy.item("B5.1")
    assert (b51.kind, b51.points, b51.sign, dict(b51.levels)) == ("fixed", 10, 1, {})
    d5 = policy.item("D5")
    assert (d5.kind, d5.points, d5.sign) == ("fixed", 20, -1)
    d12 = policy.item("D12")
    assert (d12.kind, d12.points_range, d12.sign, d12.points) == ("panel", (1, 50), -1, None)
    assert policy.item("V4").kind == "veto"
    assert policy.item("B10") is None
    assert policy.item("B1").name.startswith("加分项1")


def test_builtin_defaults_match_spec() -> None:
    policy = load_policy()
    assert (policy.base.points, policy.base.min_age, policy.base.max_age) == (30, 18, 60)
    assert [c.reason for c in policy.base.conditions] == [
        "E_CAPACITY",
        "E_RESIDENCE",
        "E_INCOME",
        "E_BAD_CREDIT",
    ]
    assert policy.statuses == ("vetoed", "ineligible", "declined", "approved")
    assert dict(policy.limit.caps) == {
        "农户": 50000,
        "新型农业经营主体": 100000,
        "个体工商户": 100000,
    }
    assert (policy.limit.yuan_per_point, policy.limit.online_ceiling_yuan) == (1000, 100000)
    rate = policy.rate
    assert (rate.ceiling_bp, rate.step_bp, rate.step_points, rate.stale_after_days) == (
        800,
        50,
        10,
        62,
    )
    assert len(rate.lpr) == 13
    assert (rate.lpr[0].date, rate.lpr[0].bp) == (date(2019, 8, 20), 425)  # revision 2
    assert (policy.revision, policy.label) == (2, "jinxiang-2022 r2")
    assert (policy.level_above, policy.level_below) == ("highest", "zero")
    assert policy.limit.caps_apply_to == {"initial"}
    assert {item.counting for item in policy.items if item.kind in ("levelled", "fixed")} == {
        "once"
    }
    assert {policy.item("B9").counting, policy.item("D12").counting} == {"each_record"}
    assert (rate.lpr[-1].date, rate.lpr[-1].bp) == (date(2025, 5, 20), 300)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("revision = 2", "revision = 0", r"'revision'.*outside"),
        ('level_above = "highest"', 'level_above = "lowest"', r"'level_above'"),
        ('level_below = "zero"', 'level_below = "highest"', r"'level_below'"),
        ('caps_apply_to = ["initial"]', 'caps_apply_to = ["credit"]', r"'caps_apply_to'"),
        ('code = "B2"\nname', 'code = "B2"\ncounting = "twice"\nname', r"'counting'"),
    ],
)
def test_revision_2_settings_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy(edited(tmp_path, old, new))


def test_policy_by_path_has_its_own_hash(tmp_path: Path) -> None:
    path = edited(tmp_path, 'code = "B1"', 'code = "B1"  # edited')
    policy = load_policy(path)
    assert policy.id == "jinxiang-2022"
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert policy.ref != load_policy().ref
    assert load_policy(str(path)).ref == policy.ref


def test_errors_are_secure_exchange_errors() -> None:
    assert issubclass(PolicyError, ScoringError)
    assert issubclass(ScoringError, SecureExchangeError)


def test_unknown_policy_id() -> None:
    with pytest.raises(PolicyError, match=r"'nowhere-2030' not found"):
        load_policy("nowhere-2030")


def test_unknown_key_names_line(tmp_path: Path) -> None:
    path = edited(tmp_path, "step_points = 10", "step_points = 10\nstep_pionts = 5")
    with pytest.raises(PolicyError, match=r"unknown setting 'step_pionts'") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "step_pionts")
    assert f"{path}, line {info.value.line}" in str(info.value)


def test_unknown_key_in_item_names_line(tmp_path: Path) -> None:
    path = edited(tmp_path, 'code = "D4"\n', 'code = "D4"\nlevel = "县级"\n')
    with pytest.raises(PolicyError, match=r"unknown setting 'level' in 'items.13'") as info:
        load_policy(path)
    assert info.value.line == line_of(path, 'level = "县级"')


def test_levelled_item_without_levels(tmp_path: Path) -> None:
    path = edited(tmp_path, 'levels = { "村级" = 10, "镇级" = 20, "县级" = 30 }\n', "")
    with pytest.raises(PolicyError, match=r"levelled item B2 lists no levels") as info:
        load_policy(path)
    assert info.value.line == line_of(path, 'code = "B2"')


def test_levelled_item_with_empty_levels(tmp_path: Path) -> None:
    path = edited(tmp_path, 'levels = { "村级" = 10, "镇级" = 20, "县级" = 30 }', "levels = {}")
    with pytest.raises(PolicyError, match=r"B2 lists no levels") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "levels = {}")


def test_level_not_in_policy_levels(tmp_path: Path) -> None:
    path = edited(tmp_path, '"国家级" = 50 }', '"世界级" = 50 }')
    with pytest.raises(PolicyError, match=r"item B1 uses level '世界级'") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "世界级")


def test_level_points_must_rise(tmp_path: Path) -> None:
    path = edited(tmp_path, '"县级" = 20, "市级" = 30', '"县级" = 30, "市级" = 20')
    with pytest.raises(PolicyError, match=r"B1.levels.*rise with the level"):
        load_policy(path)


@pytest.mark.parametrize(
    ("old", "new", "needle", "pattern"),
    [
        ('"农户" = 50000', '"农户" = -50000', '"农户" = -50000', "'农户'.*-50000"),
        ("step_bp = 50 ", "step_bp = 0 ", "step_bp = 0", "'step_bp'.*0 is outside"),
        ("step_points = 10", "step_points = 0", "step_points = 0", "'step_points'"),
        ("yuan_per_point = 1000", "yuan_per_point = 0", "yuan_per_point", "'yuan_per_point'"),
        ("max_age = 60", "max_age = 10", "max_age = 10", "'max_age'.*10 is outside"),
        ("points = 30\n", "points = 0\n", "points = 0", "'points'.*0 is outside"),
        ("ceiling_bp = 800", 'ceiling_bp = "800"', "ceiling_bp", "'ceiling_bp' must be an int"),
        ('kind = "fixed"', 'kind = "bonus"', 'kind = "bonus"', "'kind'.*'bonus'"),
        ("sign = -1", "sign = 0", "sign = 0", "'sign'"),
        ('floor = "lpr"', 'floor = "none"', 'floor = "none"', "'floor'"),
        ("points_range = [1, 50]", "points_range = [50, 1]", "[50, 1]", "'points_range'"),
        (
            '"vetoed", "ineligible"',
            '"ineligible", "vetoed", "approved", "declined"',
            "statuses = [",
            "'statuses'",
        ),
    ],
)
def test_nonsense_values_name_line(
    tmp_path: Path, old: str, new: str, needle: str, pattern: str
) -> None:
    path = edited(tmp_path, old, new)
    if "statuses" in pattern:
        path.write_text(
            path.read_text("utf-8").replace(', "declined", "approved"]', "]"), encoding="utf-8"
        )
    with pytest.raises(PolicyError, match=pattern) as info:
        load_policy(path)
    assert info.value.line == line_of(path, needle)


def test_lpr_dates_unsorted(tmp_path: Path) -> None:
    path = edited(tmp_path, "{ date = 2020-02-20, bp = 405 }", "{ date = 2019-10-20, bp = 405 }")
    with pytest.raises(PolicyError, match=r"increasing order.*2019-10-20") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "2019-10-20")


def test_lpr_dates_duplicate(tmp_path: Path) -> None:
    path = edited(tmp_path, "{ date = 2022-08-22, bp = 365 }", "{ date = 2022-01-20, bp = 365 }")
    with pytest.raises(PolicyError, match=r"2022-01-20") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "2022-01-20", nth=2)


def test_lpr_entry_unknown_key(tmp_path: Path) -> None:
    path = edited(
        tmp_path, "{ date = 2023-06-20, bp = 355 }", "{ date = 2023-06-20, bp = 355, note = 1 }"
    )
    with pytest.raises(PolicyError, match=r"unknown setting 'note' in 'rate.lpr.8'") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "note = 1")


def test_duplicate_code(tmp_path: Path) -> None:
    path = edited(tmp_path, 'code = "D2"', 'code = "D1"')
    with pytest.raises(PolicyError, match=r"item code D1 appears twice") as info:
        load_policy(path)
    assert info.value.line == line_of(path, 'code = "D1"', nth=2)


def test_missing_key(tmp_path: Path) -> None:
    path = edited(tmp_path, "online_ceiling_yuan = 100000", "")
    with pytest.raises(PolicyError, match=r"'limit' lacks the required setting 'online_ceiling"):
        load_policy(path)


def test_toml_syntax_error_line(tmp_path: Path) -> None:
    path = edited(tmp_path, "ceiling_bp = 800", "ceiling_bp = = 800")
    with pytest.raises(PolicyError, match=r"not valid TOML") as info:
        load_policy(path)
    assert info.value.line == line_of(path, "ceiling_bp = = 800")


def test_chinese_message() -> None:
    set_language("zh")
    bad = BUILTIN.replace("step_bp = 50 ", "step_bp = 0 ")
    with pytest.raises(PolicyError, match=r"评分政策文件 x.toml 第 .* 行：“step_bp”的取值不合理"):
        parse_policy(bad.encode("utf-8"), source="x.toml")

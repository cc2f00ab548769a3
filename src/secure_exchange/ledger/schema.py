"""Column metadata of ledger format v1 (ledger-v1.md), the policy protocol and the findings.

A finding is the library's ``Problem``: a message key, its parameters and where it was found
(sheet, spreadsheet row, canonical column). Its message is rendered when it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from secure_exchange.errors import Problem, Where
from secure_exchange.i18n import current_language

__all__ = [
    "EVALUATIONS",
    "LEDGER_COLUMNS",
    "OPTIONAL_SHEETS",
    "PANEL",
    "PANEL_ROLES",
    "RESIDENTS",
    "CheckReport",
    "ColumnLabel",
    "ColumnSpec",
    "PolicyItemLike",
    "PolicyLike",
    "column_label",
    "error",
    "mask_id",
    "problem_json",
    "warning",
]

RESIDENTS = "居民"
EVALUATIONS = "评议"
PANEL = "评议小组"  # revision 2: the roster of the 信用评议小组, an optional sheet
OPTIONAL_SHEETS = frozenset({PANEL})
PANEL_ROLES = ("支书/主任", "妇女主席", "红白理事会会长", "党员", "乡贤", "农商银行人员", "其他")


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical ledger column: its Chinese header, aliases, and Annex 3 category."""

    name: str
    header_zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    category: str | None = None


def _specs(*specs: ColumnSpec) -> Mapping[str, ColumnSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


# Aliases: headers officers' own sheets carry for the same column (matched after trimming,
# case-insensitively). Each alias names one column of its sheet only.
_ID_ALIASES = ("身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码")

_RESIDENT_SPECS = _specs(
    ColumnSpec("id_number", "身份证号", _ID_ALIASES, required=True, category="身份证号码"),
    ColumnSpec("name", "姓名", ("居民姓名", "户主姓名"), required=True, category="居民姓名"),
    ColumnSpec("community", "所属社区", ("社区", "村庄", "社区/村庄", "社区／村庄"), True),
    ColumnSpec("subject_type", "主体类型", required=True),
    ColumnSpec("full_civil_capacity", "完全民事行为能力", required=True),
    ColumnSpec("fixed_residence", "固定住所", required=True),
    ColumnSpec("fixed_income", "固定收入来源", required=True),
    ColumnSpec("major_bad_credit", "重大不良信用记录", required=True),
    ColumnSpec(
        "phone",
        "联系电话",
        ("电话", "电话号码", "手机", "手机号", "手机号码", "联系方式"),
        category="电话号码",
    ),
    ColumnSpec("address", "家庭住址", ("住址", "地址", "家庭地址"), category="家庭住址"),
    ColumnSpec("household_id", "户号", category="家庭关系"),
    ColumnSpec("relation", "与户主关系", ("家庭关系",), category="家庭关系"),
    ColumnSpec("real_estate", "不动产", category="不动产"),
    ColumnSpec("business_data", "经营数据", category="各类经营数据"),
)

_EVALUATION_SPECS = _specs(
    ColumnSpec("id_number", "身份证号", _ID_ALIASES, required=True, category="身份证号码"),
    ColumnSpec("code", "项目代码", ("代码", "评议项目代码", "项目编号"), required=True),
    ColumnSpec("level", "级别"),
    ColumnSpec("points", "分值", ("分数",)),
    ColumnSpec("note", "说明", ("备注",)),
    ColumnSpec("panel_date", "评议日期", ("评议时间",), required=True),
)

_PANEL_SPECS = _specs(
    ColumnSpec("community", "所属社区", ("社区", "村庄", "社区/村庄", "社区／村庄"), True),
    ColumnSpec("panel_date", "评议日期", required=True),
    ColumnSpec("name", "姓名", required=True, category="居民姓名"),
    ColumnSpec("role", "角色", required=True),
)

LEDGER_COLUMNS: Mapping[str, Mapping[str, ColumnSpec]] = MappingProxyType(
    {RESIDENTS: _RESIDENT_SPECS, EVALUATIONS: _EVALUATION_SPECS, PANEL: _PANEL_SPECS}
)
"""Sheet (``居民``/``评议``/``评议小组``) -> canonical column -> its spec, in ledger order."""


class PolicyItemLike(Protocol):
    """What the ledger check needs of a policy item (``scoring.policy.Item``)."""

    @property
    def code(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def sign(self) -> int: ...

    @property
    def levels(self) -> Mapping[str, int]: ...

    @property
    def points(self) -> int | None: ...

    @property
    def points_range(self) -> tuple[int, int] | None: ...


class PolicyLike(Protocol):
    """What the ledger check needs of a policy (``scoring.policy.Policy``)."""

    @property
    def id(self) -> str: ...

    @property
    def codes(self) -> tuple[str, ...]: ...

    @property
    def level_above(self) -> str: ...

    @property
    def level_below(self) -> str: ...

    def item(self, code: str, /) -> PolicyItemLike | None: ...


def mask_id(id_number: str) -> str:
    """Mask an ID number as first 6 + ``********`` + last 4 (``370828********123X``).

    Strings shorter than 15 characters are masked entirely, one ``*`` per character.
    """
    text = id_number.strip()
    if len(text) < 15:
        return "*" * len(text)
    return text[:6] + "*" * 8 + text[-4:]


def column_label(sheet: str, column: str) -> str:
    """The header the officer sees for ``column``: Chinese header in Chinese, else canonical."""
    spec = LEDGER_COLUMNS.get(sheet, {}).get(column)
    if spec is None:
        return column
    return spec.header_zh if current_language() == "zh" else spec.name


@dataclass(frozen=True)
class ColumnLabel:
    """A message parameter naming a column: rendered by ``column_label`` when shown, so
    in the reader's language rather than the one in force when the check ran."""

    sheet: str
    column: str

    def __str__(self) -> str:
        return column_label(self.sheet, self.column)


def error(
    sheet: str, row: int | None, column: str | None, key: str, /, **params: object
) -> Problem:
    """An error in ``sheet`` at spreadsheet ``row`` and canonical ``column``."""
    return Problem(key, params, Where(sheet=sheet, row=row, column=column), "error")


def warning(
    sheet: str, row: int | None, column: str | None, key: str, /, **params: object
) -> Problem:
    """A warning in ``sheet`` at spreadsheet ``row`` and canonical ``column``."""
    return Problem(key, params, Where(sheet=sheet, row=row, column=column), "warning")


def problem_json(problem: Problem) -> dict[str, str | int | None]:
    """The JSON object of one finding in ``sx ledger check --json`` (message rendered now)."""
    return {
        "sheet": problem.where.sheet,
        "row": problem.where.row,
        "column": problem.where.column,
        "code": problem.key,
        "message": problem.message(),
        "level": problem.level,
    }


@dataclass(frozen=True)
class CheckReport:
    """Every error and warning found in a ledger, in sheet/row order."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings are allowed)."""
        return not self.errors

    def to_json(self) -> dict[str, object]:
        """``{"ok": bool, "errors": [...], "warnings": [...]}`` as in cli-v1."""
        return {
            "ok": self.ok,
            "errors": [problem_json(p) for p in self.errors],
            "warnings": [problem_json(p) for p in self.warnings],
        }

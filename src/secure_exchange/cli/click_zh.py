"""Chinese for click's own words (usage, metavars, usage errors) under a Chinese locale.

click marks its strings for gettext but ships no Chinese catalogue; each click module binds
``_`` (and ``ngettext``) at import, so this adapter rebinds those names to look the string
up here first. Metavars (``[OPTIONS]``, ``FILE``, ``TEXT``, an argument's name) are
translated where click makes them, and help columns are measured in display width, so a
Chinese help page lines up on a CJK console.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import click
from click import formatting

from secure_exchange.i18n import current_language

__all__ = ["display_width", "install", "metavar_zh"]

_ZH = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令「{name}」。",
    "No such option {name!r}.": "没有选项「{name}」。",
    "Invalid value for {param_hint}: {message}": "{param_hint}的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不询问，直接确认。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name}「{filename}」不存在。",
    "{name} {filename!r} is a directory.": "{name}「{filename}」是文件夹，这里需要文件。",
    "{name} {filename!r} is a file.": "{name}「{filename}」是文件，这里需要文件夹。",
    "{name} {filename!r} is not readable.": "{name}「{filename}」无法读取。",
    "{name} {filename!r} is not writable.": "{name}「{filename}」无法写入。",
    "{name} {filename!r} is not executable.": "{name}「{filename}」不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件「{filename}」：{message}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} 不是有效的是/否值。可用：{states}"
    ),
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "unknown error": "未知错误",
    "required": "必填",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "integer range": "整数",
    "float": "数字",
    "float range": "数字",
    "text": "文字",
}
# (singular, plural) -> Chinese, which has one form
_ZH_PLURAL = {
    "Did you mean {possibility}?": "您是不是要输入 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是不是要输入其中之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats}。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
}
# Metavars: click's own and our arguments' names.
METAVARS_ZH = {
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "命令 [参数]...",
    "[COMMAND] [ARGS]...": "[命令] [参数]...",
    "TEXT": "文字",
    "INTEGER": "整数",
    "INTEGER RANGE": "整数",
    "FLOAT RANGE": "数字",
    "FLOAT": "数字",
    "BOOLEAN": "是/否",
    "FILE": "文件",
    "DIRECTORY": "文件夹",
    "PATH": "路径",
    "FOLDER": "文件夹",
    "FILE.xlsx": "文件.xlsx",
    "FILE.html": "文件.html",
    "FILE.json": "文件.json",
    "CARD": "密钥卡",
    "INCIDENT_ID": "事件编号",
    "NO|FILE": "编号或文件",
    "NAME": "密钥名",
    "NUMBER": "编号",
    "NO": "编号",
    "CODE": "代码",
    "SOURCE": "台账或数据包",
    "LEDGER": "台账",
    "PACKAGE": "数据包文件夹",
    "DECISIONS": "决定文件",
    "DIR": "文件夹",
}
_MODULES = ("core", "formatting", "exceptions", "decorators", "types", "termui", "parser")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_QUOTED = re.compile(r"'([^']*)'")  # click's quotes around a parameter's name
_installed: list[bool] = []


def _translate(text: str) -> str:
    return _ZH.get(text, text) if current_language() == "zh" else text


def _translate_plural(singular: str, plural: str, n: int) -> str:
    text = singular if n == 1 else plural
    return _ZH_PLURAL.get(text, text) if current_language() == "zh" else text


def metavar_zh(metavar: str) -> str:
    """``metavar`` in the current language (``FILE`` → ``文件``; ``[FILE]...`` too)."""
    if current_language() != "zh":
        return metavar
    if metavar in METAVARS_ZH:
        return METAVARS_ZH[metavar]
    core = metavar.strip("[].")
    if core in METAVARS_ZH:
        return metavar.replace(core, METAVARS_ZH[core])
    return metavar


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two, escapes none."""
    plain = _ANSI.sub("", text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in plain)


def _wrap_metavar(original: Callable[..., str]) -> Callable[..., str]:
    def make_metavar(self: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return metavar_zh(original(self, *args, **kwargs))

    return make_metavar


def _wrap_usage(original: Callable[..., list[str]]) -> Callable[..., list[str]]:
    def collect_usage_pieces(self: click.Command, ctx: click.Context) -> list[str]:
        return [metavar_zh(piece) for piece in original(self, ctx)]

    return collect_usage_pieces


def _name_in_language(kind: type[click.ParamType]) -> None:  # type: ignore[type-arg]
    """A number type's name (``integer``, shown in messages and metavars) in the language."""
    english = kind.__dict__.get("name")
    if isinstance(english, str):
        setattr(kind, "name", property(lambda _self: _translate(english)))  # noqa: B010


def _wrap_hint(original: Callable[..., str]) -> Callable[..., str]:
    def get_error_hint(self: click.Parameter, ctx: click.Context | None) -> str:
        text = original(self, ctx)
        return _QUOTED.sub("「\\1」", text) if current_language() == "zh" else text

    return get_error_hint


def _wrap_missing(original: Callable[..., str]) -> Callable[..., str]:
    """Chinese punctuation for click's "Missing argument 'X'." (it writes the full stop
    and the quotes itself): 缺少参数「X」。"""

    def format_message(self: click.MissingParameter) -> str:
        text = original(self)
        if current_language() != "zh":
            return text
        head, dot, rest = text.replace(" 「", "「", 1).partition("」.")
        if dot:
            return f"{head}」。{rest.strip()}"
        return text[:-1] + "。" if text.endswith(".") else text

    return format_message


def install() -> None:
    """Rebind ``_`` and ``ngettext`` in click's modules; translate metavars (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is not None:
            module._ = _translate  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is not None:
            module.ngettext = _translate_plural  # type: ignore[attr-defined]
    if _installed:
        return
    _installed.append(True)
    for cls in (click.Argument, click.Option):
        cls.make_metavar = _wrap_metavar(cls.make_metavar)  # type: ignore[method-assign]
    for owner in (click.Parameter, click.Argument):
        hint = owner.__dict__["get_error_hint"]
        owner.get_error_hint = _wrap_hint(hint)  # type: ignore[method-assign]
    missing = click.MissingParameter
    missing.format_message = _wrap_missing(missing.format_message)  # type: ignore[method-assign]
    for command in (click.Command, click.Group):
        original = command.__dict__.get("collect_usage_pieces")
        if original is not None:
            command.collect_usage_pieces = _wrap_usage(original)  # type: ignore[method-assign]
    for kind in (click.types.IntParamType, click.types.FloatParamType):
        _name_in_language(kind)
    for kind in (click.types.IntRange, click.types.FloatRange):
        _name_in_language(kind)
    setattr(formatting, "term_len", display_width)  # noqa: B010 - help columns in CJK width

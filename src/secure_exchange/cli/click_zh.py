"""Chinese for click's own words (Usage, Options, usage errors) under a Chinese locale.

click marks its strings for gettext but ships no Chinese catalogue; each click module binds
``_`` at import, so this adapter rebinds those names to look the string up here first.
"""

from __future__ import annotations

import importlib

from secure_exchange.i18n import current_language

__all__ = ["install"]

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
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已取消！",
    "default: {default}": "默认：{default}",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "required": "必填",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
}
_MODULES = ("core", "formatting", "exceptions", "decorators", "types", "termui", "parser")


def _translate(text: str) -> str:
    return _ZH.get(text, text) if current_language() == "zh" else text


def install() -> None:
    """Rebind ``_`` in click's modules (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is not None:
            module._ = _translate  # type: ignore[attr-defined]

"""Messages of the core: keys, agreements, packages, file writing."""

MESSAGES: dict[str, tuple[str, str]] = {
    "internal.bug": (
        "内部错误（程序缺陷），详情已写入 {path}，其中不含个人信息。",
        "Internal error (a bug); details were written to {path}, without personal data.",
    ),
}
MESSAGES.update({
    "cli.help.root": (
        "secure-exchange：按《合作协议》在社区与农商银行之间安全交换居民信息并授信。",
        "secure-exchange: exchange residents' data between communities and the rural bank "
        "under the Annex 3 agreement, and turn it into credit lines.",
    ),
    "cli.error_prefix": ("错误：", "Error: "),
    "cli.aborted": ("已取消。", "Aborted."),
})

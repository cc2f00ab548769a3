"""Message of an unexpected failure, a bug (``internal.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "internal.bug": (
        "内部错误（程序缺陷），详情已写入 {path}，其中不含个人信息。",
        "Internal error (a bug); details were written to {path}, without personal data.",
    ),
}

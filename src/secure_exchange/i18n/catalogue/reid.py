"""Messages of re-identification (``reid.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "reid.reason_needed": (
        "请用 --reason 说明回识事由（至少4个字）。",
        "Give the reason for re-identification with --reason (at least 4 characters).",
    ),
    "reid.bad_decisions": (
        "评分结果文件中的主体标识有缺失或重复。",
        "The decisions file has missing or repeated subjects.",
    ),
    "reid.unknown_subjects": (
        "评分结果中有 {count} 个主体不在该数据包中：结果与数据包不匹配，已拒绝。",
        "{count} subject(s) in the decisions are not in this package: they do not belong "
        "together. Refused.",
    ),
}

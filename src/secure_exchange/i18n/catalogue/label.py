"""Words for the codes a user sees: key purposes, station roles, data groups (``label.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "label.purpose.officer": ("经办人", "officer"),
    "label.purpose.seal": ("单位公章", "seal"),
    "label.purpose.scoring": ("银行评分", "scoring"),
    "label.purpose.reidentify": ("银行回识", "reidentify"),
    "label.role.community": ("社区", "community"),
    "label.role.bank": ("银行", "bank"),
    "label.role.compliance": ("合规", "compliance"),
    "label.group.identity": ("身份信息", "identity"),
    "label.group.scoring": ("评分信息", "scoring"),
    "label.group.evaluations": ("评议信息", "evaluations"),
    "label.group.decisions": ("授信决定", "decisions"),
}

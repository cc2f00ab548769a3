"""Names of a decision's status in the CLI's score summary (``status.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "status.approved": ("授信", "approved"),
    "status.declined": ("未授信", "declined"),
    "status.ineligible": ("不符合条件", "ineligible"),
    "status.vetoed": ("一票否决", "vetoed"),
}

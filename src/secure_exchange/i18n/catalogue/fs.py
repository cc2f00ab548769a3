"""Messages of durable file writing (``fs.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "fs.disk_full": (
        "磁盘已满，无法写入 {path}；请腾出空间或换用更大的U盘后重试。未留下不完整的文件。",
        "The disk is full; cannot write {path}. Free some space or use a larger stick and "
        "try again. Nothing incomplete was left behind.",
    ),
    "fs.read_only": (
        "没有写入权限：{path}（只读或权限不足）。",
        "No permission to write {path} (read-only or access denied).",
    ),
    "fs.write_failed": ("写入 {path} 失败：{error}。", "Writing {path} failed: {error}."),
}

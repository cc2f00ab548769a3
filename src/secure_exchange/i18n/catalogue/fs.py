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
    "fs.in_use": (
        "文件正被 Excel 或其他程序打开，无法写入 {path}：请关闭该文件后重试。",
        "{path} is open in Excel or another program and cannot be written: close it and try again.",
    ),
    "fs.in_use_read": (
        "文件正被 Excel 或其他程序打开，无法读取 {path}：请关闭该文件后重试。",
        "{path} is open in Excel or another program and cannot be read: close it and try again.",
    ),
    "fs.no_read": (
        "无法读取 {path}：文件正被 Excel 等程序打开，或没有读取权限。请关闭该文件后重试。",
        "Cannot read {path}: it is open in Excel or another program, or you may not read "
        "it. Close it and try again.",
    ),
    "fs.not_found": ("找不到文件 {path}，请检查路径。", "{path} does not exist; check the path."),
    "fs.read_failed": ("读取 {path} 失败：{error}。", "Reading {path} failed: {error}."),
    "fs.output_is_input": (
        "不能把结果写到输入文件上：{path} 就是 {input}（或在其中）。请用 --out 另起一个文件名。",
        "Will not write over an input: {path} is {input} (or inside it). Give --out "
        "another file name.",
    ),
    "fs.output_exists": (
        "{path} 已存在，未覆盖。请换一个文件名，或确认要替换时加 --force。",
        "{path} already exists and was not replaced. Choose another name, or add --force "
        "to replace it.",
    ),
    "fs.output_is_folder": (
        "{path} 是一个文件夹，不能作为输出文件。请给出文件名。",
        "{path} is a folder, not a file to write. Give a file name.",
    ),
}

"""Messages of the station home: initialisation and its files (``home.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "home.org_empty": (
        "单位名称不能为空，请用 --org 指定。",
        "The organisation name is empty; give --org.",
    ),
    "home.already_initialised": (
        "本工作站已初始化（{path}），无需重复执行 sx init。",
        "This station is already initialised ({path}); sx init is not needed again.",
    ),
    "home.not_initialised": (
        "工作站目录 {home} 尚未初始化，请先运行 sx init --org 单位名称 --role 角色。",
        "The station folder {home} is not initialised; run sx init --org NAME --role ROLE first.",
    ),
    "home.statement_missing": (
        "本机日志记录的 {count} 份签名声明（第一份：{statement}）已不在工作站的 state/lifecycle "
        "目录中：撤销、销毁或事件声明被删除后，sx 停止一切操作。请从 U 盘上的副本、对方或备份"
        "恢复该文件；sx audit verify 会列出缺少的声明。",
        "The access log records {count} signed statement(s) issued or received here (the "
        "first: {statement}) that are no longer in the station's state/lifecycle folder: with a "
        "revocation, destruction or incident deleted, sx stops. Restore the file from the "
        "stick's copy, the other party or a backup; sx audit verify lists what is missing.",
    ),
    "home.unreadable": (
        "无法读取 {path}（{error}），请检查工作站目录是否完好。",
        "Cannot read {path} ({error}); check that the station folder is intact.",
    ),
}

"""Messages of ``sx demo`` (``demo.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "demo.readme": (
        "本文件夹由 sx demo 生成，全部为虚构数据，可随时删除。\n",
        "This folder was made by sx demo; everything in it is invented. Delete it at will.\n",
    ),
    "demo.step.stations": (
        "建立三个工作站（社区、银行、合规）并生成各自密钥",
        "Three stations (community, bank, compliance) set up with their keys",
    ),
    "demo.step.agreement": (
        "起草《合作协议》{number}，双方公章密钥签署，三站导入",
        "Agreement {number} drafted, signed by both seals, trusted by all three stations",
    ),
    "demo.step.media": ("登记社区专用U盘", "The community's dedicated stick enrolled"),
    "demo.step.ledger": (
        "生成 13 个社区的虚构台账：{residents} 位居民",
        "An invented ledger for the 13 communities: {residents} residents",
    ),
    "demo.step.checked": (
        "台账检查：{errors} 个错误，{warnings} 个提示；社区预览评分完成",
        "Ledger checked: {errors} error(s), {warnings} warning(s); community preview scored",
    ),
    "demo.step.sealed": (
        "假名化、加密、签名并写入U盘：{package}",
        "Pseudonymised, encrypted, signed and written to the stick: {package}",
    ),
    "demo.step.imported": (
        "银行核验并导入数据包（签名、校验值、协议范围、防重放）",
        "The bank verified and imported the package (signatures, hashes, scope, replay)",
    ),
    "demo.step.scored": (
        "银行在内存中评分：{subjects} 户/人，授信 {approved} 户，授信总额 {credit} 元",
        "The bank scored in memory: {subjects} subjects, {approved} approved, "
        "{credit} yuan of credit lines",
    ),
    "demo.step.reidentified": (
        "为用户告知回识 {count} 位客户（已记录事由与人数）",
        "{count} customers re-identified for notification (reason and count logged)",
    ),
    "demo.step.returned": (
        "银行回传评分结果，社区导入并对应到 {count} 位居民",
        "The bank sealed the decisions back; the community matched them to {count} residents",
    ),
    "demo.step.audit": (
        "合规核查 {station} 访问日志：{size} 条记录，{state}",
        "Compliance verified the {station} access log: {size} events, {state}",
    ),
    "demo.ok": ("完好", "intact"),
    "demo.broken": ("有问题！", "BROKEN!"),
    "demo.summary": (
        "演示完成（{seconds} 秒）：{subjects} 户/人参评，{approved} 户获授信，授信总额 {credit} 元，"
        "回识告知 {notified} 位。",
        "Demo done in {seconds} s: {subjects} subjects scored, {approved} approved, "
        "{credit} yuan of credit lines, {notified} customers notified.",
    ),
    "demo.file.decisions": ("银行评分结果（假名）", "Bank decisions (pseudonyms)"),
    "demo.file.notify": ("用户告知名单", "Notification list"),
    "demo.file.report": ("评议结果报告（图表）", "Decisions report (charts)"),
    "demo.file.results": ("社区收到的结果", "Results back at the community"),
    "demo.file.audit-community": ("社区访问日志报告", "Community access-log report"),
    "demo.file.audit-bank": ("银行访问日志报告", "Bank access-log report"),
    "demo.step.risk": (
        "评分密钥可见的数据中 {share}% 的记录可被唯一识别（改进前按出生日期、性别约 99%），"
        "最小组 {smallest} 条",
        "{share}% of the rows the scoring key sees are unique (about 99% with the exact "
        "birth date and sex before), smallest class {smallest}",
    ),
}

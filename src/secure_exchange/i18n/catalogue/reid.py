"""Messages of re-identification (``reid.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    # The reasons a bank may re-identify a customer (codes of ``station.notify.REASONS``).
    "reid.reason.notify": (
        "用户告知（授信结果通知）",
        "notify the customer of the credit decision",
    ),
    "reid.reason.complaint": ("客户投诉处理", "handle a customer's complaint"),
    "reid.reason.correction": (
        "客户或社区要求的数据更正",
        "correct data at the customer's or community's request",
    ),
    "reid.reason.audit": ("内部审计/监管检查", "internal audit or regulatory inspection"),
    "reid.reason.legal": ("有权机关依法查询", "lawful request by a competent authority"),
    "reid.reason_item": ("{code}：{label}", "{code}: {label}"),
    "reid.reason_list_sep": ("；", "; "),
    "reid.reason_unknown": (
        "--reason 只能是以下事由代码之一：{codes}。姓名、身份证号、电话等请勿写入事由；"
        "需要关联工单时用 --ticket 填写工单号。",
        "--reason takes one of these codes: {codes}. Never put a name, an ID number or a "
        "phone in it; cite a ticket with --ticket.",
    ),
    "reid.ticket_invalid": (
        "--ticket 工单号只能由英文字母、数字和短横线组成（最多32个字符），且不能是身份证号、"
        "手机号那样的长串数字，例如 TS-2022-0701。",
        "--ticket takes a ticket reference of letters, digits and dashes (at most 32), not a "
        "long run of digits like an ID or a phone number; e.g. TS-2022-0701.",
    ),
    "reid.help.reason": ("回识事由代码：{codes}。", "Reason code: {codes}."),
    "reid.help.ticket": (
        "关联的工单号（可选）：英文字母、数字和短横线，最多32个字符。",
        "Ticket reference (optional): letters, digits and dashes, at most 32.",
    ),
    "reid.bad_decisions": (
        "评分结果文件中的主体标识有缺失或重复。",
        "The decisions file has missing or repeated subjects.",
    ),
    "reid.no_subject_column": (
        "评分结果文件 {file} 没有 subject 列：回识需要 sx score 写出的主体标识。",
        "The decisions file {file} has no subject column: re-identification needs the "
        "subjects sx score wrote.",
    ),
    "reid.not_a_subject": (
        "{file} 第 {row} 行的主体标记不对（应为 32 位数字和字母 a–f）：请确认选的是 sx score 写出的"
        "“subject”列，并且没有被 Excel 改成数字。",
        "{file} row {row}: not a subject token (32 characters 0-9, a-f). Check that the "
        "column is the 'subject' column sx score wrote and that Excel did not turn it into "
        "a number.",
    ),
    "reid.list_old_format": (
        "{file} 是旧格式表格：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后重试。",
        "{file} is an old spreadsheet format: in Excel or WPS, save it as .xlsx or CSV and "
        "try again.",
    ),
    "reid.decisions_unreadable": (
        "无法读取评分结果文件 {file}（请用 CSV、xlsx 或 Parquet 格式，保留 subject 列）。",
        "The decisions file {file} cannot be read (use CSV, xlsx or Parquet with the "
        "subject column).",
    ),
    "reid.unknown_subjects": (
        "评分结果中有 {count} 个主体不在该数据包中：结果与数据包不匹配，已拒绝。",
        "{count} subject(s) in the decisions are not in this package: they do not belong "
        "together. Refused.",
    ),
    "reid.not_scored": (
        "本站从未对数据包 {folder} 评分：回识只针对本站评分时获批准的客户。请先运行 sx score。",
        "This station never scored package {folder}: only customers approved by this "
        "station's scoring can be re-identified. Run sx score on it first.",
    ),
    "reid.record_invalid": (
        "数据包 {folder} 的评分记录无法通过评分密钥的签名校验（被改动或已损坏），已拒绝。"
        "请重新运行 sx score。",
        "The scoring record of package {folder} does not verify by the scoring key's "
        "signature (changed or damaged). Refused; run sx score on the package again.",
    ),
    "reid.none_approved": (
        "文件中的 {count} 行主体在本站对数据包 {package} 评分（评议日 {as_of}）时均未获批准，"
        "未回识任何客户。",
        "None of the {count} row(s) was approved when this station scored package "
        "{package} (as of {as_of}); nobody was re-identified.",
    ),
    "reid.rows_not_approved": (
        "有 {count} 行未回识：本站对数据包 {package} 评分（评议日 {as_of}）时这些主体"
        "未获批准（文件中的状态列不作依据）。",
        "{count} row(s) were not re-identified: not approved when this station scored "
        "package {package} (as of {as_of}); the file's status column is not taken as proof.",
    ),
    "reid.done": (
        "已回识 {count} 位客户（事由：{label}），写入 {path}",
        "Re-identified {count} customer(s) (reason: {label}) into {path}",
    ),
}

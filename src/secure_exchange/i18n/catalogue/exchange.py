"""Messages of sealing, scoring and re-identification at the CLI."""

MESSAGES: dict[str, tuple[str, str]] = {
    "cli.help.seal": (
        "检查台账、假名化，加密签名后封装到专用U盘（最后一行输出数据包路径）。",
        "Check the ledger, pseudonymise it, and seal it encrypted and signed onto the "
        "dedicated stick (the package path is printed last).",
    ),
    "cli.help.agreement_no": ("依据的《合作协议》编号。", "Number of the agreement to seal under."),
    "cli.help.seal_out": (
        "数据包写入的文件夹（如专用U盘根目录）。",
        "Folder the package goes into (the dedicated stick's root, say).",
    ),
    "cli.help.seal_as": (
        "签名密钥，可多次给出（默认：本站唯一的 officer 与 seal 密钥）。",
        "Signing key; repeat for each (default: this station's officer and seal keys).",
    ),
    "cli.help.drop_unknown": (
        "删除台账中格式以外的列（并报告），而不是拒绝。",
        "Drop columns outside the format (reported) instead of refusing the ledger.",
    ),
    "cli.progress.seal": ("封装中", "Sealing"),
    "cli.column_dropped": (
        "已删除格式以外的列：{column}",
        "Dropped a column outside the format: {column}",
    ),
    "cli.sealed": (
        "已封装数据包 {package}（协议 {number}），已回读核验。",
        "Package {package} sealed under agreement {number} and verified after writing.",
    ),
    "cli.help.score": (
        "评分：对台账（社区预览）或已导入的数据包（银行，仅在内存中解密）。",
        "Score a ledger (the community's preview) or an imported package (the bank; "
        "decrypted in memory only).",
    ),
    "cli.help.as_of": ("评议日期 YYYY-MM-DD。", "Evaluation date YYYY-MM-DD."),
    "cli.help.policy": ("评分政策编号或文件。", "Scoring policy id or file."),
    "cli.help.score_out": (
        "结果文件（.csv、.parquet 或 .xlsx）。",
        "Output file (.csv, .parquet or .xlsx).",
    ),
    "cli.help.score_as": (
        "银行评分密钥名（默认：本站唯一的 scoring 密钥）。",
        "Scoring key (default: the only one).",
    ),
    "cli.key_choice": (
        "本站有 {count} 个用途为 {purpose} 的密钥，请用 --as 指定。",
        "This station has {count} key(s) for {purpose}; name one with --as.",
    ),
    "cli.warning_prefix": ("提示：", "Warning: "),
    "cli.score_total": (
        "评议日 {day}：共 {subjects} 户/人，授信总额 {credit} 元",
        "As of {day}: {subjects} subjects, total credit {credit} yuan",
    ),
    "status.approved": ("授信", "approved"),
    "status.declined": ("未授信", "declined"),
    "status.ineligible": ("不符合条件", "ineligible"),
    "status.vetoed": ("一票否决", "vetoed"),
    "cli.help.reidentify": (
        "为需告知的客户回识姓名与电话（需回识密钥与事由，逐行计入日志）。",
        "Re-identify customers to notify them: name and phone (needs the re-identification "
        "key and a reason; every row is logged).",
    ),
    "cli.help.reason": (
        "回识事由，如“用户告知：2022年7月授信”。",
        "Reason, e.g. 'customer notification, July 2022'.",
    ),
    "cli.reidentified": (
        "已回识 {count} 位客户，写入 {path}",
        "Re-identified {count} customers into {path}",
    ),
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
    "package.ledger_needs_community": (
        "只有社区/村工作站可以封装台账（本站角色：{role}）。",
        "Only a community station seals ledgers (this station: {role}).",
    ),
    "package.seal_key_needed": (
        "封装需要单位公章密钥（seal）参与签名。",
        "Sealing needs the unit's seal key among the signers.",
    ),
}
MESSAGES.update(
    {
        "package.decisions_need_bank": (
            "只有银行工作站可以回传评分结果（本站角色：{role}）。",
            "Only the bank's station seals decisions back (this station: {role}).",
        ),
        "package.decisions_from_ledger": (
            "这是社区预览的结果（含台账行号），不能回传；请回传对数据包的评分结果。",
            "These are a community preview's decisions (with ledger rows); seal the decisions "
            "scored from a package instead.",
        ),
        "package.results_need_seal": (
            "读取回传结果需要单位公章密钥（seal），它保管着假名化密钥。",
            "Reading returned decisions needs the unit's seal key, which holds the "
            "pseudonymisation secret.",
        ),
    }
)
MESSAGES.update(
    {
        "cli.help.results": (
            "社区读取银行回传的评分结果，按本台账的行号与脱敏身份证号对应到居民。",
            "Party A reads the bank's returned decisions keyed back to its residents (ledger row "
            "and masked ID).",
        ),
        "cli.results_read": (
            "已对应 {count} 位居民的结果，写入 {path}",
            "Results for {count} residents written to {path}",
        ),
    }
)
MESSAGES.update(
    {
        "cli.help.allow_unenrolled": (
            "允许写入未登记为本单位专用U盘的位置（会记入访问日志，不建议）。",
            "Allow a target that is not this unit's enrolled dedicated media (logged; not advised).",
        ),
    }
)
MESSAGES.update({"cli.progress.read": ("读取台账", "Reading the ledger")})
MESSAGES.update(
    {
        "cli.stage.verify": ("核验数据包", "Verifying the package"),
        "cli.stage.check": ("检查台账", "Checking the ledger"),
        "cli.stage.unlock": ("解锁签名密钥", "Unlocking the signing keys"),
        "cli.progress.rows": ("已处理 {rows} 行", "{rows} rows done"),
        "cli.stage.seal": (
            "再次检查、假名化并加密封装",
            "Checking again, pseudonymising and sealing",
        ),
        "cli.stage.decrypt": ("在内存中解密", "Decrypting in memory"),
        "cli.stage.score": ("评分", "Scoring"),
        "cli.stage.write": ("写出结果", "Writing the results"),
    }
)
MESSAGES.update(
    {
        "cli.col.community": ("社区", "community"),
        "cli.col.subjects": ("参评", "subjects"),
        "cli.col.credit": ("授信总额（元）", "credit (yuan)"),
        "cli.col.total": ("合计", "total"),
    }
)

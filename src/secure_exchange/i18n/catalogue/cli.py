"""Messages of the command line: help texts, prompts, progress and results (``cli.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "cli.help.root": (
        "secure-exchange：按《合作协议》在社区与农商银行之间安全交换居民信息并授信。",
        "secure-exchange: exchange residents' data between communities and the rural bank "
        "under the Annex 3 agreement, and turn it into credit lines.",
    ),
    "cli.error_prefix": ("错误：", "Error: "),
    "cli.passphrase_prompt": ("请输入密钥 {name} 的口令", "Passphrase for key {name}"),
    "cli.bad_date": (
        "{value} 不是日期：请写成 2022-07-01（也可写 2022/7/1 或 2022年7月1日）。",
        "{value} is not a date: write it as 2022-07-01 (2022/7/1 works too).",
    ),
    "cli.inspect.package": ("数据包编号：{value}", "Package: {value}"),
    "cli.inspect.format": ("格式：{value}", "Format: {value}"),
    "cli.inspect.agreement": (
        "协议：{number}（SHA-256 {sha}…）",
        "Agreement: {number} (SHA-256 {sha}…)",
    ),
    "cli.inspect.sender": (
        "发送方：{party} 方，工作站 {station}",
        "Sender: party {party}, station {station}",
    ),
    "cli.inspect.sequence": ("序号：{value}", "Sequence: {value}"),
    "cli.inspect.created": ("生成时间：{value}", "Created: {value}"),
    "cli.inspect.expires": ("有效期至：{value}", "Expires: {value}"),
    "cli.inspect.signers": ("签名密钥：{value}", "Signed by: {value}"),
    "cli.inspect.group": (
        "  {group}：{rows} 行，{categories} 类信息，{readers} 个读取密钥",
        "  {group}: {rows} rows, {categories} categories, {readers} reader keys",
    ),
    "cli.interrupted": ("已中断（Ctrl-C）。", "Interrupted (Ctrl-C)."),
    "cli.cancelled": ("已取消。", "Cancelled."),
    "cli.passphrase_new_prompt": (
        "为新密钥 {name} 设置口令（至少 {minimum} 个字符，请记牢，丢失无法找回）",
        "New passphrase for key {name} (at least {minimum} characters; it cannot be recovered)",
    ),
    "cli.passphrase_new_again": ("请再输入一次新口令", "Repeat the new passphrase"),
    "cli.passphrase_retry": (
        "口令不对，请重新输入（还可再试 {left} 次）。",
        "Wrong passphrase; try again ({left} tries left).",
    ),
    "cli.already_imported": (
        "（提示：本站已导入过这个数据包；核验可以重复做，再次导入会被拒绝。）",
        "(Note: this package was already imported here; verify may be repeated, import "
        "again is refused.)",
    ),
    "cli.wrong_station": (
        "这里是{role}工作站（{org}），没有{purpose}密钥：这一步要在{other}工作站上做，"
        "请把数据包带到那里后再运行本命令。",
        "This is a {role} station ({org}) and holds no {purpose} key: this step is done at "
        "the {other} station. Take the package there and run the command again.",
    ),
    "cli.no_key_yet": (
        "本站还没有{purpose}密钥：请先运行 sx keys new 名称 --purpose {code}，并把公钥卡写进协议。",
        "This station has no {purpose} key yet: run sx keys new NAME --purpose {code} first, "
        "and put its card into the agreement.",
    ),
    "cli.help.force": (
        "输出文件已存在时替换它（输入文件永远不会被覆盖）。",
        "Replace the output file if it exists (an input is never overwritten).",
    ),
    "cli.out_suffix": (
        "{path} 的扩展名不对：该命令写出的是 {suffixes} 文件，存成 {suffix} 会让 Excel、WPS "
        "或浏览器打不开。请改用 {suffixes} 结尾的文件名。",
        "{path} has the wrong extension: this command writes a {suffixes} file, which "
        "would not open as {suffix}. Use a name ending in {suffixes}.",
    ),
    "cli.export_suffix": (
        "{path} 的扩展名不对：公钥卡请存为 {suffixes} 文件，不要存成表格或文档。",
        "{path} has the wrong extension: save the key card as {suffixes}, not as a "
        "spreadsheet or document.",
    ),
    "cli.help.passphrase_file": (
        "从文件读取口令（供自动化使用；也可用环境变量 SX_PASSPHRASE）。",
        "Read the passphrase from a file (for automation; SX_PASSPHRASE works too).",
    ),
    "cli.help.init": (
        "初始化本工作站（单位名称与角色）。",
        "Set up this station (organisation and role).",
    ),
    "cli.help.org": ("单位名称，如“金乡街道真武社区”。", "Organisation name."),
    "cli.help.role": (
        "工作站角色：community（社区/村）、bank（银行）、compliance（合规）。",
        "Station role: community, bank or compliance.",
    ),
    "cli.init_done": (
        "已初始化工作站：{org}（{role}），目录 {home}",
        "Station initialised: {org} ({role}) in {home}",
    ),
    "cli.help.keys": ("管理本工作站的密钥。", "Manage this station's keys."),
    "cli.help.keys_new": (
        "生成新密钥（签名密钥与加密密钥各一把，私钥以口令加密保存）。",
        "Create a key (a signing and an encryption key; secrets stored under a passphrase).",
    ),
    "cli.help.purpose": (
        "用途：officer 经办人、seal 单位公章、scoring 银行评分、reidentify 银行回识。",
        "Purpose: officer, seal (the unit's seal), scoring or reidentify (bank).",
    ),
    "cli.help.kdf": (
        "口令保护强度：standard（正式使用）或 fast（仅供测试与演示）。",
        "Passphrase protection strength: standard (real use) or fast (tests and demos only).",
    ),
    "cli.help.keys_list": ("列出本工作站的密钥。", "List this station's keys."),
    "cli.help.keys_export": (
        "导出公钥（card 公钥卡可打印附在纸质协议上）。",
        "Export public keys (the card is meant to be printed with the paper agreement).",
    ),
    "cli.help.keys_export_age": (
        "导出 age 私钥，供审计人员用标准工具核查（会记入访问日志）。",
        "Export the secret age identity for a stock-tool audit (logged).",
    ),
    "cli.key_created": (
        "已生成密钥 {name}（用途：{purpose}）。",
        "Key {name} created (purpose: {purpose}).",
    ),
    "cli.fingerprint": (
        "指纹：{fp}（请打印在协议上，供对方核对）",
        "Fingerprint: {fp} (print it on the agreement)",
    ),
    "cli.written": ("已写入 {path}", "Written: {path}"),
    "cli.help.agreement": (
        "起草、签署、导入《合作协议》。",
        "Draft, sign and import Annex 3 agreements.",
    ),
    "cli.help.agreement_new": (
        "用双方公钥卡起草协议。",
        "Draft an agreement from both parties' key cards.",
    ),
    "cli.help.agreement_sign": (
        "用本工作站的密钥签署协议。",
        "Sign an agreement with a key of this station.",
    ),
    "cli.help.agreement_import": (
        "信任一份双方均已盖章签字的协议。",
        "Trust an agreement both parties' seals signed.",
    ),
    "cli.help.agreement_list": ("列出已信任的协议。", "List trusted agreements."),
    "cli.agreement_drafted": (
        "已起草协议 {number}（SHA-256 {sha}），写入 {path}。请双方用 seal 密钥签署。",
        "Agreement {number} drafted (SHA-256 {sha}) in {path}. Both seals must sign it.",
    ),
    "cli.agreement_signed": (
        "{name} 已签署协议 {number}。",
        "{name} signed agreement {number}.",
    ),
    "cli.agreement_imported": (
        "已信任协议 {number}（SHA-256 {sha}）。",
        "Agreement {number} is trusted (SHA-256 {sha}).",
    ),
    "cli.in_force": ("有效", "in force"),
    "cli.help.verify": (
        "核验数据包（签名、校验值、协议范围、防重放），无需私钥，不解密。",
        "Verify a package (signatures, hashes, agreement scope, replay); no secret key, "
        "nothing decrypted.",
    ),
    "cli.help.import": (
        "核验并登记数据包，之后可评分或回识。",
        "Verify and record a package so it can be scored or re-identified.",
    ),
    "cli.help.inspect": (
        "显示数据包清单摘要（未核验，不含个人信息）。",
        "Show a package's manifest summary (unverified, no personal data).",
    ),
    "cli.verified": (
        "核验通过：数据包 {package}，发送方 {sender}，协议 {number}，序号 {sequence}。",
        "Verified: package {package} from {sender} under agreement {number}, sequence {sequence}.",
    ),
    "cli.imported": (
        "已导入：数据包 {package}，发送方 {sender}，协议 {number}，序号 {sequence}。",
        "Imported: package {package} from {sender} under agreement {number}, sequence {sequence}.",
    ),
    "cli.group_rows": ("  数据组 {group}：{rows} 行", "  group {group}: {rows} rows"),
    "cli.inspect_unverified": (
        "注意：以下内容尚未核验，请用 sx verify 核验。",
        "Note: not verified; use sx verify for that.",
    ),
    "cli.help.demo": (
        "用虚构数据演示全流程：社区、银行、合规三个工作站，无需输入口令。",
        "Run the whole story on invented data: community, bank and compliance stations, "
        "no prompts.",
    ),
    "cli.help.demo_residents": ("虚构居民人数。", "Number of invented residents."),
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
    "cli.help.score_adjust": (
        "银行的调整（.xlsx 或 .csv：主体、调整项、调整值、原因代码、备注），只用于评分包。",
        "The bank's adjustments (.xlsx or .csv: subject, what, value, reason, note); "
        "packages only.",
    ),
    "cli.score_adjust_package_only": (
        "--adjust 只用于银行对评分包的评分；社区的台账预览不能调整。",
        "--adjust applies to the bank's scoring of a package, not to a ledger preview.",
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
    "cli.help.reidentify": (
        "为本站评分时获批准、需告知的客户回识姓名与电话（需回识密钥与事由代码，计入日志）。",
        "Re-identify customers this station's scoring approved, to notify them: name and "
        "phone (needs the re-identification key and a reason code; logged with counts).",
    ),
    "cli.help.results": (
        "社区读取银行回传的评分结果，按本台账的行号与脱敏身份证号对应到居民。",
        "Party A reads the bank's returned decisions keyed back to its residents (ledger row "
        "and masked ID).",
    ),
    "cli.help.publish": (
        "公示：在此文件夹为每个社区写一份公示名单（.xlsx 和可打印的 A4 .html）。",
        "公示: write one list per community into this folder (.xlsx and a print-ready A4 .html).",
    ),
    "cli.help.objection_days": (
        "公示期（天），异议截止日期 = 今天 + 天数。",
        "Days the notice stays up: the objection deadline is today plus this.",
    ),
    "cli.help.contact": (
        "公示中写明的异议受理人/单位。",
        "Whom the notice names for objections.",
    ),
    "cli.published": (
        "公示名单（每个社区一份 .xlsx 和 .html）已写入 {path}",
        "The notices (one .xlsx and one .html per community) are in {path}",
    ),
    "cli.results_read": (
        "已对应 {count} 位居民的结果，写入 {path}",
        "Results for {count} residents written to {path}",
    ),
    "cli.help.allow_unenrolled": (
        "允许写入未登记为本单位专用U盘的位置（会记入访问日志，不建议）。",
        "Allow a target that is not this unit's enrolled dedicated media (logged; not advised).",
    ),
    "cli.progress.read": ("读取台账", "Reading the ledger"),
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
    "cli.col.community": ("社区", "community"),
    "cli.col.subjects": ("参评", "subjects"),
    "cli.col.credit": ("授信总额（元）", "credit (yuan)"),
    "cli.col.total": ("合计", "total"),
    "cli.group_risk": (
        "    重识别风险：{share}% 的记录可凭其余列唯一识别（最小组 {smallest} 条；准标识列 {columns} 个）",
        "    re-identification risk: {share}% of rows unique on the other columns (smallest "
        "class {smallest}; {columns} quasi-identifiers)",
    ),
    "cli.help.keys_export_hybrid": (
        "导出抗量子（ML-KEM-768 + X25519 混合）私钥，供支持该类型的 age 工具使用",
        "Export the post-quantum (ML-KEM-768 + X25519 hybrid) AGE-SECRET-KEY-PQ-1… identity, "
        "for an age tool that reads hybrids",
    ),
    "cli.help.agreement_no_hybrid": (
        "身份数据组不强制使用抗量子（ML-KEM 混合）密钥加密（默认强制；仅当一方还只有旧密钥时使用）",
        "Do not require post-quantum (ML-KEM hybrid) keys for the identity group (required by "
        "default; only for a party that still has old keys)",
    ),
    "cli.help.agreement_max_unique": (
        "评分数据中可被唯一识别的记录所占比例的上限（百分比，例如 5）；超过则拒绝封装和导入",
        "Ceiling on the share of scoring rows that can be singled out (percent, e.g. 5); a "
        "package above it is neither sealed nor imported",
    ),
}

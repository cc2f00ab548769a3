"""Messages of the core: keys, agreements, packages, file writing."""

MESSAGES: dict[str, tuple[str, str]] = {
    "internal.bug": (
        "内部错误（程序缺陷），详情已写入 {path}，其中不含个人信息。",
        "Internal error (a bug); details were written to {path}, without personal data.",
    ),
}
MESSAGES.update(
    {
        "cli.help.root": (
            "secure-exchange：按《合作协议》在社区与农商银行之间安全交换居民信息并授信。",
            "secure-exchange: exchange residents' data between communities and the rural bank "
            "under the Annex 3 agreement, and turn it into credit lines.",
        ),
        "cli.error_prefix": ("错误：", "Error: "),
        "cli.aborted": ("已取消。", "Aborted."),
    }
)
MESSAGES.update(
    {
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
        "home.unreadable": (
            "无法读取 {path}（{error}），请检查工作站目录是否完好。",
            "Cannot read {path} ({error}); check that the station folder is intact.",
        ),
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
)
MESSAGES.update(
    {
        "cli.passphrase_prompt": ("请输入密钥 {name} 的口令", "Passphrase for key {name}"),
        "cli.help.passphrase_file": (
            "从文件读取口令（供自动化使用；也可用环境变量 SX_PASSPHRASE）。",
            "Read the passphrase from a file (for automation; SX_PASSPHRASE works too).",
        ),
        "keys.no_passphrase": (
            "需要密钥 {name} 的口令：请在终端中运行，或设置 SX_PASSPHRASE，或使用 --passphrase-file。",
            "The passphrase for key {name} is needed: run in a terminal, set SX_PASSPHRASE, "
            "or use --passphrase-file.",
        ),
        "keys.empty_passphrase": ("口令不能为空。", "The passphrase must not be empty."),
        "keys.wrong_passphrase": (
            "口令错误，无法解锁密钥。请核对后重试（注意大小写和输入法）。",
            "Wrong passphrase: the key could not be unlocked. Check it and try again.",
        ),
        "keys.card_malformed": (
            "公钥卡格式不正确或已损坏，请向对方重新索取。",
            "The public key card is malformed or damaged; ask its owner for a new copy.",
        ),
        "keys.card_fingerprint": (
            "公钥卡 {name} 的指纹与其中的公钥不符，可能被篡改，请勿使用，并与对方当面核对指纹。",
            "The fingerprint on key card {name} does not match its keys: it may have been "
            "tampered with. Do not use it; compare fingerprints with its owner in person.",
        ),
        "keys.bad_name": (
            "密钥名称 {name} 不合规：请使用小写字母、数字、点、横线或下划线。",
            "Key name {name} is not allowed: use lower-case letters, digits, '.', '-' or '_'.",
        ),
        "keys.bad_purpose": (
            "密钥用途 {purpose} 无效，应为 officer、seal、scoring 或 reidentify。",
            "Key purpose {purpose} is not valid: use officer, seal, scoring or reidentify.",
        ),
        "keys.exists": (
            "密钥 {name} 已存在，请换一个名称。",
            "Key {name} exists already; choose another name.",
        ),
        "keys.not_found": (
            "本工作站没有名为 {name} 的密钥（用 sx keys list 查看）。",
            "There is no key named {name} at this station (see sx keys list).",
        ),
        "keys.mismatch": (
            "密钥 {name} 的文件互不匹配，可能已损坏或被替换，请联系管理员。",
            "The files of key {name} do not match each other: damaged or replaced. "
            "Contact your administrator.",
        ),
        "keys.no_pseudonym_secret": (
            "密钥 {name} 不含假名化密钥：只有甲方的单位公章密钥（seal）带有它。",
            "Key {name} holds no pseudonymisation secret: only party A's seal key has one.",
        ),
    }
)
MESSAGES.update(
    {
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
            "Verified: package {package} from {sender} under agreement {number}, "
            "sequence {sequence}.",
        ),
        "cli.imported": (
            "已导入：数据包 {package}，发送方 {sender}，协议 {number}，序号 {sequence}。",
            "Imported: package {package} from {sender} under agreement {number}, "
            "sequence {sequence}.",
        ),
        "cli.group_rows": ("  数据组 {group}：{rows} 行", "  group {group}: {rows} rows"),
        "cli.inspect_unverified": (
            "注意：以下内容尚未核验，请用 sx verify 核验。",
            "Note: not verified; use sx verify for that.",
        ),
    }
)

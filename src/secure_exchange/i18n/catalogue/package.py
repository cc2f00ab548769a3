"""Messages of agreements, packages and their verification."""

MESSAGES: dict[str, tuple[str, str]] = {
    # agreements
    "agreement.bad_signature": (
        "协议 {number} 上有无效签名，协议可能被改动过，请向双方重新索取原件。",
        "Agreement {number} carries an invalid signature: it may have been altered. "
        "Get the original from both parties again.",
    ),
    "agreement.dates_reversed": (
        "协议的截止日期早于生效日期。",
        "The agreement ends before it starts.",
    ),
    "agreement.expired": (
        "协议 {number} 已于 {end} 到期，须续签新协议后才能交换数据。",
        "Agreement {number} expired on {end}; a new agreement is needed before any exchange.",
    ),
    "agreement.not_yet": (
        "协议 {number} 自 {start} 起才生效。",
        "Agreement {number} comes into force only on {start}.",
    ),
    "agreement.foreign_signature": (
        "协议上有一个不属于协议双方的签名（密钥 {key_id}），已拒绝。",
        "The agreement carries a signature by key {key_id}, which neither party named. Refused.",
    ),
    "agreement.group_not_covered": (
        "协议 {number} 没有规定数据组 {group} 由谁读取，不能发送该组。",
        "Agreement {number} does not say who may read column group {group}; it cannot be sent.",
    ),
    "agreement.malformed": (
        "协议文件格式不正确或已损坏（{what}）。",
        "The agreement file is malformed or damaged ({what}).",
    ),
    "agreement.not_trusted": (
        "本工作站尚未导入协议 {number}：请先用 sx agreement import 导入双方盖章签字的协议。",
        "This station does not trust agreement {number}: import the copy both parties signed "
        "with sx agreement import first.",
    ),
    "agreement.number_clash": (
        "已导入另一份编号同为 {number} 但内容不同的协议，已拒绝。",
        "A different agreement with the same number {number} is already trusted. Refused.",
    ),
    "agreement.one_org_per_party": (
        "{party} 方的公钥卡必须来自同一个单位。",
        "The key cards of party {party} must all belong to one organisation.",
    ),
    "agreement.role_not_allowed": (
        "{party} 方不能持有用途为 {role} 的密钥（甲方：officer、seal；乙方：scoring、reidentify、seal）。",
        "Party {party} cannot hold a key for {role} (A: officer, seal; B: scoring, "
        "reidentify, seal).",
    ),
    "agreement.seal_missing": (
        "协议尚缺 {party} 方（{org}）单位公章密钥的签名，未生效。",
        "The agreement lacks the seal signature of party {party} ({org}); it is not in force.",
    ),
    "agreement.signer_not_named": (
        "密钥 {name} 不在这份协议中，不能用它签署。",
        "Key {name} is not named in this agreement and cannot sign it.",
    ),
    "agreement.threshold_unmeetable": (
        "{party} 方缺少用途为 {role} 的密钥，协议要求的签名无法凑齐。",
        "Party {party} has no key for {role}: the signatures the agreement requires could "
        "never be met.",
    ),
    "agreement.unknown_category": (
        "“{category}”不是《合作协议》附件3所列的数据类别。",
        "“{category}” is not one of the data categories of Annex 3.",
    ),
    # packages
    "package.category_not_allowed": (
        "台账含有协议 {number} 未允许的数据类别：{category}。请删除相应列后再封装。",
        "The ledger holds data categories agreement {number} does not allow: {category}. "
        "Remove those columns and seal again.",
    ),
    "package.group_missing": (
        "数据包中没有数据组：{group}。",
        "The package holds no group {group}.",
    ),
    "package.mixed_parties": (
        "签名者来自协议的不同两方，不能共同签署一个数据包。",
        "The signers belong to different parties of the agreement.",
    ),
    "package.not_a_reader": (
        "此密钥无权读取数据组 {group}（协议规定了读取该组的密钥）。",
        "This key may not read column group {group}; the agreement names who may.",
    ),
    "package.part_unreadable": (
        "解密后的数据不是有效的 Parquet 表。",
        "The decrypted part is not a valid Parquet table.",
    ),
    "package.signer_not_in_agreement": (
        "密钥 {name} 不是协议中本方的签名密钥，不能签署数据包。",
        "Key {name} is not one of this party's keys in the agreement; it cannot sign.",
    ),
    "package.station_cannot_seal": (
        "角色为 {role} 的工作站不能封装数据包。",
        "A station with role {role} cannot seal packages.",
    ),
    "package.threshold": (
        "签名不足：协议要求至少 {count} 个用途为 {role} 的密钥签名（如经办人签字加单位公章）。",
        "Not enough signatures: the agreement needs at least {count} signature(s) by a "
        "{role} key (an officer plus the unit seal, say).",
    ),
    # verification: each names the check that failed
    "verify.not_a_package": ("{path} 不是数据包文件夹。", "{path} is not a package folder."),
    "verify.unexpected_entry": (
        "数据包中有不应存在的条目：{name}。",
        "The package holds an entry that does not belong there: {name}.",
    ),
    "verify.incomplete": (
        "{path} 不完整（缺少校验清单或签名），可能是写入中途被拔出，不能使用。",
        "{path} is incomplete (no checksum list or signature): it may have been pulled out "
        "half-way. It cannot be used.",
    ),
    "verify.file_too_large": ("{name} 超出允许大小。", "{name} is larger than allowed."),
    "verify.bad_signature": ("签名文件 {name} 无法读取。", "Signature file {name} is unreadable."),
    "verify.unknown_signer": (
        "签名核验失败：有签名无效，或签名者不在本工作站信任的任何协议中。",
        "Signature check failed: a signature is invalid, or its signer is not in any "
        "agreement this station trusts.",
    ),
    "verify.threshold": (
        "签名数量不足：未达到协议要求（如经办人签字加单位公章）。",
        "Too few signatures: the agreement's threshold (an officer plus the unit seal, say) "
        "is not met.",
    ),
    "verify.comment_mismatch": (
        "签名所附的可信注释与数据包编号或协议不符，签名可能取自别的数据包。",
        "A signature's trusted comment names another package or agreement: it may have "
        "been taken from a different package.",
    ),
    "verify.sums_malformed": ("校验清单 SHA256SUMS 格式错误。", "SHA256SUMS is malformed."),
    "verify.unlisted_file": (
        "数据包中多出未登记的文件：{name}。",
        "The package holds a file the checksum list does not name: {name}.",
    ),
    "verify.missing_file": ("数据包缺少文件：{name}。", "The package lacks the file {name}."),
    "verify.hash_mismatch": (
        "文件 {name} 的校验值不符：数据包已被改动或损坏。",
        "File {name} does not match its checksum: the package was altered or damaged.",
    ),
    "verify.manifest_missing": (
        "数据包缺少清单 manifest.json。",
        "The package lacks manifest.json.",
    ),
    "verify.manifest_malformed": (
        "数据包清单格式错误（{error}）。",
        "The package manifest is malformed ({error}).",
    ),
    "verify.format": (
        "不支持的数据包格式：{found}。",
        "Unsupported package format: {found}.",
    ),
    "verify.manifest_files": (
        "清单与数据包中的文件不一致：{name}。",
        "The manifest and the package's files disagree: {name}.",
    ),
    "verify.part_size": ("{name} 的大小与清单不符。", "{name} differs in size from the manifest."),
    "verify.agreement_mismatch": (
        "数据包声称依据的协议 {number} 与签名者所属的协议不一致。",
        "The package names agreement {number}, which is not the one its signers belong to.",
    ),
    "verify.sender_mismatch": (
        "清单中的发送方与签名者不符。",
        "The sender in the manifest does not match the signers.",
    ),
    "verify.purpose": (
        "数据包的用途与协议约定的用途不一致。",
        "The package's purpose differs from the agreement's.",
    ),
    "verify.category": (
        "数据包含有协议未允许的数据类别：{category}。",
        "The package carries data categories the agreement does not allow: {category}.",
    ),
    "verify.recipients": (
        "数据组 {group} 的接收密钥与协议规定不一致。",
        "The readers of column group {group} differ from those the agreement names.",
    ),
    "verify.expired": (
        "数据包已于 {expires} 过期，请对方重新封装。",
        "The package expired at {expires}; ask the sender to seal it again.",
    ),
    "verify.replayed": (
        "数据包 {package} 已导入过，拒绝重复导入（防重放）。",
        "Package {package} was imported before; a second import is refused (replay).",
    ),
    "verify.rollback": (
        "数据包序号 {sequence} 不晚于已导入的序号 {last}，拒绝旧数据包（防回滚）。",
        "Package sequence {sequence} is not newer than {last}, already imported: an older "
        "package is refused (rollback).",
    ),
    "verify.not_imported": (
        "数据包 {package} 尚未导入本工作站，请先运行 sx import。",
        "Package {package} has not been imported at this station; run sx import first.",
    ),
    "verify.changed_since_import": (
        "数据包自导入以来已被改动，拒绝打开。",
        "The package changed since it was imported; it will not be opened.",
    ),
    "verify.rows": (
        "{name} 的行数与清单不符。",
        "{name} has a row count other than the manifest's.",
    ),
    "verify.schema": (
        "数据组 {group} 的表结构与清单不符。",
        "Column group {group} has a schema other than the manifest's.",
    ),
}

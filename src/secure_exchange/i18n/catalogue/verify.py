"""Messages of package verification: each names the check that failed (``verify.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
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
    "verify.column_category": (
        "数据包的列 {column} 属于数据类别“{category}”，协议未列入该类别，已拒绝。",
        "The package's column {column} is data of category {category}, which the agreement "
        "does not list. Refused.",
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
    "verify.sender_not_party": (
        "数据包的发送方名称“{name}”与协议中{party}方的单位名称“{org}”不一致（须逐字相同），"
        "拒绝接收。",
        "The package's sender “{name}” is not the organisation the agreement names for "
        "party {party} (“{org}”): the names must match exactly; refused.",
    ),
    "verify.no_seal_key": (
        "协议没有为{party}方列出单位公章密钥（seal），无法确认发送方。",
        "The agreement names no seal key for party {party}, so the sender cannot be told.",
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
    "verify.group_columns": (
        "数据组 {group} 含有假名化规则不允许它携带的列（或类型不符）：{column}。",
        "Column group {group} carries a column the pseudonymisation profile does not allow "
        "it (or of another type): {column}.",
    ),
    "verify.group_subject": (
        "数据组 {group} 缺少主体标记列 subject。",
        "Column group {group} lacks the subject token column.",
    ),
    "verify.group_sender": (
        "数据组 {group} 不能由{party}方发送。",
        "Column group {group} may not be sent by party {party}.",
    ),
    "verify.group_unknown": (
        "假名化规则中没有数据组 {group}。",
        "The pseudonymisation profile knows no column group {group}.",
    ),
    "verify.folder_name": (
        "数据包文件夹名 {folder} 与清单中的编号 {package} 不符（文件夹被改名？），不予接受。",
        "The package folder's name {folder} does not match its manifest's id {package} "
        "(renamed?); it is refused.",
    ),
    "verify.sequence_jump": (
        "数据包序号 {sequence} 比该发送方最近导入的序号 {last} 超前太多，不予接受。",
        "Package sequence {sequence} runs too far ahead of the last one imported from this "
        "sender ({last}); it is refused.",
    ),
    "verify.expires_after_agreement": (
        "数据包有效期至 {expires}，超出协议的有效期（至 {end}）。",
        "The package expires at {expires}, after the agreement's last day ({end}).",
    ),
    "verify.expires_absurd": (
        "数据包的有效期（至 {expires}）不合理：早于封装时间或超过一年。",
        "The package's expiry ({expires}) is implausible: before it was sealed, or more "
        "than a year after.",
    ),
    "verify.created_in_future": (
        "数据包的封装时间 {created} 晚于本机时间，不予接受（请核对两端电脑的时钟）。",
        "The package claims to be sealed at {created}, later than this computer's clock; it "
        "is refused (check both computers' clocks).",
    ),
}

"""Messages of sealing and opening packages (``package.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "package.ledger_needs_community": (
        "只有社区/村工作站可以封装台账（本站角色：{role}）。",
        "Only a community station seals ledgers (this station: {role}).",
    ),
    "package.seal_key_needed": (
        "封装需要单位公章密钥（seal）参与签名。",
        "Sealing needs the unit's seal key among the signers.",
    ),
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
}

"""Messages of agreements, the trust root: form, signatures, scope, validity (``agreement.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "agreement.bad_signature": (
        "协议 {number} 上有无效签名，协议可能被改动过，请向双方重新索取原件。",
        "Agreement {number} carries an invalid signature: it may have been altered. "
        "Get the original from both parties again.",
    ),
    "agreement.dates_reversed": (
        "协议的截止日期早于生效日期。",
        "The agreement ends before it starts.",
    ),
    "agreement.retention_before_start": (
        "协议的数据保存截止日期早于生效日期。",
        "The agreement's retention ends before the agreement starts.",
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
    "agreement.hybrid_key_missing": (
        "协议要求“{group}”数据组只能用抗量子（ML-KEM 混合）密钥加密，但密钥 {name} 是旧格式，"
        "没有这种密钥：请让该方新建密钥并重新起草协议。",
        "The agreement requires post-quantum (ML-KEM hybrid) keys for group {group}, but "
        "key {name} is of the old kind without one: have its owner make a new key and "
        "draft the agreement again.",
    ),
}

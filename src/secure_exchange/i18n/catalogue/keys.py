"""Messages of identities and key cards: names, purposes, passphrases (``keys.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "keys.no_passphrase": (
        "需要密钥 {name} 的口令：请在终端中运行，或设置 SX_PASSPHRASE，或使用 --passphrase-file。",
        "The passphrase for key {name} is needed: run in a terminal, set SX_PASSPHRASE, "
        "or use --passphrase-file.",
    ),
    "keys.passphrase_short": (
        "新口令太短：至少需要 {minimum} 个字符（可用一句好记的话）。",
        "The new passphrase is too short: it needs at least {minimum} characters (a "
        "sentence you remember works well).",
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
    "keys.unprotected_file": (
        "私钥文件 {path} 本机其他用户也能读取或改动，已拒绝使用。请先运行：chmod 600 {path}",
        "Secret key file {path} can be read or changed by other users of this computer, so "
        "it is not used. Fix it with: chmod 600 {path}",
    ),
    "keys.unprotected_dir": (
        "密钥文件夹 {path} 本机其他用户也能访问，已拒绝使用。请先运行：chmod 700 {path}",
        "Key folder {path} can be opened by other users of this computer, so it is not "
        "used. Fix it with: chmod 700 {path}",
    ),
    "keys.no_hybrid": (
        "密钥 {name} 是旧格式（第1版公钥卡），没有抗量子（ML-KEM 混合）密钥；请新建密钥后重签协议。",
        "Key {name} is of the old kind (a v1 key card) and has no post-quantum (ML-KEM "
        "hybrid) key: make a new key and sign the agreement again.",
    ),
}

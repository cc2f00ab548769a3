"""Messages of the minisign layer: key files, passphrases and signature checks (``minisign.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "minisign.pubkey.malformed": (
        "公钥格式不对，无法读取（应为 minisign 公钥）。",
        "The public key is malformed (expected a minisign public key).",
    ),
    "minisign.seckey.malformed": (
        "私钥文件已损坏或不是 minisign 私钥，无法读取。",
        "The secret key file is damaged or is not a minisign secret key.",
    ),
    "minisign.seckey.unsupported": (
        "私钥文件使用了本程序不支持的算法，无法读取。",
        "The secret key file uses an algorithm this program does not support.",
    ),
    "minisign.seckey.corrupt": (
        "私钥文件已损坏（校验不一致），请改用备份的私钥。",
        "The secret key file is damaged (checksum mismatch); use your backup copy.",
    ),
    "minisign.seckey.kdf_limits": (
        "私钥文件中的口令保护参数异常，为安全起见拒绝读取。",
        "The passphrase-protection settings in the secret key file are out of range; "
        "refusing to read it.",
    ),
    "minisign.seckey.out_of_memory": (
        "内存不足，无法解开私钥（约需 {mib} MB 内存）。请关闭其他程序后重试。",
        "Not enough memory to unlock the secret key (about {mib} MB needed). "
        "Close other programs and try again.",
    ),
    "minisign.passphrase.wrong": (
        "口令不对，无法解开私钥。请检查大小写、输入法和键盘后重试。",
        "Wrong passphrase for this secret key. Check Caps Lock and the keyboard layout, "
        "then try again.",
    ),
    "minisign.passphrase.required": (
        "这个私钥设有口令，请先输入口令。",
        "This secret key is protected by a passphrase; please enter it.",
    ),
    "minisign.passphrase.empty": (
        "口令不能为空，请设置一个口令来保护私钥。",
        "The passphrase must not be empty; choose one to protect the secret key.",
    ),
    "minisign.passphrase.unencrypted_refused": (
        "不设口令就保存私钥不安全，已拒绝。请设置口令。",
        "Refusing to save the secret key without a passphrase; please set one.",
    ),
    "minisign.signature.malformed": (
        "签名文件格式不对或不完整，无法核验。",
        "The signature file is malformed or incomplete and cannot be checked.",
    ),
    "minisign.signature.unsupported": (
        "签名使用了本程序不支持的算法，无法核验。",
        "The signature uses an algorithm this program does not support.",
    ),
    "minisign.signature.key_mismatch": (
        "签名所用的密钥（{signed_by}）与给定的公钥（{expected}）不是同一把。",
        "The signature was made with key {signed_by}, not with the given public key {expected}.",
    ),
    "minisign.signature.bad": (
        "签名核验未通过：文件内容与签名不符，可能已被改动。",
        "Signature verification failed: the data does not match the signature and may "
        "have been altered.",
    ),
    "minisign.signature.bad_global": (
        "签名核验未通过：签名里的可信备注被改动过。",
        "Signature verification failed: the trusted comment has been altered.",
    ),
    "minisign.signature.legacy_refused": (
        "这是旧格式的签名（未预先计算哈希），此处只接受新格式签名。",
        "This is a legacy (non-prehashed) signature; only prehashed signatures are accepted here.",
    ),
}

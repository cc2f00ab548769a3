"""Messages of age file encryption: headers, recipients, identities, payload (``age.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "age.header": (
        "加密文件的文件头已损坏，或者这不是一个 age 加密文件，无法打开。",
        "The encrypted file's header is damaged, or this is not an age file; it cannot be opened.",
    ),
    "age.header_version": (
        "这个加密文件使用了本程序不支持的格式版本，无法打开。",
        "This encrypted file uses a format version this program does not support.",
    ),
    "age.header_scrypt_alone": (
        "文件头不合规定：用口令加密的文件不能同时有其他接收方，已拒绝打开。",
        "Malformed header: a passphrase-encrypted file must not have other recipients.",
    ),
    "age.header_mac": (
        "文件已损坏或被篡改（文件头校验未通过），已拒绝打开。",
        "The file is damaged or has been tampered with (header check failed); not opened.",
    ),
    "age.work_factor": (
        "口令加密的强度参数为 {work_factor}，超过了允许的上限 {maximum}，"
        "为避免长时间卡住已拒绝解密。",
        "The passphrase work factor is {work_factor}, above the allowed maximum of {maximum}; "
        "decryption refused to avoid a very long wait.",
    ),
    "age.no_match": (
        "没有可用的密钥能打开这个文件：它不是加密给您的密钥的，或者口令不对。",
        "None of the given keys can open this file: it was not encrypted to them, "
        "or the passphrase is wrong.",
    ),
    "age.payload": (
        "文件已损坏或被篡改（内容不完整或校验未通过），解密已中止。",
        "The file is damaged or has been tampered with (incomplete or failed its check); "
        "decryption stopped.",
    ),
    "age.armor": (
        "文本格式（ASCII armor）的加密文件排版不正确，无法打开。",
        "The text-armored (ASCII armor) encrypted file is malformed and cannot be opened.",
    ),
    "age.key_recipient": (
        "接收方公钥格式不正确：应为以 age1 开头的一串字符，请核对是否抄错。",
        "The recipient public key is malformed: it should be a string starting with age1; "
        "check it was copied correctly.",
    ),
    "age.key_identity": (
        "私钥格式不正确：应为以 AGE-SECRET-KEY-1 开头的一串字符，请核对密钥文件。",
        "The private key is malformed: it should start with AGE-SECRET-KEY-1; check the key file.",
    ),
    "age.header_too_large": (
        "加密文件的文件头过大（最多 {stanzas} 个接收方、{size} 字节），不予打开。",
        "The encrypted file's header is larger than allowed (at most {stanzas} recipients "
        "and {size} bytes); it is not opened.",
    ),
}

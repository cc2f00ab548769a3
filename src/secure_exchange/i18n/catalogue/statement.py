"""Messages of signed statements: revocations, certificates, incident notices (``statement.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "statement.malformed": (
        "声明文件格式不正确或已损坏（{what}），已拒绝。请向对方重新索取。",
        "The statement file is malformed or damaged ({what}). Refused: ask the other party "
        "for it again.",
    ),
    "statement.signer_role": (
        "密钥 {name} 不是协议中本方可签署{kind}声明的密钥（撤销、销毁证明和关闭事件须用本方公章密钥）。",
        "Key {name} is not a key of this party in the agreement that may sign a statement "
        "of {kind} (revocations, certificates and closing an incident need the party's seal).",
    ),
    "statement.other_agreement": (
        "该声明针对的不是协议 {number}，已拒绝。",
        "The statement is not about agreement {number}. Refused.",
    ),
    "statement.signer_not_pinned": (
        "{kind}声明的签名密钥不是协议为该方固定的密钥，已拒绝。",
        "The statement ({kind}) is signed by a key the agreement does not pin for that party. "
        "Refused.",
    ),
    "statement.not_own": (
        "{kind}声明所说的单位或所撤销的密钥不属于协议中签署的一方，已拒绝（一方只能撤销本方的密钥）。",
        "The statement ({kind}) names an organisation or revokes a key that is not the "
        "signing party's in the agreement. Refused: a party revokes only its own keys.",
    ),
    "statement.bad_signature": (
        "{kind}声明的签名无效，文件可能被改动过，已拒绝。",
        "The signature of the statement ({kind}) does not verify: the file may have been "
        "altered. Refused.",
    ),
}

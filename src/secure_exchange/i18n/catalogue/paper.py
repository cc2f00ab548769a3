"""Messages of the agreement as shown to people: the terminal view and the A4 page (``paper.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "paper.heading": ("《{title}》 编号 {number}", "{title} no. {number}"),
    "paper.title_default": ("合作协议", "Cooperation agreement"),
    "paper.digest": (
        "协议摘要（SHA-256）：{sha}",
        "Agreement digest (SHA-256): {sha}",
    ),
    "paper.purpose": ("用途：{purpose}", "Purpose: {purpose}"),
    "paper.categories": ("数据类别：{categories}", "Data categories: {categories}"),
    "paper.validity": ("有效期：{start} 至 {end}", "Valid: {start} to {end}"),
    "paper.retention": (
        "数据保存至：{end}（之后须销毁）",
        "Data kept until: {end} (destroyed after)",
    ),
    "paper.party": ("{party}：{org}", "{party}: {org}"),
    "paper.party.A": ("甲方", "Party A"),
    "paper.party.B": ("乙方", "Party B"),
    "paper.needs": (
        "  本方发出的数据包须有：{needs}",
        "  A package from this party needs: {needs}",
    ),
    "paper.need": ("{role} {count} 个签名", "{count} {role} signature(s)"),
    "paper.key": (
        "  {role} {name}  密钥号 {key_id}  指纹 {fp}  {state}",
        "  {role} {name}  key id {key_id}  fingerprint {fp}  {state}",
    ),
    "paper.sep": ("，", ", "),
    "paper.list_sep": ("、", ", "),
    "paper.signed": ("已签署", "signed"),
    "paper.unsigned": ("未签署", "not signed"),
    "paper.readers": ("谁能读取哪些数据：", "Who may read which data:"),
    "paper.reader": ("  {group}：{readers}", "  {group}: {readers}"),
    "paper.foreign": (
        "另有 {count} 个签名无效或不属于协议双方。",
        "{count} further signature(s) do not verify or belong to neither party.",
    ),
    "paper.check": (
        "请与纸质协议逐项核对，尤其是每个密钥的指纹。",
        "Check every item against the paper agreement, above all each key's fingerprint.",
    ),
    "paper.role.officer": ("经办人", "officer"),
    "paper.role.seal": ("单位公章", "unit seal"),
    "paper.role.scoring": ("评分", "scoring"),
    "paper.role.reidentify": ("重新识别", "re-identification"),
    "paper.role.other": ("{role}", "{role}"),
    "paper.group.scoring": ("评分数据（去标识）", "scoring data (pseudonymised)"),
    "paper.group.evaluations": ("评议记录（去标识）", "panel evaluations (pseudonymised)"),
    "paper.group.identity": ("身份信息（姓名、身份证号、电话）", "identity (names, ID, phone)"),
    "paper.group.decisions": ("授信结果（回传甲方）", "decisions (returned to party A)"),
    "paper.group.other": ("{group}", "{group}"),
    "paper.selector": ("{party}{role}", "{party} {role}"),
    "paper.confirm.sign": (
        "确认以上内容与纸质协议一致，并用密钥 {name} 签署？",
        "Do the above match the paper agreement, and sign it with key {name}?",
    ),
    "paper.confirm.import": (
        "确认以上内容与纸质协议一致，并信任这份协议？",
        "Do the above match the paper agreement, and trust it?",
    ),
    "paper.declined": (
        "未确认，协议 {number} 未签署也未导入，文件没有改动。",
        "Not confirmed: agreement {number} was neither signed nor imported; no file changed.",
    ),
    "paper.no_terminal": (
        "没有终端可以确认协议 {number} 的内容：请在终端中运行，或先用 sx agreement show "
        "核对后加 --yes。",
        "There is no terminal to confirm agreement {number} on: run it in a terminal, or "
        "check it with sx agreement show first and add --yes.",
    ),
    "paper.page_written": (
        "协议打印页已写入 {path}（A4，用浏览器打开后打印，双方签字盖章）。",
        "Printable agreement page written to {path} (A4: open it in a browser, print, "
        "sign and seal).",
    ),
    "paper.unreadable": (
        "无法读取协议文件 {path}，请检查文件是否存在、是否被其他程序占用。",
        "Cannot read the agreement file {path}: check that it exists and is not held open.",
    ),
    "paper.help.show": (
        "显示协议：双方单位、每个密钥的角色和指纹、签名要求、谁能读取哪些数据、用途、数据类别、"
        "有效期；--html 写出可打印的 A4 协议页。参数为已导入协议的编号，或协议文件的路径。",
        "Show an agreement: parties, each key's role and fingerprint, signature thresholds, "
        "who reads which data, purpose, categories, validity; --html writes a printable A4 "
        "page. NO|FILE: a trusted agreement's number, or an agreement file.",
    ),
    "paper.help.html": (
        "另写出可打印的 A4 协议页（HTML），含全部指纹和双方签字盖章栏。",
        "Also write the printable A4 agreement page (HTML) with every fingerprint and a "
        "signature and seal box per party.",
    ),
    "paper.help.force": ("替换已存在的输出文件。", "Replace an existing output file."),
    "paper.help.yes": (
        "不询问，直接确认（用于脚本；请先用 sx agreement show 核对）。",
        "Confirm without asking (for scripts; check with sx agreement show first).",
    ),
    "paper.help.number": (
        "协议编号，与纸质协议一致，如 “金街办协〔2022〕7号”。",
        'The agreement\'s number as on the paper, e.g. "金街办协〔2022〕7号".',
    ),
    "paper.help.party_a": (
        "甲方（社区/村）的公钥卡文件，可重复：经办人卡和单位公章卡都要给。",
        "A key card file of party A (the community); repeat it: the officer's card and the "
        "seal's card are both needed.",
    ),
    "paper.help.party_b": (
        "乙方（银行）的公钥卡文件，可重复：评分、重新识别和单位公章卡。",
        "A key card file of party B (the bank); repeat it: the scoring, re-identification and "
        "seal cards.",
    ),
    "paper.help.valid_from": ("生效日期 YYYY-MM-DD。", "First day in force, YYYY-MM-DD."),
    "paper.help.valid_until": ("截止日期 YYYY-MM-DD（含）。", "Last day in force, YYYY-MM-DD."),
    "paper.help.retain_until": (
        "可选：数据保留截止日期 YYYY-MM-DD（含），此后须 sx destroy 销毁；不填则为截止日期。",
        "Optional: the last day data held under it may be kept, YYYY-MM-DD; after it, sx "
        "destroy. Default: the last day in force.",
    ),
    "paper.help.out": (
        "写出的协议草稿（JSON），交双方签署。",
        "The draft agreement file (JSON) to write, for both parties to sign.",
    ),
    "paper.page.lang": ("zh-CN", "en"),
    "paper.page.intro": (
        "本页列出协议的全部技术要素。请核对每个密钥的指纹与各方出示的公钥卡一致，"
        "双方负责人签字并加盖公章后存档。",
        "This page lists every technical element of the agreement. Check that each key's "
        "fingerprint matches the key card its holder shows; both parties' heads sign and "
        "seal it, and it is filed.",
    ),
    "paper.page.purpose": ("用途", "Purpose"),
    "paper.page.categories": ("数据类别", "Data categories"),
    "paper.page.validity": ("有效期", "Valid"),
    "paper.page.retention": ("数据保存至", "Data kept until"),
    "paper.page.readers": ("谁能读取哪些数据", "Who may read which data"),
    "paper.page.col.role": ("角色", "Role"),
    "paper.page.col.name": ("名称", "Name"),
    "paper.page.col.key_id": ("密钥号", "Key id"),
    "paper.page.col.fp": ("指纹", "Fingerprint"),
    "paper.page.col.signed": ("电子签名", "Signed"),
    "paper.page.needs": ("数据包签名要求：{needs}", "Signatures a package needs: {needs}"),
    "paper.page.sign_here": ("负责人签字", "Signature of the head"),
    "paper.page.seal_here": ("（盖章）", "(seal)"),
    "paper.page.date": ("日期", "Date"),
}

"""Messages of an agreement's end: revocation, retention, destruction, incidents, and
their verbs' help (``lifecycle.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    # refusals
    "lifecycle.destroyed": (
        "协议 {number} 的数据已于 {day} 在本工作站销毁，不能再使用该协议。",
        "The data of agreement {number} was destroyed at this station on {day}; the "
        "agreement can no longer be used.",
    ),
    "lifecycle.revoked": (
        "协议 {number} 已于 {day} 被撤销（原因：{reason}），不能再使用。请按协议要求销毁数据（sx destroy）。",
        "Agreement {number} was revoked on {day} (reason: {reason}) and can no longer be "
        "used. Destroy its data as the agreement requires (sx destroy).",
    ),
    "lifecycle.frozen": (
        "协议 {number} 因安全事件 {incident} 已在本工作站冻结，须由本方公章密钥关闭事件"
        "（sx incident close）后才能继续使用。",
        "Agreement {number} is frozen at this station by incident {incident}: the party's "
        "seal must close it (sx incident close) before the agreement is used again.",
    ),
    "lifecycle.key_revoked": (
        "密钥 {name} 已被撤销，协议 {number} 下不能再用它签名、加密或解密。更换密钥须双方公章签署新的协议。",
        "Key {name} has been revoked: nothing under agreement {number} may be signed by, "
        "encrypted to or opened with it. Replacing a key is a new agreement both seals sign.",
    ),
    "lifecycle.key_revoked_here": (
        "密钥 {name} 已于 {day} 撤销，不能再用于签名或解密。更换密钥须双方公章签署新的协议。",
        "Key {name} was revoked on {day}: it may no longer sign or decrypt. Replacing a key "
        "is a new agreement both seals sign.",
    ),
    "lifecycle.retention_over": (
        "协议 {number} 的数据保存期已于 {end} 结束，不能再使用。请销毁数据：sx destroy --agreement {number}",
        "The retention period of agreement {number} ended on {end}: its data may no longer "
        "be used. Destroy it: sx destroy --agreement {number}",
    ),
    "lifecycle.retention_near": (
        "提示：协议 {number} 的数据保存期将于 {end} 结束（还有 {days} 天），到期后须销毁数据。",
        "Note: the retention period of agreement {number} ends on {end} ({days} days left); "
        "its data must then be destroyed.",
    ),
    "lifecycle.no_signer": (
        "本工作站没有协议 {number} 为本方固定的可用密钥（{names}），无法签署该声明。",
        "This station holds no key that agreement {number} pins for this party and that may "
        "sign this ({names}).",
    ),
    "lifecycle.choose_signer": (
        "本工作站有多把可签署协议 {number} 声明的密钥，请用 --as 指定：{names}",
        "This station has several keys that may sign for agreement {number}; choose one "
        "with --as: {names}",
    ),
    "lifecycle.already_revoked": (
        "协议 {number} 已被撤销。",
        "Agreement {number} is revoked already.",
    ),
    "lifecycle.key_in_no_agreement": (
        "本工作站信任的协议中都没有密钥 {name}，无需撤销。",
        "No agreement this station trusts names key {name}: there is nothing to revoke.",
    ),
    "lifecycle.no_incident": (
        "找不到本方开启的安全事件 {incident}（请用 sx incident list 查看编号，至少8位）。",
        "No incident {incident} opened by this party (see sx incident list; give at least "
        "8 digits).",
    ),
    "lifecycle.incident_closed": (
        "安全事件 {incident} 已经关闭。",
        "Incident {incident} is closed already.",
    ),
    "lifecycle.not_statement": (
        "{file} 不是数据包文件夹，也不是声明文件（sx-statement-….json）。",
        "{file} is neither a package folder nor a statement file (sx-statement-….json).",
    ),
    # results
    "lifecycle.revoked_done": (
        "已撤销协议 {number}（原因：{reason}）；声明 {statement}。",
        "Agreement {number} revoked (reason: {reason}); statement {statement}.",
    ),
    "lifecycle.key_revoked_done": (
        "已在协议 {number} 下撤销密钥 {name}；声明 {statement}。",
        "Key {name} revoked under agreement {number}; statement {statement}.",
    ),
    "lifecycle.statement_written": (
        "声明已写入 {path}：请带给对方，由对方用 sx import 导入（也会随本方下一个数据包送达）。",
        "Statement written to {path}: take it to the other party, who runs sx import on it "
        "(it also travels inside this party's next package).",
    ),
    "lifecycle.destroyed_done": (
        "协议 {number} 的数据已销毁：输出文件 {outputs} 个，数据包 {packages} 个，评分记录 "
        "{records} 个，密钥 {keys} 把；已改动未删除 {changed} 个，已不存在 {gone} 个。",
        "Agreement {number} destroyed: {outputs} outputs, {packages} packages, {records} "
        "scoring records, {keys} keys; {changed} changed since written (left alone), {gone} "
        "already gone.",
    ),
    "lifecycle.destroyed_again": (
        "协议 {number} 此前已销毁，已补完剩余的销毁步骤；沿用原销毁证明。",
        "Agreement {number} was destroyed before; what was left has been finished, with the "
        "certificate made then.",
    ),
    "lifecycle.received": (
        "已核验并记录 {org}（{party} 方）关于协议 {number} 的声明：{kind}。",
        "Verified and recorded a {kind} statement by {org} (party {party}) about agreement "
        "{number}.",
    ),
    "lifecycle.incident_opened": (
        "已开启安全事件 {incident}，协议 {number} 在本工作站冻结，直到本方公章密钥关闭该事件。",
        "Incident {incident} opened; agreement {number} is frozen at this station until the "
        "party's seal closes it.",
    ),
    "lifecycle.incident_closed_done": (
        "安全事件 {incident} 已关闭，协议 {number} 在本工作站解冻。",
        "Incident {incident} closed; agreement {number} is usable at this station again.",
    ),
    "lifecycle.incident_row": (
        "{incident}  {state}  {side}  协议 {number}  {what}  发生于 {when}  数据包 {packages}  U盘 {media}",
        "{incident}  {state}  {side}  agreement {number}  {what}  on {when}  packages "
        "{packages}  media {media}",
    ),
    "lifecycle.state.open": ("未关闭", "open"),
    "lifecycle.state.closed": ("已关闭", "closed"),
    "lifecycle.side.ours": ("本方", "ours"),
    "lifecycle.side.theirs": ("对方", "theirs"),
    "lifecycle.none": ("没有安全事件。", "No incidents."),
    # codes as the reader's language says them
    "lifecycle.label.ended": ("工作结束", "the work ended"),
    "lifecycle.label.breach": ("违约或泄露", "a breach"),
    "lifecycle.label.compromised": ("密钥泄露", "the key was compromised"),
    "lifecycle.label.lost": ("遗失", "lost"),
    "lifecycle.label.staff-change": ("人员变动", "a change of staff"),
    "lifecycle.label.replaced": ("已被替换", "replaced"),
    "lifecycle.label.agreement-revoked": ("协议撤销", "agreement revocation"),
    "lifecycle.label.key-revoked": ("密钥撤销", "key revocation"),
    "lifecycle.label.destroyed": ("销毁证明", "destruction certificate"),
    "lifecycle.label.incident-opened": ("安全事件通知", "incident notice"),
    "lifecycle.label.incident-closed": ("安全事件关闭", "incident closed"),
    "lifecycle.label.leak": ("疑似泄露", "suspected leak"),
    "lifecycle.label.lost-media": ("专用U盘丢失", "lost stick"),
    "lifecycle.label.lost-device": ("电脑丢失", "lost computer"),
    "lifecycle.label.other": ("其他", "other"),
    "lifecycle.label.notify": ("用户告知", "notification"),
    "lifecycle.label.complaint": ("客户投诉处理", "complaint"),
    "lifecycle.label.correction": ("数据更正", "correction"),
    "lifecycle.label.audit": ("内部审计/监管检查", "audit or inspection"),
    "lifecycle.label.legal": ("有权机关依法查询", "lawful request"),
    # help
    "lifecycle.help.agreement_revoke": (
        "撤销协议（本方公章密钥签署）；撤销声明随U盘送达对方",
        "Revoke an agreement (signed by this party's seal); the statement travels on the stick",
    ),
    "lifecycle.help.keys_revoke": (
        "撤销本工作站的一把密钥（本方公章密钥签署）",
        "Revoke one of this station's keys (signed by this party's seal)",
    ),
    "lifecycle.help.destroy": (
        "数据使用结束：销毁本工作站在该协议下持有的数据和密钥，并出具签名的销毁证明",
        "End of use: destroy what this station holds under the agreement, with a signed "
        "certificate",
    ),
    "lifecycle.help.incident": (
        "安全事件（疑似泄露、U盘丢失）：开启、列出、关闭",
        "Incidents (a suspected leak, a lost stick): open, list, close",
    ),
    "lifecycle.help.incident_open": (
        "开启安全事件，冻结协议并生成给对方的通知",
        "Open an incident: freezes the agreement and writes the notice for the other party",
    ),
    "lifecycle.help.incident_list": ("列出安全事件", "List incidents"),
    "lifecycle.help.incident_close": (
        "用本方公章密钥关闭安全事件",
        "Close an incident with this party's seal",
    ),
    "lifecycle.help.reason": (
        "原因代码：ended 工作结束，breach 违约或泄露，compromised 密钥泄露，lost 遗失，"
        "staff-change 人员变动，replaced 已被替换",
        "Reason code: ended, breach, compromised, lost, staff-change, replaced",
    ),
    "lifecycle.help.out": (
        "把签名声明写到此文件夹（例如U盘），带给对方",
        "Write the signed statement into this folder (the stick, say) for the other party",
    ),
    "lifecycle.help.agreement": ("协议编号", "The agreement's number"),
    "lifecycle.help.what": (
        "事件类型：leak 疑似泄露，lost-media 专用U盘丢失，lost-device 电脑丢失，other 其他",
        "What happened: leak, lost-media (a dedicated stick), lost-device, other",
    ),
    "lifecycle.help.when": ("发生日期（YYYY-MM-DD，默认今天）", "When (YYYY-MM-DD, default today)"),
    "lifecycle.help.package": (
        "涉及的数据包编号（可重复）",
        "A package id the incident touches (repeatable)",
    ),
    "lifecycle.help.media": (
        "涉及的U盘编号（sx media list 所示，至少8位；可重复）；U盘丢失时该U盘即被注销",
        "A stick's id as sx media list shows it (8+ digits, repeatable); a lost stick's "
        "label is revoked",
    ),
    "lifecycle.help.ticket": (
        "工单号等参考编号（字母、数字、连字符，最多32个）",
        "A reference such as a ticket number (letters, digits, hyphens; up to 32)",
    ),
    "lifecycle.help.as": (
        "签署用的本方密钥（默认：本工作站唯一的本方公章密钥）",
        "This party's key to sign with (default: the station's only seal key for it)",
    ),
}

"""Messages of the access log: verification, refusals, witnessing, CLI, report (``audit.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    # Fail closed: the log cannot take the event, so nothing is done.
    "audit.unavailable.disk_full": (
        "磁盘已满，无法写入访问日志（{path}），本次操作没有执行。",
        "The disk is full, so the access log ({path}) cannot be written; nothing was done.",
    ),
    "audit.unavailable.read_only": (
        "访问日志所在文件夹（{path}）不可写，本次操作没有执行。",
        "The access log folder ({path}) cannot be written to; nothing was done.",
    ),
    "audit.unavailable.write_failed": (
        "写入访问日志（{path}）失败，本次操作没有执行。",
        "Writing the access log ({path}) failed; nothing was done.",
    ),
    "audit.unavailable.broken": (
        "访问日志（{path}）校验不通过：{problem} 在合规人员核查之前，本机不能进行任何操作。"
        "请运行 sx audit verify 查看详情。",
        "The access log ({path}) does not verify: {problem} Nothing can be done on this "
        "station until compliance has checked it; run sx audit verify for details.",
    ),
    "audit.unavailable.changed": (
        "访问日志（{path}）在使用过程中被截短或改动，本次操作没有执行。",
        "The access log ({path}) was cut short or changed while in use; nothing was done.",
    ),
    "audit.interrupted": ("操作被中断。", "The operation was interrupted."),
    # The personal-data guard (audit-log-v1 §1.2): a value the log must not take.
    "audit.personal_data.number": (
        "“{field}”的内容像身份证号或手机号，访问日志不能记录个人信息，已拒绝，未执行任何操作。",
        "'{field}' looks like it holds an ID number or a phone number; the access log may "
        "not hold personal data. Refused; nothing was done.",
    ),
    "audit.personal_data.text": (
        "“{field}”只能是代码（英文字母、数字和符号），不能是姓名或地址等文字，已拒绝，"
        "未执行任何操作。",
        "'{field}' may hold only a code (ASCII letters, digits and signs), not a name or an "
        "address. Refused; nothing was done.",
    ),
    # Findings of verify (first bad record and friends).
    "audit.unavailable.log_missing": (
        "本机的访问日志（{path}）不见了，但本机以前有过日志（{file} 可以证明），不会新建日志，"
        "本次操作没有执行。请从备份恢复 SX_HOME/audit，或联系合规人员。",
        "The access log ({path}) is missing, but this station kept one before ({file} shows "
        "it), so no fresh log is started and nothing was done: restore SX_HOME/audit from the "
        "backup or contact compliance.",
    ),
    "audit.bad.missing": ("找不到访问日志：{path}。", "The access log is missing: {path}."),
    "audit.bad.header": (
        "日志文件开头不是访问日志格式。",
        "The file does not start like an access log.",
    ),
    "audit.bad.framing": (
        "第 {seq} 条记录格式损坏（位置 {offset}）。",
        "Record {seq} is malformed (at byte {offset}).",
    ),
    "audit.bad.hash": (
        "第 {seq} 条记录的内容被改动过（哈希不符）。",
        "Record {seq} was changed (its hash does not match).",
    ),
    "audit.bad.event": (
        "第 {seq} 条记录不是有效的日志事件。",
        "Record {seq} is not a valid log event.",
    ),
    "audit.bad.event_json": (
        "第 {seq} 条记录无法读取。",
        "Record {seq} cannot be read.",
    ),
    "audit.bad.seq": (
        "第 {seq} 条记录的位置不对：有记录被删除、插入或调换了顺序。",
        "Record {seq} is out of place: a record was deleted, inserted or moved.",
    ),
    "audit.bad.torn": (
        "日志末尾有一条没写完的记录（共 {bytes} 字节，可能是写入时断电或程序被强行结束）；"
        "前 {size} 条记录完好。需由合规人员用 sx audit repair 修复。",
        "The log ends with a record that was never finished ({bytes} bytes, probably a power "
        "cut or a killed program); the {size} records before it are intact. Compliance must "
        "repair it (sx audit repair).",
    ),
    "audit.bad.shorter": (
        "日志比本机在第 {size} 条时签署的检查点还短（现在只有 {actual} 条）：较新的记录被删除了。",
        "The log is shorter than the checkpoint this station signed at size {size} (it now "
        "has {actual} records): newer records were deleted.",
    ),
    "audit.bad.shorter_than_witnessed": (
        "日志比{peer}见证过的检查点（第 {size} 条）还短（现在只有 {actual} 条）："
        "对方看过的记录被删除了。",
        "The log is shorter than the checkpoint the {peer} witnessed at size {size} (it now "
        "has {actual} records): records the peer saw were deleted.",
    ),
    "audit.bad.rewritten": (
        "第 {first} 至 {last} 条之间有记录被改写过（与第 {size} 条的已签检查点不符）。",
        "A record between {first} and {last} was rewritten (it no longer matches the signed "
        "checkpoint at size {size}).",
    ),
    "audit.check.beyond_bad_record": (
        "检查点（第 {size} 条）在损坏的第 {seq} 条记录之后，无法核对。",
        "The checkpoint at size {size} lies beyond the bad record {seq} and cannot be checked.",
    ),
    "audit.check.origin": (
        "检查点属于另一份日志（{origin}）。",
        "The checkpoint belongs to another log ({origin}).",
    ),
    "audit.check.unreadable": (
        "检查点文件 {file} 无法读取。",
        "The checkpoint file {file} cannot be read.",
    ),
    "audit.check.no_station_key": (
        "检查点 {file} 无法核对：本机没有列入可信协议的单位公章密钥（seal）。",
        "The checkpoint {file} cannot be checked: no seal key of this station is named in a "
        "trusted agreement.",
    ),
    "audit.check.unpinned_peer": (
        "{peer}对第 {size} 条检查点的见证签名无法核对：可信协议中没有对方的单位公章密钥。",
        "The {peer}'s cosignature of the checkpoint at size {size} cannot be checked: no "
        "trusted agreement names that peer's seal key.",
    ),
    "audit.state.unreadable": (
        "本机状态文件 {file} 无法读取，无法与日志核对。",
        "The station's state file {file} cannot be read, so it cannot be checked against the log.",
    ),
    "audit.state.unlogged_import": (
        "防重放登记表中有 {count} 个数据包（第一个：{package}）在日志里没有导入记录：日志缺了记录。",
        "{count} package(s) in the replay register (the first: {package}) have no import in "
        "the log: records are missing.",
    ),
    "audit.state.unlogged_sequence": (
        "协议 {number} 下本机已发出 {count} 个序号，但日志里只有 {logged} 次封装：日志缺了记录。",
        "The sequence counter handed out {count} number(s) under agreement {number}, but the "
        "log shows only {logged} seal operation(s): records are missing.",
    ),
    "audit.state.unlogged_agreement": (
        "可信协议 {number} 在日志里没有导入记录：日志缺了记录，或协议是绕过 sx 放进来的。",
        "The trusted agreement {number} has no import in the log: records are missing, or it "
        "was put in place without sx.",
    ),
    "audit.state.missing_statement": (
        "日志记录了本机签发或收到的 {count} 份签名声明（第一份：{statement}），本机却已不再保存："
        "撤销、销毁或事件声明被删除后，本机会不再拒绝相应操作。请从对方或存档恢复该声明文件。",
        "The log records {count} signed statement(s) issued or received here (the first: "
        "{statement}) that the station no longer holds: with a revocation, destruction or "
        "incident deleted, the station stops refusing what it refused. Restore the statement "
        "file from the other party or an archive.",
    ),
    "audit.check.bad_cosignature": (
        "{peer}对第 {size} 条检查点的见证签名无效。",
        "The {peer}'s cosignature of the checkpoint at size {size} does not verify.",
    ),
    "audit.warn.time": (
        "第 {seq} 条记录的时间早于前一条（电脑时钟可能被调过）。",
        "Record {seq} is dated earlier than the one before it (the clock may have been set back).",
    ),
    "audit.repair.not_torn": (
        "日志在第 {seq} 条有损坏，不是末尾未写完的问题，不能自动修复。",
        "The log is damaged at record {seq}; this is not a torn last record and cannot be "
        "repaired automatically.",
    ),
    "audit.export.write_failed": (
        "无法写入导出文件 {path}。",
        "Cannot write the export file {path}.",
    ),
    # Signed notes and checkpoints.
    "audit.note.malformed": (
        "签名检查点的格式不对。",
        "The signed checkpoint is malformed.",
    ),
    "audit.note.bad_key": ("验证密钥的格式不对。", "The verifier key is malformed."),
    "audit.note.bad_signature": (
        "检查点上 {name} 的签名无效。",
        "The signature by {name} on the checkpoint is invalid.",
    ),
    "audit.note.unverified": (
        "检查点上没有可信密钥的有效签名。",
        "The checkpoint carries no valid signature from a trusted key.",
    ),
    "audit.note.bad_checkpoint": (
        "检查点内容的格式不对。",
        "The checkpoint body is malformed.",
    ),
    # Witnessing across the USB stick.
    "audit.witness.malformed": (
        "来自{peer}的见证文件格式不对。",
        "The witness file from the {peer} is malformed.",
    ),
    "audit.witness.bad_signature": (
        "来自{peer}的日志检查点签名无效。",
        "The log checkpoint from the {peer} has no valid signature.",
    ),
    "audit.witness.origin_changed": (
        "{peer}的日志检查点换成了另一份日志，拒绝接收。",
        "The {peer}'s checkpoint is for a different log than before; refused.",
    ),
    "audit.witness.rollback": (
        "{peer}的日志变短了：上次已见到 {seen} 条，这次只有 {size} 条（日志被截短或回退），拒绝接收。",
        "The {peer}'s log went backwards: {seen} records were seen before, now only {size} "
        "(truncated or rolled back); refused.",
    ),
    "audit.witness.fork": (
        "{peer}的日志与上次见到的不一致（第 {seen} 条之前的记录被改写），拒绝接收。",
        "The {peer}'s log does not extend the one seen before (records before {seen} were "
        "rewritten); refused.",
    ),
    "audit.witness.no_proof": (
        "{peer}的见证文件缺少从第 {seen} 条到第 {size} 条的一致性证明，拒绝接收。",
        "The {peer}'s witness file lacks the consistency proof from size {seen} to {size}; "
        "refused.",
    ),
    "audit.witness.missing": (
        "来自{peer}的数据包没有见证文件，而对方的日志以前见证过，拒绝接收。",
        "The package from the {peer} carries no witness file although its log was witnessed "
        "before; refused.",
    ),
    "audit.witness.bad_cosignature": (
        "{peer}对本机日志的见证签名无效，拒绝接收。",
        "The {peer}'s cosignature of this station's log does not verify; refused.",
    ),
    "audit.witness.not_ours": (
        "{peer}见证的不是本机的日志，拒绝接收。",
        "The {peer} cosigned a checkpoint of another log, not this station's; refused.",
    ),
    "audit.witness.ours_differs": (
        "{peer}见证过的本机日志（第 {size} 条）与本机现在的日志不一致：本机日志被改动过。",
        "The log the {peer} witnessed for this station at size {size} differs from this "
        "station's log now: this log was changed.",
    ),
    # CLI help and output.
    "audit.help.group": (
        "访问日志：核验、查看、导出、生成报告。",
        "The access log: verify, show, export, report.",
    ),
    "audit.help.repair": (
        "修复访问日志末尾没写完的记录（断电或程序被强行结束之后）：残片另存到 audit/torn/，"
        "日志截到最后一条完整记录，修复本身记入日志。其他损坏不会被修复。供合规人员使用。",
        "Repair the access log's unfinished last record (after a power cut or a killed "
        "program): the fragment is kept under audit/torn/, the log is cut at its last whole "
        "record and the repair is logged. Any other damage is left alone. For compliance.",
    ),
    "audit.cli.repaired": (
        "已修复：末尾没写完的记录（{bytes} 字节）已移到 audit/torn/，修复已记入日志。",
        "Repaired: the unfinished last record ({bytes} bytes) was moved to audit/torn/ and "
        "the repair was logged.",
    ),
    "audit.cli.nothing_to_repair": (
        "日志末尾没有没写完的记录，无需修复。",
        "The log has no unfinished last record; nothing to repair.",
    ),
    "audit.help.verify": (
        "核验访问日志是否完整、未被改动（退出码 0 表示通过，1 表示有问题）。",
        "Check that the access log is complete and unchanged (exit 0 if so, 1 if not).",
    ),
    "audit.help.json": (
        "输出一个 JSON 文档，供脚本使用。",
        "Print one JSON document for scripts.",
    ),
    "audit.help.home": (
        "核验复制来的工作站文件夹的日志（合规人员用）：密钥取自该文件夹的公钥卡和可信协议，"
        "请与纸质协议上的指纹核对。",
        "Verify the log of a copied station folder DIR (compliance): the keys come from that "
        "folder's key cards and trusted agreements; compare their fingerprints with the paper "
        "agreement.",
    ),
    "audit.help.json_lines": (
        "每条记录输出一行 JSON。",
        "Print one JSON line per event.",
    ),
    "audit.help.show": (
        "查看日志记录（可按日期、人员、操作、数据包筛选）。",
        "Show log events (filter by date, actor, action, package).",
    ),
    "audit.help.since": ("从这一天起（YYYY-MM-DD）。", "From this day on (YYYY-MM-DD)."),
    "audit.help.until": ("到这一天为止（YYYY-MM-DD）。", "Up to this day (YYYY-MM-DD)."),
    "audit.help.actor": ("只看这个密钥名的操作。", "Only events by this key name."),
    "audit.help.action": (
        "只看这类操作（如 package 或 package.opened）。",
        "Only this action or family (e.g. package or package.opened).",
    ),
    "audit.help.package": ("只看这个数据包。", "Only events about this package."),
    "audit.help.export": (
        "把日志导出为 JSON Lines 或 OCSF 格式。",
        "Export the log as JSON lines or OCSF events.",
    ),
    "audit.help.format": (
        "导出格式：jsonl、ocsf（给系统），csv、xlsx（给审核人员用 Excel 查看）。",
        "Export format: jsonl, ocsf (for systems), csv, xlsx (for reviewers in Excel).",
    ),
    "audit.help.out": ("输出文件。", "Output file."),
    "audit.help.report": (
        "生成给合规人员看的网页报告（单个 HTML 文件，可离线打开）。",
        "Write an HTML report for compliance (one self-contained file, works offline).",
    ),
    "audit.help.report_out": ("报告文件（.html）。", "Report file (.html)."),
    "audit.cli.warning": ("提醒：", "Warning: "),
    "audit.cli.problem": ("问题：", "Problem: "),
    "audit.cli.pinned": (
        "核对所用的密钥：{org}（{party}方）单位公章 {name}，指纹 {fingerprint}（协议 {agreement}），"
        "请与纸质协议核对。",
        "Checked with: {org} (party {party}) seal key {name}, fingerprint {fingerprint} "
        "(agreement {agreement}); compare it with the paper agreement.",
    ),
    "audit.cli.verify_ok": (
        "访问日志核验通过：共 {size} 条记录，根哈希 {root}…；{checkpoints} 个检查点，"
        "{witnessed} 个经对方见证。",
        "The access log verifies: {size} events, root {root}…; {checkpoints} checkpoints, "
        "{witnessed} witnessed by the peer.",
    ),
    "audit.cli.verify_failed": (
        "访问日志核验未通过（问题见上，完好的记录共 {size} 条）。请联系合规人员。",
        "The access log does NOT verify (see above; {size} good records). Call compliance.",
    ),
    "audit.cli.shown": ("共 {count} 条。", "{count} events."),
    "audit.cli.exported": (
        "已导出 {count} 条记录到 {path}。",
        "Exported {count} events to {path}.",
    ),
    "audit.cli.reported": (
        "报告已写入 {path}（含 {count} 条记录）。",
        "Report written to {path} ({count} events).",
    ),
    "audit.col.seq": ("序号", "seq"),
    "audit.col.time": ("时间", "time"),
    "audit.col.actor": ("操作人", "actor"),
    "audit.col.action": ("操作", "action"),
    "audit.col.outcome": ("结果", "outcome"),
    "audit.col.package": ("数据包", "package"),
    "audit.col.detail": ("数量与说明", "counts and detail"),
    # HTML report.
    "audit.report.title": ("访问日志报告 · {station}", "Access log report · {station}"),
    "audit.report.note": (
        "本报告只含操作记录（密钥名、数据包编号、数量、操作和结果），不含任何居民个人信息。",
        "This report holds only the record of operations (key names, package ids, counts, "
        "actions, outcomes), never a resident's personal data.",
    ),
    "audit.report.summary": ("概况", "Summary"),
    "audit.report.station": ("站点", "Station"),
    "audit.report.status": ("日志核验", "Log verification"),
    "audit.report.verified": ("通过：日志完整、未被改动", "Passed: complete and unchanged"),
    "audit.report.broken": ("未通过：见下方“需要关注”", "FAILED: see Flags below"),
    "audit.report.events": ("记录条数", "Events"),
    "audit.report.period": ("时间范围", "Period"),
    "audit.report.root": ("根哈希", "Root hash"),
    "audit.report.checkpoints": ("已签检查点", "Signed checkpoints"),
    "audit.report.witnessed": ("对方见证", "Witnessed by the peer"),
    "audit.report.flags": ("需要关注", "Flags"),
    "audit.report.per_day": ("每天的操作次数", "Activity per day"),
    "audit.report.by_actor": ("按操作人统计", "By actor"),
    "audit.report.by_action": ("按操作类型统计", "By action"),
    "audit.report.reidentifications": ("身份还原（重新识别）记录", "Re-identifications"),
    "audit.report.failures": ("被拒绝和失败的操作", "Refusals and failures"),
    "audit.report.none": ("无。", "None."),
    "audit.report.col.seq": ("序号", "Seq"),
    "audit.report.col.flag": ("说明", "What"),
    "audit.report.col.time": ("时间", "Time"),
    "audit.report.col.actor": ("操作人", "Actor"),
    "audit.report.col.reason": ("理由", "Reason"),
    "audit.report.col.rows": ("行数", "Rows"),
    "audit.report.col.package": ("数据包", "Package"),
    "audit.report.col.outcome": ("结果", "Outcome"),
    "audit.report.col.action": ("操作", "Action"),
    "audit.report.col.error": ("原因", "Reason"),
    "audit.report.col.note": ("说明", "Note"),
    "audit.report.timeline": (
        "各协议的生命周期（签署、数据包、身份还原、撤销、安全事件、销毁）",
        "Each agreement's life (signed, packages, re-identifications, revocation, incidents, "
        "destruction)",
    ),
    "audit.report.timeline_of": ("协议 {number}", "Agreement {number}"),
    "audit.timeline.party": ("{party} 方", "party {party}"),
    "audit.timeline.rows": ("{rows} 行", "{rows} rows"),
    "audit.timeline.destroyed": (
        "输出文件 {outputs} 个，数据包 {packages} 个，密钥 {keys} 把",
        "{outputs} outputs, {packages} packages, {keys} keys",
    ),
    "audit.timeline.separator": ("；", "; "),
    "audit.timeline.action.agreement-created": ("起草协议", "agreement drafted"),
    "audit.timeline.action.agreement-signed": ("签署协议", "agreement signed"),
    "audit.timeline.action.agreement-imported": ("导入协议", "agreement trusted"),
    "audit.timeline.action.package-sealed": ("封装数据包", "package sealed"),
    "audit.timeline.action.package-registered": ("导入数据包", "package imported"),
    "audit.timeline.action.scored": ("评分", "scored"),
    "audit.timeline.action.reidentified": ("身份还原", "re-identified"),
    "audit.timeline.action.results-read": ("读取结果", "results read"),
    "audit.timeline.action.agreement-revoked": ("撤销协议", "agreement revoked"),
    "audit.timeline.action.key-revoked": ("撤销密钥", "key revoked"),
    "audit.timeline.action.incident-opened": ("开启安全事件", "incident opened"),
    "audit.timeline.action.incident-closed": ("关闭安全事件", "incident closed"),
    "audit.timeline.action.agreement-destroyed": ("销毁数据", "data destroyed"),
    "audit.timeline.action.statement-issued": ("签发声明", "statement issued"),
    "audit.timeline.action.statement-received": ("收到并核验声明", "statement received"),
    "audit.flag.bulk": (
        "{time} {actor} 一次还原了 {rows} 人的身份（超过 100 人的批量还原）。",
        "{time} {actor} re-identified {rows} rows in one go (bulk: more than 100).",
    ),
    "audit.flag.night": (
        "{night} 夜间（22:00 至次日 06:00）{actor} 共操作 {count} 次（{first}–{last}）：{actions}。",
        "Night of {night} (22:00–06:00): {actor} did {count} operations ({first}–{last}): "
        "{actions}.",
    ),
    "audit.flag.verify_failed": (
        "{time} “{action}”核验未通过。",
        '{time} "{action}" failed verification.',
    ),
    "audit.flag.gap": ("日志序号有缺口：{message}", "A gap in the log: {message}"),
    "audit.flag.log": ("日志本身有问题：{message}", "The log itself: {message}"),
    "audit.action.init": ("初始化工作站", "init"),
    "audit.action.key.created": ("生成密钥", "key.created"),
    "audit.action.key.exported": ("导出密钥", "key.exported"),
    "audit.action.key.unlocked": ("解锁密钥", "key.unlocked"),
    "audit.action.agreement.created": ("起草协议", "agreement.created"),
    "audit.action.agreement.signed": ("签署协议", "agreement.signed"),
    "audit.action.agreement.imported": ("导入协议", "agreement.imported"),
    "audit.action.agreement.registered": ("登记协议", "agreement.registered"),
    "audit.action.ledger.checked": ("检查台账", "ledger.checked"),
    "audit.action.package.sealed": ("封装数据包", "package.sealed"),
    "audit.action.package.verified": ("核验数据包", "package.verified"),
    "audit.action.package.imported": ("导入数据包", "package.imported"),
    "audit.action.package.registered": ("登记数据包", "package.registered"),
    "audit.action.package.opened": ("打开数据包", "package.opened"),
    "audit.action.package.refused": ("拒收数据包", "package.refused"),
    "audit.action.scored": ("评分", "scored"),
    "audit.action.reidentified": ("身份还原", "reidentified"),
    "audit.action.results.read": ("读取授信结果", "results.read"),
    "audit.action.media.enrolled": ("登记U盘", "media.enrolled"),
    "audit.action.media.checked": ("检查U盘", "media.checked"),
    "audit.action.media.listed": ("列出U盘", "media.listed"),
    "audit.action.log.read": ("查看日志", "log.read"),
    "audit.action.log.exported": ("导出日志", "log.exported"),
    "audit.action.log.verified": ("核验日志", "log.verified"),
    "audit.action.log.checkpoint": ("日志检查点", "log.checkpoint"),
    "audit.action.log.repaired": ("修复日志", "log.repaired"),
    "audit.action.witness.sent": ("发出见证", "witness.sent"),
    "audit.action.witness.received": ("收到见证", "witness.received"),
    "audit.action.agreement.revoked": ("撤销协议", "agreement.revoked"),
    "audit.action.agreement.destroyed": ("销毁数据", "agreement.destroyed"),
    "audit.action.key.revoked": ("撤销密钥", "key.revoked"),
    "audit.action.incident.opened": ("报告事件", "incident.opened"),
    "audit.action.incident.closed": ("关闭事件", "incident.closed"),
    "audit.action.incident.listed": ("查看事件", "incident.listed"),
    "audit.action.statement.issued": ("签发声明", "statement.issued"),
    "audit.action.statement.received": ("收到声明", "statement.received"),
    "audit.outcome.ok": ("成功", "ok"),
    "audit.outcome.failed": ("失败", "failed"),
    "audit.outcome.refused": ("被拒绝", "refused"),
    "audit.list_sep": ("，", ", "),
    "audit.station_itself": ("（工作站）", "(station)"),
    "audit.cli.begin": ("开始", "begun"),
    "audit.export.col.seq": ("序号", "seq"),
    "audit.export.col.time_utc": ("时间（UTC）", "time (UTC)"),
    "audit.export.col.station": ("工作站", "station"),
    "audit.export.col.actor": ("操作人（密钥名）", "actor"),
    "audit.export.col.actor_fingerprint": ("密钥指纹", "actor fingerprint"),
    "audit.export.col.action": ("操作", "action"),
    "audit.export.col.phase": ("阶段", "phase"),
    "audit.export.col.outcome": ("结果", "outcome"),
    "audit.export.col.package": ("数据包", "package"),
    "audit.export.col.counts": ("数量", "counts"),
    "audit.export.col.detail": ("说明", "detail"),
}

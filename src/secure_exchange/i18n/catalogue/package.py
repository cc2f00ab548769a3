"""Messages of sealing and opening packages (``package.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "package.ledger_needs_community": (
        "只有社区/村工作站可以封装台账（本站角色：{role}）。",
        "Only a community station seals ledgers (this station: {role}).",
    ),
    "package.org_not_party": (
        "本机的单位名称“{name}”（station.json）与协议 {number} 中{party}方的单位名称“{org}”"
        "不一致（须逐字相同），没有封装。",
        "This station's organisation “{name}” (station.json) is not the one agreement "
        "{number} names for party {party} (“{org}”); the names must match exactly. Nothing "
        "was sealed.",
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
    "package.results_sheet_rows": (
        "回传的评分结果有 {rows} 行，超过 Excel 一张工作表的上限（{limit} 行），无法写成 .xlsx；"
        "请用 --out 写成 .csv 或 .parquet。",
        "The returned decisions hold {rows} rows, more than an Excel sheet holds ({limit}): "
        "they cannot be written as .xlsx. Write them as .csv or .parquet (--out).",
    ),
    "package.decisions_unreadable": (
        "评分结果文件 {file} 无法读取（格式损坏，或某列的值不符合规定的类型），没有封装。"
        "请用 sx score 重新导出后再回传。",
        "The decisions file {file} cannot be read (damaged, or a value not of its column's "
        "type); nothing was sealed. Write it again with sx score and seal that.",
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
    "package.column_category": (
        "列 {column} 属于数据类别“{category}”，协议 {number} 未列入该类别，不能封装。"
        "请双方签订列入该类别的协议（sx agreement new），或删除该列。",
        "Column {column} is data of category {category}, which agreement {number} does not "
        "list: it cannot be sealed. Sign an agreement that lists it (sx agreement new) or "
        "remove the column.",
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
    "package.part_rows": (
        "{name} 中有 {rows} 行，与清单所写的 {expected} 行不符，未读取。",
        "{name} holds {rows} rows where the manifest says {expected}; it was not read.",
    ),
    "package.part_schema": (
        "{name} 的表结构与清单所写的不符，未读取。",
        "{name} has a schema other than the manifest's; it was not read.",
    ),
    "package.part_row_group": (
        "{name} 的行组超过 {rows} 行，不是本格式写出的文件，未读取。",
        "{name} has a row group of more than {rows} rows, which this format never writes; "
        "it was not read.",
    ),
    "package.part_too_large": (
        "{name} 解码后远大于其文件大小（疑为数据炸弹），未读取。",
        "{name} decodes to far more than its size (a decompression bomb?); it was not read.",
    ),
    "package.part_categories": (
        "数据组 {group} 含有清单未申报的数据类别：{category}。",
        "Column group {group} carries data categories its manifest does not declare: {category}.",
    ),
    "package.group_columns": (
        "数据组 {group} 不能携带列 {column}（假名化规则不允许，或类型不符）。",
        "Column group {group} may not carry column {column} (the pseudonymisation profile "
        "does not allow it, or not of that type).",
    ),
    "package.group_column_type": (
        "数据组 {group} 的列 {column} 无法转换为规定的类型。",
        "Column {column} of group {group} cannot be converted to the type it must have.",
    ),
    "package.group_not_allowed": (
        "{party}方不能发送数据组 {group}。",
        "Party {party} may not send column group {group}.",
    ),
    "package.signer_not_in_agreement": (
        "密钥 {name} 不是协议中本方的签名密钥，不能签署数据包。",
        "Key {name} is not one of this party's keys in the agreement; it cannot sign.",
    ),
    "package.station_cannot_seal": (
        "角色为 {role} 的工作站不能封装数据包。",
        "A station with role {role} cannot seal packages.",
    ),
    "package.own_package": (
        "数据包 {package} 是本工作站自己发出的，不能在本方导入：请把U盘交给对方，由对方导入。",
        "Package {package} was sent by this station itself and is not imported here: hand "
        "the stick to the other party, who imports it.",
    ),
    "package.threshold": (
        "签名不足：协议要求至少 {count} 个用途为 {role} 的密钥签名（如经办人签字加单位公章）。",
        "Not enough signatures: the agreement needs at least {count} signature(s) by a "
        "{role} key (an officer plus the unit seal, say).",
    ),
    "package.risk_too_high": (
        "数据组 {group} 中有 {share}% 的记录可凭其余列单独识别出个人，超过协议 {number} 允许的 "
        "{limit}%：请勿发送，请与对方协商进一步概括数据或修订协议。",
        "{share}% of the rows of group {group} can be singled out by their other columns, "
        "above the {limit}% agreement {number} allows: do not send it; agree with the other "
        "party on coarser data or a revised agreement.",
    ),
    "package.risk_missing": (
        "协议 {number} 限定了数据组 {group} 的重识别风险，但数据包没有记录该风险。",
        "Agreement {number} limits the re-identification risk of group {group}, but the "
        "package records none for it.",
    ),
    "package.risk_malformed": (
        "数据组 {group} 的重识别风险记录与该组的数据不符。",
        "The re-identification risk record of group {group} does not fit the group.",
    ),
    "package.stick_root": (
        "{folder} 是U盘的根目录，不是数据包：请给出其中的数据包文件夹（共 {count} 个）：{candidates}。",
        "{folder} is the stick's root, not a package: give the package folder inside it "
        "({count} found): {candidates}.",
    ),
}

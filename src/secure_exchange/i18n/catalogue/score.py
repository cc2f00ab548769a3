"""Messages of the Annex 2 scoring package: policy files, engine, outputs (``score.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "score.policy.not_found": (
        "找不到评分政策“{name}”（既不是内置政策，也不是可读的文件）。",
        "Scoring policy '{name}' not found (neither built in nor a readable file).",
    ),
    "score.policy.syntax": (
        "评分政策文件 {path} 第 {line} 行格式有误：{detail}",
        "Scoring policy {path}, line {line}: not valid TOML ({detail}).",
    ),
    "score.policy.unknown_key": (
        "评分政策文件 {path} 第 {line} 行：“{where}”下不认识的设置项“{name}”。",
        "Scoring policy {path}, line {line}: unknown setting '{name}' in '{where}'.",
    ),
    "score.policy.missing_key": (
        "评分政策文件 {path} 第 {line} 行：“{where}”缺少必填设置项“{name}”。",
        "Scoring policy {path}, line {line}: '{where}' lacks the required setting '{name}'.",
    ),
    "score.policy.bad_type": (
        "评分政策文件 {path} 第 {line} 行：“{name}”应为{expected}。",
        "Scoring policy {path}, line {line}: '{name}' must be {expected}.",
    ),
    "score.policy.bad_value": (
        "评分政策文件 {path} 第 {line} 行：“{name}”的取值不合理（{detail}）。",
        "Scoring policy {path}, line {line}: '{name}' has a nonsense value ({detail}).",
    ),
    "score.policy.missing_levels": (
        "评分政策文件 {path} 第 {line} 行：分级项目 {code} 没有列出任何级别及分值。",
        "Scoring policy {path}, line {line}: levelled item {code} lists no levels.",
    ),
    "score.policy.unknown_level": (
        "评分政策文件 {path} 第 {line} 行：项目 {code} 的级别“{level}”不在政策的级别列表中。",
        "Scoring policy {path}, line {line}: item {code} uses level '{level}', "
        "which is not in the policy's list of levels.",
    ),
    "score.policy.duplicate_code": (
        "评分政策文件 {path} 第 {line} 行：项目代码 {code} 重复出现。",
        "Scoring policy {path}, line {line}: item code {code} appears twice.",
    ),
    "score.policy.lpr_order": (
        "评分政策文件 {path} 第 {line} 行：LPR 表的日期必须按先后顺序排列且不能重复（{date}）。",
        "Scoring policy {path}, line {line}: LPR dates must be in increasing order "
        "without repeats ({date}).",
    ),
    "score.lpr.before_table": (
        "评议日期 {as_of} 早于政策中最早的 LPR 报价日期 {first}，无法确定利率下限。",
        "Evaluation date {as_of} precedes the first LPR entry of the policy ({first}); "
        "the rate floor is unknown.",
    ),
    "score.lpr.stale": (
        "政策中最新的 LPR 报价是 {newest}，距评议日期 {as_of} 已超过 {days} 天，"
        "请确认 LPR 表是否需要更新。",
        "The newest LPR entry of the policy ({newest}) is more than {days} days "
        "before the evaluation date {as_of}; the table may be stale.",
    ),
    "score.level.outside": (
        "项目 {code} 有 {count} 条评议记录的级别不在该项目的分值表内：高于表内最高级别的"
        "按最高级别计分，低于最低级别的计 0 分（见授信理由）。",
        "{count} record(s) of item {code} name a level outside the item's table: "
        "above it they count as its highest level, below it they earn 0 points (see the "
        "reasons).",
    ),
    "score.input.missing_column": (
        "评分数据缺少“{column}”列。",
        "The scoring input lacks the column '{column}'.",
    ),
    "score.input.duplicate_subject": (
        "评分数据中有 {count} 个主体重复出现，每个主体只能有一行。",
        "{count} subject(s) appear more than once in the scoring input; one row each.",
    ),
    "score.input.unknown_code": (
        "评议记录中有政策 {policy} 未定义的项目代码“{code}”。",
        "An evaluation record uses item code '{code}', which policy {policy} does not define.",
    ),
    "score.input.bad_level": (
        "项目 {code} 有 {count} 条评议记录的级别缺失或不在政策允许的级别之中（例如“{level}”）。",
        "{count} record(s) of item {code} have a missing level or one the policy does not "
        "allow (e.g. '{level}').",
    ),
    "score.input.bad_points": (
        "项目 {code} 有 {count} 条评议记录的分值缺失或不在 {low}–{high} 之间。",
        "{count} record(s) of item {code} have no points or points outside {low}–{high}.",
    ),
    "score.input.unknown_subject_type": (
        "主体类型“{subject_type}”在政策 {policy} 中没有授信上限。",
        "Subject type '{subject_type}' has no credit cap in policy {policy}.",
    ),
    "score.input.missing_birth_date": (
        "评分数据中有 {count} 个主体缺少出生日期。",
        "{count} subject(s) in the scoring input have no birth date.",
    ),
    "score.adjust.format": (
        "调整文件 {path} 须是 .csv 或 .xlsx 文件。",
        "The adjustments file {path} must be a .csv or .xlsx file.",
    ),
    "score.adjust.unreadable": (
        "无法读取调整文件 {path}：请确认文件存在、未被 Excel 占用且不是损坏的表格。",
        "Cannot read the adjustments file {path}: check it exists, is not open in Excel "
        "and is not a damaged workbook.",
    ),
    "score.adjust.encoding": (
        "调整文件 {path} 既不是 UTF-8 也不是 GB18030 编码：请用 Excel 另存为 CSV。",
        "The adjustments file {path} is neither UTF-8 nor GB18030: save it again as CSV "
        "from Excel.",
    ),
    "score.adjust.empty": (
        "调整文件 {path} 没有任何调整行。",
        "The adjustments file {path} holds no adjustment.",
    ),
    "score.adjust.unknown_column": (
        "调整文件 {path} 第 1 行第 {column} 列：不认识的表头，只能是 主体、调整项、调整值、"
        "原因代码、备注。",
        "Adjustments file {path}, row 1, column {column}: unknown header; use subject, "
        "what, value, reason, note (or 主体、调整项、调整值、原因代码、备注).",
    ),
    "score.adjust.missing_column": (
        "调整文件 {path} 第 1 行缺少“{column}”列。",
        "Adjustments file {path}, row 1: the column '{column}' is missing.",
    ),
    "score.adjust.no_subject": (
        "调整文件 {path} 第 {row} 行“{column}”列为空：请填写授信结果中的主体编号。",
        "Adjustments file {path}, row {row}, column '{column}' is empty: put the subject "
        "as in the decisions.",
    ),
    "score.adjust.what": (
        "调整文件 {path} 第 {row} 行“{column}”列只能是 拒绝、额度 或 利率。",
        "Adjustments file {path}, row {row}, column '{column}': use decline, limit or rate "
        "(拒绝、额度、利率).",
    ),
    "score.adjust.reason": (
        "调整文件 {path} 第 {row} 行“{column}”列不是规定的原因代码：CREDIT（征信）、"
        "PANEL（评议小组建议）、OFFLINE（线下例外）、VERIFY（银行核实）、CUSTOMER（客户申请）。",
        "Adjustments file {path}, row {row}, column '{column}': not a reason code; use "
        "CREDIT, PANEL, OFFLINE, VERIFY or CUSTOMER.",
    ),
    "score.adjust.decline_value": (
        "调整文件 {path} 第 {row} 行：拒绝授信时“{column}”列须留空。",
        "Adjustments file {path}, row {row}: leave '{column}' empty when declining.",
    ),
    "score.adjust.limit_value": (
        "调整文件 {path} 第 {row} 行“{column}”列：额度须是大于 0 的整数元。",
        "Adjustments file {path}, row {row}, column '{column}': a line is a whole number "
        "of yuan above 0.",
    ),
    "score.adjust.rate_value": (
        "调整文件 {path} 第 {row} 行“{column}”列：利率须是整数基点（如 450）或百分数（如 4.5%）。",
        "Adjustments file {path}, row {row}, column '{column}': a rate is whole basis "
        "points (e.g. 450) or a percentage (e.g. 4.5%).",
    ),
    "score.adjust.conflict": (
        "调整文件 {path} 第 {row} 行：同一主体的同一调整项重复，或拒绝授信又调整了额度/利率。",
        "Adjustments file {path}, row {row}: the subject already has this change, or is "
        "both declined and adjusted.",
    ),
    "score.adjust.unknown_subject": (
        "调整文件 {path} 第 {row} 行“{column}”列：授信结果中没有这个主体。",
        "Adjustments file {path}, row {row}, column '{column}': no such subject in the decisions.",
    ),
    "score.adjust.not_approved": (
        "调整文件 {path} 第 {row} 行：该主体的评分结果是“{status}”，银行只能调整已通过的授信。",
        "Adjustments file {path}, row {row}: the subject is {status}; the bank adjusts "
        "approved decisions only.",
    ),
    "score.adjust.above_online": (
        "调整文件 {path} 第 {row} 行“{column}”列：超过线上最高额度 {ceiling} 元须用原因代码 "
        "OFFLINE（线下例外）。",
        "Adjustments file {path}, row {row}, column '{column}': a line above the online "
        "ceiling of {ceiling} yuan needs the reason OFFLINE.",
    ),
    "score.adjust.above_exception": (
        "调整文件 {path} 第 {row} 行“{column}”列：额度不能超过 {ceiling} 元（政策设定的例外上限）。",
        "Adjustments file {path}, row {row}, column '{column}': a line cannot exceed "
        "{ceiling} yuan (the policy's exception ceiling).",
    ),
    "score.adjust.rate_bounds": (
        "调整文件 {path} 第 {row} 行“{column}”列：利率须在 {low}–{high} 基点之间（LPR 至上限）。",
        "Adjustments file {path}, row {row}, column '{column}': a rate lies within "
        "{low}–{high} basis points (the LPR to the ceiling).",
    ),
    "score.output.unsupported": (
        "不支持把授信结果写成“{suffix}”文件，请使用 .csv、.parquet 或 .xlsx。",
        "Cannot write decisions as '{suffix}'; use .csv, .parquet or .xlsx.",
    ),
    "score.output.xlsx_rows": (
        "授信结果有 {count} 行，超过 Excel 一个工作表最多 1,048,575 行的上限，无法写成 .xlsx："
        "请改用 .csv 或 .parquet 输出（例如 --out 授信结果.csv）。",
        "The decisions have {count} rows, more than an Excel sheet holds (1,048,575): "
        "write them as .csv or .parquet instead (e.g. --out decisions.csv).",
    ),
    "score.input.age_facts": (
        "评分数据中的年龄信息（age_status、age_change、age_window）不完整或格式不正确，"
        "请让社区重新封装数据包。",
        "The age facts in the scoring input (age_status, age_change, age_window) are "
        "incomplete or malformed: ask the community to seal the package again.",
    ),
    "score.input.age_window": (
        "评估日期 {as_of} 不在本数据包年龄信息的适用期（{start} 至 {end}）内：请在此期间内"
        "选择评估日期，或请社区按新的协议期限重新封装。",
        "The evaluation date {as_of} lies outside the days this package's age facts cover "
        "({start} to {end}): choose a date within them, or ask the community for a package "
        "sealed under an agreement covering it.",
    ),
    "score.input.age_range": (
        "数据包的年龄信息按 {found} 周岁计算，而评分政策要求 {policy} 周岁，两者不一致，无法评分。",
        "The package's age facts were computed for ages {found}, but the policy asks for "
        "{policy}: it cannot be scored with this policy.",
    ),
}

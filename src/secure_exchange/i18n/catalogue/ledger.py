"""Messages of the ledger area: intake, checks, the template and ``sx ledger`` (``ledger.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    # containers and files
    "ledger.not_found": (
        "找不到台账：{path}",
        "Ledger not found: {path}",
    ),
    "ledger.container_unknown": (
        "{path} 不是台账：请给出 .xlsx 工作簿，或存有 residents.csv 和 evaluations.csv 的文件夹。",
        "{path} is not a ledger: give an .xlsx workbook or a folder holding residents.csv "
        "and evaluations.csv.",
    ),
    "ledger.xlsx.unreadable": (
        "无法打开工作簿 {file}：文件可能已损坏，或不是 .xlsx 格式。请用 Excel 另存为 .xlsx 后重试。",
        "Cannot open the workbook {file}: it may be damaged or not an .xlsx file. Save it "
        "again as .xlsx from Excel and retry.",
    ),
    "ledger.sheet.missing": (
        "工作簿里没有“{sheet}”工作表，请按模板添加（也可命名为 {english}）。",
        "The workbook has no sheet '{sheet}': add it as in the template (it may also be "
        "named '{english}').",
    ),
    "ledger.sheet.empty": (
        "“{sheet}”工作表是空的，第 1 行应为表头。",
        "Sheet '{sheet}' is empty; row 1 must hold the headers.",
    ),
    "ledger.file.missing": (
        "文件夹里没有 {file} 或 {own}（“{sheet}”表），请补上该文件。",
        "The folder has neither {file} nor {own} (sheet '{sheet}'); add that file.",
    ),
    "ledger.resave_xlsx": (
        "{file} 是旧版或其他软件的表格格式，无法读取：请在 Excel 或 WPS 中打开，"
        "另存为 .xlsx（Excel 工作簿）后重试。",
        "{file} is an old or foreign spreadsheet format that cannot be read: open it in "
        "Excel or WPS and save it as .xlsx (Excel workbook), then retry.",
    ),
    "ledger.empty": (
        "“{sheet}”表没有任何数据行：台账是空的，请填写居民信息后重试。",
        "Sheet '{sheet}' has no data rows: the ledger is empty. Fill in the residents and retry.",
    ),
    "ledger.phone.none": (
        "台账中没有任何联系电话：获得授信的居民将无法收到通知。请补填“联系电话”列。",
        "The ledger holds no phone number at all: approved residents cannot be told of "
        "their credit line. Fill in the phone column.",
    ),
    "ledger.file.cr_only": (
        "{file} 的换行符是旧式 Mac 格式，无法可靠读取：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重试。",
        "{file} uses old Mac line endings (CR only) and cannot be read reliably: in Excel, "
        "'Save As' 'CSV UTF-8 (Comma delimited)' and try again.",
    ),
    "ledger.file.empty": (
        "{file} 是空文件，第 1 行应为表头。",
        "{file} is empty; line 1 must hold the headers.",
    ),
    "ledger.file.unreadable": (
        "无法读取 {file}，文件可能已损坏。",
        "Cannot read {file}; the file may be damaged.",
    ),
    "ledger.encoding.unknown": (
        "{file} 的文字编码无法识别（既不是 UTF-8，也不是 GB18030/GBK）。请在 Excel 中另存为"
        "“CSV UTF-8（逗号分隔）”后重试。",
        "Cannot tell the text encoding of {file} (neither UTF-8 nor GB18030/GBK). Save it "
        "from Excel as 'CSV UTF-8 (comma delimited)' and retry.",
    ),
    "ledger.csv.field_count": (
        "这一行有 {found} 个单元格，比表头的 {expected} 列多，请删除多出的内容。",
        "This row has {found} cells, more than the {expected} header columns; remove the "
        "extra cells.",
    ),
    "ledger.row.blank": (
        "这是一个空行，已跳过；如无用处请删除。",
        "Blank row skipped; delete it if it is not needed.",
    ),
    # headers
    "ledger.header.unknown": (
        "“{sheet}”表有一列“{header}”不属于台账格式（可能含协议范围以外的数据）。请删除该列，"
        "或加 --drop-unknown-columns 选项舍弃它（会记录在检查结果中）。",
        "Sheet '{sheet}' has a column '{header}' that is not part of the ledger format (it "
        "may hold data outside the agreement). Remove it, or pass --drop-unknown-columns to "
        "drop it (the drop is reported).",
    ),
    "ledger.header.dropped": (
        "已按要求舍弃“{sheet}”表中不属于台账格式的列：{headers}。",
        "Dropped the columns of sheet '{sheet}' that are not part of the ledger format, as "
        "asked: {headers}.",
    ),
    "ledger.header.duplicate": (
        "表头“{header}”出现了两次，请删除重复的列。",
        "The header '{header}' appears twice; remove the duplicate column.",
    ),
    "ledger.header.missing": (
        "缺少必填列“{header}”，请按模板添加该列（英文表头为 {name}）。",
        "The required column '{name}' is missing (Chinese header 「{header}」); add it as in "
        "the template.",
    ),
    # cells
    "ledger.cell.empty": (
        "“{column}”是必填项，请填写。",
        "'{column}' is required; fill it in.",
    ),
    "ledger.id.numeric": (
        "身份证号被 Excel 存成了数字，后几位可能已经丢失。请把该列设为“文本”格式，再按证件重新录入完整号码。",
        "Excel stored this ID number as a number, so its last digits may be lost. Format "
        "the column as Text and type the full number again from the ID card.",
    ),
    "ledger.id.format": (
        "身份证号 {id} 格式不对：应为 18 位，前 17 位是数字，最后一位是数字或 X。",
        "ID number {id} is malformed: it must have 18 characters, 17 digits then a digit or X.",
    ),
    "ledger.id.checksum": (
        "身份证号 {id} 的校验位不对，多半是抄错了某一位，请对照证件核对。",
        "ID number {id} fails its check character, most likely a mistyped digit; compare "
        "it with the ID card.",
    ),
    "ledger.id.birth_invalid": (
        "身份证号 {id} 中的出生日期不存在，请对照证件核对。",
        "The birth date inside ID number {id} does not exist; compare it with the ID card.",
    ),
    "ledger.id.birth_future": (
        "身份证号 {id} 中的出生日期晚于评议日期 {as_of}，请对照证件核对。",
        "The birth date inside ID number {id} is after the evaluation date {as_of}; compare "
        "it with the ID card.",
    ),
    "ledger.id.legacy15": (
        "15 位老身份证号已自动升为 18 位（{id}），请对照证件核对。",
        "A 15-digit legacy ID number was converted to 18 digits ({id}); check it against "
        "the ID card.",
    ),
    "ledger.id.duplicate": (
        "身份证号 {id} 重复登记在第 {rows} 行，每人只能登记一行，请删除或合并。",
        "ID number {id} appears on rows {rows}; each subject gets one row, so delete or "
        "merge them.",
    ),
    "ledger.value.subject_type": (
        "主体类型只能填“农户”（或“社区居民”）、“新型农业经营主体”或“个体工商户”。",
        "Subject type must be 农户 (or 社区居民), 新型农业经营主体 or 个体工商户.",
    ),
    "ledger.value.boolean": (
        "“{column}”请填“是”或“否”（也可填 有/无、Y/N）。",
        "'{column}' must be yes or no (是/否, 有/无, Y/N, true/false, 1/0).",
    ),
    "ledger.value.phone": (
        "联系电话格式不对：应为 11 位手机号，或带区号的固定电话（如 0537-1234567）。",
        "Phone number malformed: use an 11-digit mobile number or a landline with its area "
        "code (e.g. 0537-1234567).",
    ),
    "ledger.value.formula": (
        "{column}以 = + - @ 等符号开头，像电子表格公式，Excel、WPS 打开时可能执行它；"
        "请核对这一格（sx 写出的文件一律按文本保存）。",
        "{column} starts like a spreadsheet formula (= + - @ …), which Excel or WPS could "
        "run; check the cell (sx always writes it out as text).",
    ),
    "ledger.eval.date_future": (
        "评议日期晚于评估日期 {as_of}，请核对是否写错了年份或月份。",
        "The panel date is after the evaluation date {as_of}; check the year and month.",
    ),
    "ledger.value.date": (
        "评议日期格式不对：请写成 2022-06-28 这样的日期（也可写 2022/6/28、2022年6月28日、"
        "2022.6.28），且须是真实存在的日期。",
        "Panel date malformed: write a real date such as 2022-06-28 (2022/6/28, 2022年6月28日 "
        "and 2022.6.28 are accepted too).",
    ),
    "ledger.eval.unknown_resident": (
        "身份证号 {id} 在“居民”表中找不到：请先在“居民”表登记此人，或更正号码。",
        "ID number {id} is not in sheet 居民 (residents): add the subject there first, or "
        "correct the number.",
    ),
    "ledger.eval.code_unknown": (
        "项目代码不属于评分政策 {policy}：请填写模板“说明”页列出的代码（如 B1、B5.1、D4、V2）。",
        "Item code not in scoring policy {policy}: use a code listed on the template's "
        "instructions sheet (e.g. B1, B5.1, D4, V2).",
    ),
    "ledger.eval.level_missing": (
        "项目 {code} 须填写级别：{levels}。",
        "Item {code} needs a level: {levels}.",
    ),
    "ledger.eval.level_invalid": (
        "项目 {code} 的级别只能是：{levels}（社区级按村级算，乡级、街道级按镇级算）。",
        "Item {code} accepts only these levels: {levels} (社区级 counts as 村级, 乡级 and "
        "街道级 as 镇级).",
    ),
    "ledger.panel.role": (
        "角色只能是：{roles}。",
        "The role must be one of: {roles}.",
    ),
    "ledger.panel.size": (
        "{community} {date} 的评议小组有 {count} 人：应为 {low}–{high} 人。",
        "The panel of {community} on {date} has {count} member(s): it needs {low} to {high}.",
    ),
    "ledger.panel.no_bank": (
        "{community} {date} 的评议小组没有农商银行人员：每次评议须有一名农商银行人员参加。",
        "The panel of {community} on {date} has no 农商银行人员: every sitting needs one.",
    ),
    "ledger.panel.no_chair": (
        "{community} {date} 的评议小组没有支书/主任：每次评议须有支书或主任参加。",
        "The panel of {community} on {date} has no 支书/主任: every sitting needs one.",
    ),
    "ledger.panel.unlisted": (
        "“评议小组”页没有 {community} {date} 这次评议的成员名单：请补上（5–7 人）。",
        "The 评议小组 sheet lists no members for {community} on {date}: add the 5 to 7 "
        "members of that sitting.",
    ),
    "ledger.panel.absent": (
        "台账没有“评议小组”页：{count} 次评议的小组成员没有记录（建议按模板补上）。",
        "The ledger has no 评议小组 sheet: the panels of {count} sitting(s) are not on "
        "record (add it as in the template).",
    ),
    "ledger.eval.level_above": (
        "项目 {code} 的分值表只列：{levels}；更高的级别按表内最高级别计分。",
        "Item {code} lists only these levels: {levels}; a higher level counts as the "
        "highest listed one.",
    ),
    "ledger.eval.level_below": (
        "项目 {code} 的分值表只列：{levels}；更低的级别计 0 分。",
        "Item {code} lists only these levels: {levels}; a lower level earns 0 points.",
    ),
    "ledger.eval.level_unexpected": (
        "项目 {code} 不分级别，请把“级别”留空。",
        "Item {code} has no levels; leave the level cell empty.",
    ),
    "ledger.eval.points_missing": (
        "项目 {code} 由评议小组定分，请在“分值”填 {low}–{high} 的整数。",
        "Item {code} is scored by the panel: put a whole number from {low} to {high} in "
        "the points cell.",
    ),
    "ledger.eval.points_invalid": (
        "项目 {code} 的分值须是 {low}–{high} 的整数（减分项也填正数）。",
        "Points of item {code} must be a whole number from {low} to {high} (positive for "
        "deductions too).",
    ),
    "ledger.eval.points_unexpected": (
        "项目 {code} 的分值由政策规定，请把“分值”留空。",
        "Item {code} has its points set by the policy; leave the points cell empty.",
    ),
    "ledger.invalid": (
        "台账有 {count} 处错误，请先运行 sx ledger check 查看并改正。",
        "The ledger has {count} error(s); run sx ledger check to see and fix them.",
    ),
    "ledger.help.group": (
        "检查居民台账，生成台账模板。",
        "Check resident ledgers, write the template.",
    ),
    "ledger.help.check": (
        "检查台账（.xlsx 或 CSV 文件夹）并列出所有问题；无错误时退出码为 0。",
        "Check a ledger (.xlsx or CSV folder) and list every problem; exit 0 when it has "
        "no errors.",
    ),
    "ledger.help.json": (
        "以一个 JSON 文档输出结果。",
        "Print the result as one JSON document.",
    ),
    "ledger.help.drop_unknown": (
        "舍弃不属于台账格式的列（会作为警告列出），而不是报错。",
        "Drop columns outside the ledger format (listed as a warning) instead of failing.",
    ),
    "ledger.help.as_of": (
        "评议日期 YYYY-MM-DD（默认今天），出生日期不得晚于此日。",
        "Evaluation date YYYY-MM-DD (default today); birth dates must not be later.",
    ),
    "ledger.help.template": (
        "生成带下拉选项和填写说明的空白台账模板（.xlsx）。",
        "Write a blank ledger template (.xlsx) with drop-down lists and instructions.",
    ),
    "ledger.help.out": ("输出文件（.xlsx）。", "Output file (.xlsx)."),
    "ledger.check.errors": ("错误", "Errors"),
    "ledger.check.warnings": ("警告", "Warnings"),
    "ledger.check.sheet": ("“{sheet}”表", "Sheet {sheet}"),
    "ledger.check.row": ("第 {row} 行", "row {row}"),
    "ledger.check.file": ("整表", "whole sheet"),
    "ledger.check.counts": (
        "已读取：“居民”表 {residents} 行，“评议”表 {evaluations} 行。",
        "Read: {residents} row(s) of residents, {evaluations} row(s) of evaluations.",
    ),
    "ledger.check.summary_ok": (
        "台账检查通过：无错误，{warnings} 条警告。",
        "Ledger OK: no errors, {warnings} warning(s).",
    ),
    "ledger.check.summary_fail": (
        "台账未通过检查：{errors} 处错误，{warnings} 条警告。请改正后再运行 sx ledger check。",
        "Ledger failed the check: {errors} error(s), {warnings} warning(s). Fix them and "
        "run sx ledger check again.",
    ),
    "ledger.check.progress": ("已读取 {rows} 行…", "{rows} rows read…"),
    "ledger.template.written": ("模板已写入 {path}", "Template written to {path}"),
    "ledger.template.title": ("居民台账填写说明", "How to fill in the resident ledger"),
    "ledger.template.intro": (
        "本台账用于全民授信评议。“居民”表每人一行，“评议”表每条评议记录一行；"
        "请勿改动表头和工作表名称，不要增加其他列。",
        "This ledger feeds the credit evaluation. Sheet 居民 (residents): one row per "
        "subject; sheet 评议 (evaluations): one row per panel record. Do not change the "
        "headers or sheet names and do not add columns.",
    ),
    "ledger.template.rule_id": (
        "身份证号：18 位，末位 X 用大写；该列已设为文本格式，请勿改成数字格式。",
        "ID number: 18 characters, a final X in capitals; the column is formatted as text, "
        "keep it so.",
    ),
    "ledger.template.rule_bool": (
        "是否类列：从下拉框选“是”或“否”。",
        "Yes/no columns: pick 是 (yes) or 否 (no) from the drop-down.",
    ),
    "ledger.template.rule_phone": (
        "联系电话：11 位手机号，或带区号的固定电话（如 0537-1234567）。",
        "Phone: an 11-digit mobile number or a landline with its area code (e.g. 0537-1234567).",
    ),
    "ledger.template.rule_eval": (
        "评议：项目代码见下表；分级项目须选级别，B9、D12 在“分值”填 1–50 的整数，"
        "其余项目“级别”“分值”留空；评议日期写成 2022-06-28。",
        "Evaluations: codes in the table below; levelled items need a level, B9 and D12 "
        "need points 1-50, leave level and points empty otherwise; dates as 2022-06-28.",
    ),
    "ledger.template.policy": ("评分政策：{policy}", "Scoring policy: {policy}"),
    "ledger.template.col_code": ("项目代码", "Code"),
    "ledger.template.col_item": ("附件2 项目", "Annex 2 item"),
    "ledger.template.col_kind": ("类型", "Kind"),
    "ledger.template.col_points": ("分值", "Points"),
    "ledger.template.kind.levelled": ("按级别计分", "by level"),
    "ledger.template.kind.fixed": ("固定分值", "fixed"),
    "ledger.template.kind.panel": ("评议小组定分", "set by the panel"),
    "ledger.template.kind.veto": ("一票否决", "one-vote veto"),
    "ledger.template.points.panel": ("评议定分 {low}～{high}", "panel sets {low} to {high}"),
    "ledger.template.points.veto": ("否决", "veto"),
}

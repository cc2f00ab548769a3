"""Messages of the decisions report (``sx report``): page texts, errors, help (``report.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "report.publish.exists": (
        "{path} 已存在，未写入任何公示文件：请换一个文件夹或先移走旧文件。",
        "{path} exists; no notice was written: choose another folder or move the old files.",
    ),
    "report.publish.folder": (
        "无法创建公示文件夹 {path}。",
        "Cannot create the notice folder {path}.",
    ),
    # Page: header
    "report.title": ("全民授信 评议结果报告", "Universal Credit Programme — Evaluation Results"),
    "report.lead": (
        "本报告汇总信用评议小组的评议结果和据此核定的预授信额度，供镇（街道）和银行管理人员掌握整体进度。",
        "A summary of the credit-evaluation panels' results and the pre-approved credit lines "
        "they lead to, for township and bank management.",
    ),
    "report.meta.as_of": ("评议基准日", "Evaluation date"),
    "report.meta.policy": ("评分政策", "Scoring policy"),
    "report.meta.lpr": ("基准日一年期LPR", "One-year LPR on that date"),
    "report.meta.lpr_value": ("{rate}（{date} 起执行）", "{rate} (in force since {date})"),
    "report.meta.generated": ("报告生成时间", "Generated"),
    "report.meta.subjects": ("参评主体", "Subjects evaluated"),
    "report.meta.unknown": ("未知", "unknown"),
    "report.policy_mismatch": (
        "注意：所用政策文件与评议时的政策（{scored}）不一致，项目名称和LPR以所用文件为准。",
        "Note: the policy file used here differs from the one the decisions were scored with "
        "({scored}); item names and the LPR come from the file used here.",
    ),
    # Page: headline cards
    "report.card.subjects": ("参评主体", "Subjects scored"),
    "report.card.subjects_note": (
        "分布在 {communities} 个社区（村）",
        "in {communities} communities",
    ),
    "report.card.approved": ("获得授信", "Approved"),
    "report.card.approved_note": ("授信覆盖率 {share}", "{share} coverage"),
    "report.card.credit": ("授信总额", "Total credit lines"),
    "report.card.credit_note": (
        "预授信额度，并非已发放贷款",
        "pre-approved lines, not loans drawn",
    ),
    "report.card.average": ("平均授信额度", "Average credit line"),
    "report.card.average_note": ("按获得授信的主体计算", "per approved subject"),
    "report.card.rate": ("平均执行利率", "Average rate"),
    "report.card.rate_note": ("年利率，下限为LPR {lpr}", "per year, floor: LPR {lpr}"),
    "report.money": ("{wan} 万元", "{m}m yuan"),
    "report.money.small": ("{wan} 万元", "{yuan} yuan"),
    "report.money.target": ("{yi} 亿元", "{m}m yuan"),
    "report.none": ("—", "—"),
    # Statuses
    "report.status.approved": ("获得授信", "Approved"),
    "report.status.declined": ("评分未达标", "Declined (score too low)"),
    "report.status.ineligible": ("不符合准入条件", "Ineligible"),
    "report.status.vetoed": ("一票否决", "Vetoed"),
    # Section: communities
    "report.plan.title": ("授信覆盖面与两级额度", "Coverage and the two lines"),
    "report.plan.note": (
        "覆盖率按方案口径：获得授信 ÷ 符合条件的主体（基础项达标），旁列获得授信 ÷ 全部参评主体；"
        "初始（体验）额度与评议提额后的额度并列。不足 {small} 人的格子显示为“<{small}”，"
        "由它算出的比例和金额不显示。",
        "Coverage as the plan counts it: approved ÷ eligible subjects (base item met), "
        "beside approved ÷ all subjects; the initial (体验) line beside the evaluated one. "
        "Cells of fewer than {small} people show as '<{small}' and the shares and sums "
        "drawn from them are left out.",
    ),
    "report.plan.headline": (
        "授信覆盖率（获得授信 ÷ 符合条件的主体）：{of_eligible}；占全部参评主体：{of_all}。",
        "Coverage (approved ÷ eligible): {of_eligible}; approved ÷ all subjects: {of_all}.",
    ),
    "report.plan.community": ("社区（村）", "Community"),
    "report.plan.subjects": ("参评", "Scored"),
    "report.plan.eligible": ("符合条件", "Eligible"),
    "report.plan.approved": ("获得授信", "Approved"),
    "report.plan.of_eligible": ("÷ 符合条件", "÷ eligible"),
    "report.plan.of_all": ("÷ 全部", "÷ all"),
    "report.plan.initial": ("初始额度合计", "Initial lines"),
    "report.plan.credit": ("评议后额度合计", "Evaluated lines"),
    "report.plan.wan": ("{wan} 万元（{yuan} 元）", "¥{yuan} ({wan} 万)"),
    "report.adjust.title": ("银行调整（社区评分、银行授信）", "The bank's adjustments"),
    "report.adjust.note": (
        "农商银行按征信、评议小组建议、线下例外等原因对单笔授信所作的调整，按调整项和原因代码计数。",
        "Single decisions the bank changed (credit record, the panel's proposal, an offline "
        "exception…), counted by change and reason code.",
    ),
    "report.adjust.none": ("银行未作调整。", "The bank changed no decision."),
    "report.adjust.change": ("调整项", "Change"),
    "report.adjust.reason": ("原因", "Reason"),
    "report.adjust.count": ("笔数", "Decisions"),
    "report.adjust.what.decline": ("不予授信", "Declined"),
    "report.adjust.what.limit": ("调整额度", "Line set"),
    "report.adjust.what.rate": ("调整利率", "Rate set"),
    "report.adjust.reason.credit": ("征信", "credit record"),
    "report.adjust.reason.panel": ("评议小组建议", "the panel's proposal"),
    "report.adjust.reason.offline": ("线下例外", "offline exception"),
    "report.adjust.reason.verify": ("银行核实", "the bank's verification"),
    "report.adjust.reason.customer": ("客户申请", "the customer's request"),
    "report.sittings.title": ("信用评议小组", "The credit-evaluation panel's sittings"),
    "report.sittings.note": (
        "每次评议（社区、日期）的小组人数和组成（不含姓名），以及评议到的主体数。",
        "Each sitting (community, date): the panel's size and make-up (no names) and the "
        "subjects it evaluated.",
    ),
    "report.sittings.date": ("评议日期", "Date"),
    "report.sittings.members": ("人数", "Members"),
    "report.sittings.roles": ("组成", "Roles"),
    "report.sittings.subjects": ("评议主体数", "Subjects evaluated"),
    "report.sittings.none": (
        "评分包中没有评议小组名单（台账没有“评议小组”页）。",
        "The package carried no panel roster (the ledger had no 评议小组 sheet).",
    ),
    "report.community.title": ("各社区（村）授信覆盖情况", "Coverage by community"),
    "report.community.note": (
        "每行一个社区（村），按参评主体数从多到少排列；条形内为各类结果的主体数，右侧为授信覆盖率。",
        "One row per community, largest first; the numbers inside the bars are subjects by "
        "result, the share on the right is the approval coverage.",
    ),
    "report.community.row_note": (
        "共 {subjects} 个 · 覆盖率 {share}",
        "{subjects} · {share} approved",
    ),
    "report.community.chart": ("各社区评议结果", "Results by community"),
    # Section: limits and rates
    "report.limits.title": ("授信额度分布", "Credit limits"),
    "report.limits.note": (
        "仅统计获得授信的主体，按每 1 万元分段；分段含上限，如“4–5万”包括 5 万元整。",
        "Approved subjects only, in bands of 10,000 yuan; a band includes its upper bound "
        "(the 40–50k band includes 50,000 yuan).",
    ),
    "report.limits.band_first": ("≤1万", "≤10k"),
    "report.limits.band": ("{low}–{high}万", "{low}0–{high}0k"),
    "report.limits.chart": ("授信额度分布（主体数）", "Credit limits (subjects)"),
    "report.limits.capped": (
        "其中 {count} 个主体的额度因主体类型上限或线上最高额度而封顶。",
        "{count} subject(s) were held at their subject type's cap or the online ceiling.",
    ),
    "report.rates.title": ("执行利率分布", "Interest rates"),
    "report.rates.note": (
        "仅统计获得授信的主体；加分越多利率越低，最低不低于一年期LPR。条形上方为主体数和占比。",
        "Approved subjects only; more bonus points mean a lower rate, never below the "
        "one-year LPR. Above each bar: subjects and their share.",
    ),
    "report.rates.bar_text": ("{count}（{share}）", "{count} ({share})"),
    "report.rates.lpr": ("LPR下限", "LPR floor"),
    "report.rates.chart": ("执行利率分布（主体数）", "Interest rates (subjects)"),
    "report.rates.floored": (
        "其中 {count} 个主体的利率按LPR下限执行。",
        "{count} subject(s) are at the LPR floor.",
    ),
    # Section: targets
    "report.targets.title": ("授信总额与方案目标", "Credit lines against the plan's targets"),
    "report.targets.note": (
        "方案目标指新增涉农贷款。此处比较的是预授信额度合计：额度要等村民实际用信后才形成贷款，"
        "所以这里反映的是可支撑目标的授信规模，并不是已完成的放款额。",
        "The plan's targets are new agricultural loans. What is compared here is the sum of "
        "pre-approved credit lines: a line becomes a loan only when it is drawn, so this shows "
        "the capacity built towards each target, not loans made.",
    ),
    "report.targets.2022": ("2022年 新增涉农贷款 1亿元", "2022: new agricultural loans, 100m yuan"),
    "report.targets.2023": ("到2023年 累计 3亿元", "By 2023: 300m yuan in total"),
    "report.targets.2024": ("到2024年 累计 5亿元", "By 2024: 500m yuan in total"),
    "report.targets.target": ("目标 {amount}", "target {amount}"),
    "report.targets.progress": (
        "预授信额度 {amount}，相当于目标的 {share}",
        "pre-approved lines {amount}, {share} of the target",
    ),
    "report.targets.reached": (
        "预授信额度 {amount}，已超过目标（{share}）",
        "pre-approved lines {amount}, above the target ({share})",
    ),
    # Section: items
    "report.items.title": ("评议项目统计", "Evaluation items"),
    "report.items.note": (
        "按涉及的主体数排列（同一主体同一项目只计一次），项目名称取自评分政策附件2。",
        "By number of subjects concerned (each subject counted once per item); item names as "
        "in Annex 2 of the scoring policy.",
    ),
    "report.items.bonus": ("加分项", "Bonus items"),
    "report.items.deduction": ("减分项", "Deduction items"),
    "report.items.veto": ("否定项（一票否决）", "Veto items"),
    "report.items.ineligible": ("不符合准入条件的原因", "Reasons for ineligibility"),
    "report.items.code": ("代码", "Code"),
    "report.items.name": ("项目", "Item"),
    "report.items.count": ("主体数", "Subjects"),
    "report.items.empty": ("无", "None"),
    "report.reason.E_AGE": ("年龄不在 {low}–{high} 周岁之间", "Age outside {low}–{high}"),
    "report.reason.E_CAPACITY": ("不具有完全民事行为能力", "No full civil capacity"),
    "report.reason.E_RESIDENCE": ("无固定住所", "No fixed residence"),
    "report.reason.E_INCOME": ("无固定收入来源", "No fixed income source"),
    "report.reason.E_BAD_CREDIT": ("有重大不良信用记录", "Major bad credit record"),
    # Section: subject types
    "report.types.title": ("按主体类型", "By subject type"),
    "report.types.type": ("主体类型", "Subject type"),
    "report.types.subjects": ("参评", "Scored"),
    "report.types.approved": ("获得授信", "Approved"),
    "report.types.share": ("覆盖率", "Coverage"),
    "report.types.credit": ("授信总额", "Credit lines"),
    "report.types.average": ("平均额度", "Average line"),
    "report.types.cap": ("额度上限", "Cap"),
    "report.types.total": ("合计", "Total"),
    "report.types.chart": ("各类主体授信总额", "Credit lines by subject type"),
    "report.type.farmer": ("农户", "农户 (farm households)"),
    "report.type.new_agri": ("新型农业经营主体", "新型农业经营主体 (new agricultural businesses)"),
    "report.type.business": ("个体工商户", "个体工商户 (self-employed businesses)"),
    # Footer
    "report.footer": (
        "本报告只含汇总数字，不含任何居民姓名、身份证号、主体编号或逐户明细。",
        "This report holds aggregates only: no names, ID numbers, subject identifiers or "
        "per-subject rows.",
    ),
    "report.footer.source": (
        "数据来源：{policy} 评议结果，共 {subjects} 条。",
        "Source: decisions under {policy}, {subjects} rows.",
    ),
    # Errors
    "report.input.missing": ("找不到评议结果文件：{path}", "Decisions file not found: {path}"),
    "report.input.unsupported": (
        "无法读取“{suffix}”格式的评议结果，请提供 .csv、.parquet 或 .xlsx 文件。",
        "Cannot read decisions from a '{suffix}' file; use .csv, .parquet or .xlsx.",
    ),
    "report.input.unreadable": (
        "评议结果文件 {path} 无法读取，文件可能已损坏或不是 sx score 生成的结果。",
        "Cannot read the decisions file {path}: it is damaged or was not written by sx score.",
    ),
    "report.input.columns": (
        "评议结果缺少必需的列：{columns}。请使用 sx score 生成的结果文件。",
        "The decisions lack required column(s): {columns}. Use a file written by sx score.",
    ),
    "report.input.values": (
        "评议结果的“{column}”列有无法识别的内容，请使用 sx score 生成的结果文件。",
        "The decisions' '{column}' column holds values that are not understood; use a file "
        "written by sx score.",
    ),
    # CLI
    "report.help.command": (
        "根据评议结果生成汇总报告（HTML，含图表，只含汇总数字，不含个人信息）。",
        "Make a summary report (HTML with charts; aggregates only, no personal data) from "
        "decisions.",
    ),
    "report.help.out": ("报告保存位置（.html 文件）", "Where to write the report (.html)"),
    "report.help.policy": (
        "评分政策的名称或文件（默认按评议结果中记录的政策）",
        "Scoring policy id or file (default: the one named in the decisions)",
    ),
    "report.cli.written": (
        "报告已生成：{path}",
        "Report written: {path}",
    ),
    "report.risk.title": ("再识别风险（评分数据）", "Re-identification risk of the scored data"),
    "report.risk.note": (
        "封装时在社区测得并写入签名清单：仅凭评分密钥可见的各列，能单独确定一条记录（即唯一）的"
        "记录所占比例，以及最小的相同记录组的大小。",
        "Measured at the community when the package was sealed and recorded in its signed "
        "manifest: the share of rows that the columns the scoring key sees single out "
        "(unique), and the size of the smallest group of identical rows.",
    ),
    "report.risk.group": ("数据组", "Group"),
    "report.risk.columns": ("准标识列", "Quasi-identifiers"),
    "report.risk.rows": ("记录数", "Rows"),
    "report.risk.unique": ("唯一记录占比", "Unique rows"),
    "report.risk.smallest": ("最小组", "Smallest class"),
    "report.risk.separator": ("、", ", "),
    "report.risk.group.scoring": ("评分数据", "scoring"),
    "report.risk.group.evaluations": ("评议记录", "evaluations"),
    "report.risk.column.community": ("所属社区", "community"),
    "report.risk.column.subject_type": ("主体类型", "subject type"),
    "report.risk.column.full_civil_capacity": ("完全民事行为能力", "full civil capacity"),
    "report.risk.column.fixed_residence": ("固定住所", "fixed residence"),
    "report.risk.column.fixed_income": ("固定收入来源", "fixed income"),
    "report.risk.column.major_bad_credit": ("重大不良信用记录", "major bad credit"),
    "report.risk.column.age_status": ("年龄条件", "age status"),
    "report.risk.column.age_from": ("满18周岁日", "18th birthday"),
    "report.risk.column.age_until": ("满61周岁日", "61st birthday"),
    "report.risk.column.age_window": ("年龄信息适用期", "age facts' window"),
    "report.risk.column.birth_date": ("出生日期", "birth date"),
    "report.risk.column.sex": ("性别", "sex"),
    "report.risk.column.code": ("项目代码", "item code"),
    "report.risk.column.level": ("级别", "level"),
    "report.risk.column.points": ("分值", "points"),
    "report.risk.column.panel_date": ("评议日期", "panel date"),
    "report.help.package": (
        "被评分的数据包（已导入）：在报告中列出其记录的重识别风险",
        "The scored package (imported here): its recorded re-identification risk is shown",
    ),
}

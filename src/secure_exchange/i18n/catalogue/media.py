"""Messages of dedicated USB media (专用U盘): enrolment, checks and the listing (``media.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    # --- refusals and failures (one line each) ---
    "media.no_label": (
        "{path} 不在专用U盘上：U盘根目录下没有登记标签（SX-MEDIA.json）。请换用本站已登记的专用U盘，或先运行 sx media enroll 登记。",
        "{path} is not on dedicated media: there is no label (SX-MEDIA.json) at the stick's root. Use a stick this station enrolled, or enrol it first with sx media enroll.",
    ),
    "media.forged": (
        "专用U盘（编号 {id}）的标签在登记后被改动过，或签名不对，不能使用；请交管理员核查，必要时重新登记。",
        "The label of dedicated media {id} was changed after enrolment or its signature does not match; do not use this stick. Have an administrator check it and re-enrol it if need be.",
    ),
    "media.label_damaged": (
        "{path} 上的U盘标签已损坏，无法识别，不能作为专用U盘使用；请重新登记（sx media enroll）。",
        "The media label at {path} is damaged and cannot be read; the stick cannot be used as dedicated media. Enrol it again (sx media enroll).",
    ),
    "media.other_unit": (
        "这是“{unit}”的专用U盘，不是本单位（{org}）的，不能使用。",
        "This is dedicated media of {unit}, not of this unit ({org}); it cannot be used.",
    ),
    "media.not_registered": (
        "这个U盘（编号 {id}）虽标明属于本单位，但不是在本工作站登记的，不能使用；如确属本站，请在本工作站重新登记（sx media enroll）。",
        "This stick ({id}) is labelled for this unit but was not enrolled at this station, so it cannot be used; if it belongs here, enrol it again at this station (sx media enroll).",
    ),
    "media.volume_mismatch": (
        "专用U盘 {id} 的标签登记在卷 {volume} 上，现在却在卷 {found} 上：标签文件是从别的U盘复制过来的，不能使用；请交管理员核查。",
        "The label of dedicated media {id} was enrolled on volume {volume} but is now on volume {found}: its files were copied from another stick. Do not use it; have an administrator check it.",
    ),
    "media.volume_unknown": (
        "专用U盘 {id} 的标签登记在卷 {volume} 上，但现在无法读出该位置所在的卷，无法确认是同一个U盘，不能使用。",
        "The label of dedicated media {id} was enrolled on volume {volume}, but the volume of this folder cannot be read now, so it cannot be shown to be the same stick; it cannot be used.",
    ),
    "media.enroll_other_unit": (
        "{path} 已登记为“{unit}”的专用U盘，不能改登记到本单位；请归还对方单位，或换一个U盘。",
        "{path} is already enrolled as dedicated media of {unit} and cannot be taken over by this unit; return it, or use another stick.",
    ),
    "media.not_a_folder": (
        "{path} 不是一个文件夹，请指定U盘的根目录（例如 /media/用户名/U盘名 或 E:\\）。",
        "{path} is not a folder; give the root of the stick (for example /media/USER/STICK or E:\\).",
    ),
    "media.key_not_allowed": (
        "密钥 {name} 不能用来登记专用U盘：只能用本工作站的经办人密钥（officer）或签章密钥（seal）。",
        "Key {name} cannot enrol dedicated media: only an officer or seal key of this station can.",
    ),
    "media.no_officer_key": (
        "本工作站还没有经办人密钥，无法登记U盘；请先运行 sx keys new 名称 --purpose officer。",
        "This station has no officer key yet, so it cannot enrol a stick; run sx keys new NAME --purpose officer first.",
    ),
    "media.choose_key": (
        "请用 --as 指明由哪把密钥登记这个U盘（可选：{names}）。",
        "Say with --as which key enrols this stick (one of: {names}).",
    ),
    "media.write_unverified": (
        "写入 {path} 后读回的U盘标签与写入的不一致，U盘可能有故障；请换一个U盘。",
        "The media label read back from {path} differs from what was written; the stick may be faulty. Use another stick.",
    ),
    # --- CLI output ---
    "media.enrolled": (
        "已登记为专用U盘：编号 {id}，所属单位 {unit}。",
        "Enrolled as dedicated media: id {id}, unit {unit}.",
    ),
    "media.list_empty": (
        "本工作站还没有登记任何专用U盘。",
        "This station has not enrolled any dedicated media yet.",
    ),
    "media.list_header": (
        "编号      登记人              登记时间              状态",
        "ID        enrolled by         when                  state",
    ),
    "media.state.present": ("已插入（{where}）", "present ({where})"),
    "media.state.absent": ("未插入", "absent"),
    "media.state.altered": (
        "已插入但标签被改动（{where}），不能使用",
        "present but its label was changed ({where}); do not use",
    ),
    # --- help texts ---
    "media.help.group": (
        "专用U盘：登记本单位的U盘、查看已登记的U盘。",
        "Dedicated USB media: enrol this unit's sticks and list them.",
    ),
    "media.help.enroll": (
        "把给出的路径（U盘根目录）登记为本单位的专用U盘：写入签名标签并记入本站登记簿。",
        "Enrol the stick whose root is PATH as this unit's dedicated media: write a signed label and record it in this station's register.",
    ),
    "media.help.as": (
        "用哪把密钥登记（经办人或签章密钥；本站只有一把经办人密钥时可省略）。",
        "The key that enrols the stick (officer or seal; may be left out when the station has one officer key).",
    ),
    "media.help.list": (
        "列出本站登记的专用U盘，以及现在是否插在本机上。",
        "List this station's dedicated media and whether each is plugged in now.",
    ),
    "media.help.root": (
        "另外查找U盘的目录（可重复；默认查看 /media、/mnt、/run/media 和 D:–Z: 盘）。",
        "Another folder to look for sticks in (repeatable; /media, /mnt, /run/media and D:–Z: are always searched).",
    ),
    "media.help.json": ("以一个 JSON 文档输出。", "Output one JSON document."),
}

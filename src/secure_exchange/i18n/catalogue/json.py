"""Messages of the JSON reader (formats.canonjson): why a document was refused (``json.*``)."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "json.duplicate_key": (
        "JSON 文档中键“{key}”出现了两次，内容含糊，拒绝读取。",
        "The JSON document names the key “{key}” twice; it is ambiguous and refused.",
    ),
    "json.not_finite": (
        "JSON 文档含有非法数值 {value}，拒绝读取。",
        "The JSON document holds the invalid number {value}; refused.",
    ),
    "json.number_too_long": (
        "JSON 文档中的数字位数过多，拒绝读取。",
        "The JSON document holds a number with too many digits; refused.",
    ),
    "json.not_utf8": (
        "JSON 文档不是 UTF-8 编码，拒绝读取。",
        "The JSON document is not UTF-8; refused.",
    ),
    "json.too_deep": (
        "JSON 文档嵌套超过 {limit} 层，拒绝读取。",
        "The JSON document nests deeper than {limit} levels; refused.",
    ),
    "json.malformed": (
        "JSON 文档格式错误，无法读取。",
        "The JSON document is malformed.",
    ),
}

"""Messages about the cells and rows of an imported file (``connectors/files/cells.py``, ``row_rules.py``).

``v`` is the cell's text as the file has it; ``what`` the contract column.
"""

CATALOG = {
    "empty": {"zh-CN": "{what} 为空", "en": "{what} is empty"},
    "id_sci": {
        "zh-CN": "ID 被表格软件改成了科学计数法：{v!r}；请把 ID 列导出为文本",
        "en": "id mangled by a spreadsheet (scientific notation): {v!r}; export ids as text",
    },
    "id_decimal": {
        "zh-CN": "ID {v!r} 是小数（数字单元格，而非文本）；请把 ID 列导出为文本",
        "en": "id {v!r} is a decimal number (a number cell, not text); export ids as text",
    },
    "id_charset": {
        "zh-CN": "ID {v!r} 只能包含字母、数字、'_'、'-' 和 '.'（不含空格），并以字母或数字开头",
        "en": "id {v!r} may hold only letters, digits, '_', '-' and '.' (no spaces), starting with a letter or digit",
    },
    "id_precision": {
        "zh-CN": "ID {v!r} 的末几位被表格软件的 15 位精度截掉了（此列的长 ID 都以 0 结尾）；请把 ID 列导出为文本",
        "en": "id {v!r} lost its last digits to a spreadsheet's 15-digit precision (every long id in this "
        "column ends in zeros); export ids as text",
    },
    "nan": {"zh-CN": "{what} 为 {v!r}：此处 NaN/inf 不是数字", "en": "{what} is {v!r}: NaN/inf is not a number here"},
    "not_number": {"zh-CN": "{what} 不是数字：{v!r}", "en": "{what} is not a number: {v!r}"},
    "not_positive": {"zh-CN": "{what} 必须大于 0，实际为 {v!r}", "en": "{what} must be greater than 0, got {v!r}"},
    "negative": {"zh-CN": "{what} 为负数：{v!r}", "en": "{what} is negative: {v!r}"},
    "not_whole": {"zh-CN": "{what} 必须是整数，实际为 {v!r}", "en": "{what} must be a whole number, got {v!r}"},
    "too_large": {"zh-CN": "{what} 大得不合理：{v!r}", "en": "{what} is implausibly large: {v!r}"},
    "date_range": {
        "zh-CN": "{v!r} 是一个日期区间：请按天（分日）导出报表，每天一行",
        "en": "{v!r} is a date range: export the report by day (分日), one row per day",
    },
    "not_date": {"zh-CN": "不是日期：{v!r}（请用 YYYY-MM-DD）", "en": "not a date: {v!r} (use YYYY-MM-DD)"},
    "date_future": {"zh-CN": "日期 {v} 在未来（晚于 {latest}）", "en": "date {v} is in the future (after {latest})"},
    "date_early": {
        "zh-CN": "日期 {v} 早于 {year} 年：是表格软件的日期序号还是笔误？",
        "en": "date {v} is before {year}: a spreadsheet date serial or a typo?",
    },
    "unknown_value": {
        "zh-CN": "未知的 {what} {v!r}（可用：{allowed}）",
        "en": "unknown {what} {v!r} (expected {allowed})",
    },
    "bid_no_type": {
        "zh-CN": "给出了出价 {v}，但出价方式为 none（放量投放没有出价）",
        "en": "bid {v} given but bid_type is none (max delivery has no bid)",
    },
    "unknown_promotion": {
        "zh-CN": "未知的推广类型 {v!r}（应为 标准推直播/标准推商品/全域推直播/全域推商品）；请添加 channel 列",
        "en": "unknown 推广类型 {v!r} (expected 标准推直播/标准推商品/全域推直播/全域推商品); add a channel column",
    },
    "duplicate_rows": {
        "zh-CN": "重复的行不一致：第 {first} 行和第 {second} 行都是计划 {campaign}（账户 {account}）在 {date} 的数据，"
        "但 {what}；后一行只能向上修正 gmv/orders",
        "en": "duplicate rows disagree: rows {first} and {second} are both campaign {campaign} (account {account}) "
        "on {date}, but {what}; a later row may only restate gmv/orders upward",
    },
    "mixed_currency": {
        "zh-CN": "账户 {account} 混用了币种：此处为 {here}，其他行为 {elsewhere}；一个账户只能有一种币种",
        "en": "account {account} mixes currencies: {here} here, {elsewhere} elsewhere; one account has one currency",
    },
}

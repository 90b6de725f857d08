"""Messages about imported files (``connectors/files``): a ``Problem`` names its key and fields here."""

CATALOG = {
    "twin_columns": {
        "zh-CN": "列 {first!r} 和 {second!r} 都表示 {column}，但数值不同（{a!r} 与 {b!r}，共 {n} 行）：请删除错误的一列",
        "en": "columns {first!r} and {second!r} both mean {column} but differ ({a!r} vs {b!r}; {n} row(s)): "
        "delete the one that is wrong",
    },
    "many_sheets": {
        "zh-CN": "工作簿有 {n} 个工作表含数据（{sheets}）：请用 --sheet 名称 指定一个（或逐个导入）",
        "en": "the workbook has data on {n} sheets ({sheets}): pick one with --sheet NAME (or import each sheet on its own)",
    },
    "no_sheet": {
        "zh-CN": "工作簿中没有工作表 {sheet!r}（现有：{sheets}）",
        "en": "no sheet {sheet!r} in the workbook (sheets: {sheets})",
    },
    "missing_column": {
        "zh-CN": "缺少必需的列 {column!r}（可用的表头：{accepted}）",
        "en": "missing required column {column!r} (accepted headers: {accepted})",
    },
    "account_conflict": {
        "zh-CN": "计划 {campaign} 已存于账户 {stored}，而 --account 指定为 {given}：同一计划不能属于两个账户",
        "en": "campaign {campaign} is stored under account {stored}, but --account says {given}: "
        "one campaign belongs to one account",
    },
}

CATALOG.update(
    {
        "assumed_cpa": {
            "zh-CN": "{file}：没有出价方式列，{n} 行按 {header!r} 记为控成本出价（cpa）",
            "en": "{file}: no bid type column; {n} row(s) with {header!r} read as CPA bids (cpa)",
        },
        "assumed_roi": {
            "zh-CN": "{file}：没有出价方式列，{n} 行按 {header!r} 记为 ROI 目标出价（roi）",
            "en": "{file}: no bid type column; {n} row(s) with {header!r} read as ROI targets (roi)",
        },
        "no_bid_type": {
            "zh-CN": "{file}：没有出价或出价方式列：出价保持不变，只调预算",
            "en": "{file}: no bid or bid type column: bids are left as they are, only budgets move",
        },
        "channel_from": {
            "zh-CN": "{file}：渠道取自 {headers}",
            "en": "{file}: channel read from {headers}",
        },
        "channel_default": {
            "zh-CN": "{file}：{n} 行没有渠道（无渠道/推广类型/营销场景列），记为 default",
            "en": "{file}: {n} row(s) name no channel (no channel, 推广类型 or 营销场景 column): channel default",
        },
        "account_default": {
            "zh-CN": "{n} 个计划的文件没有账户ID：记为账户 default（可用 --account 指定）",
            "en": "{n} campaign(s) from files without an account id: account default (--account names one)",
        },
        "account_given": {
            "zh-CN": "{n} 个计划的文件没有账户ID：记为 --account {account}",
            "en": "{n} campaign(s) from files without an account id: account {account} (--account)",
        },
        "account_known": {
            "zh-CN": "{n} 个计划的文件没有账户ID：归入已存的账户 {accounts}",
            "en": "{n} campaign(s) from files without an account id: kept under their stored account {accounts}",
        },
    }
)

CATALOG.update(
    {
        "missing_column_basis": {
            "zh-CN": "缺少必需的列 {column!r}（可用的表头：{accepted}）；此文件有 {found!r}，属于 gmv_basis {other!r}："
            '请在配置的 [data] 中设置 gmv_basis = "{other}"（或 SPENDOPT_DATA__GMV_BASIS={other}）',
            "en": "missing required column {column!r} (accepted headers: {accepted}); this file has {found!r}, "
            'which is gmv_basis {other!r}: set gmv_basis = "{other}" in the data section of the config '
            "(or SPENDOPT_DATA__GMV_BASIS={other})",
        },
        "no_input": {"zh-CN": "没有给出输入文件", "en": "no input file given"},
        "unreadable": {"zh-CN": "无法读取文件：{error}", "en": "cannot read the file: {error}"},
        "xls": {
            "zh-CN": "不支持旧版 Excel .xls：请另存为 .xlsx 或 CSV（UTF-8）",
            "en": "legacy Excel .xls is not supported: save it as .xlsx or CSV (UTF-8)",
        },
        "empty": {"zh-CN": "文件为空", "en": "the file is empty"},
        "bad_csv": {"zh-CN": "不是可读的 CSV 文件：{error}", "en": "not a readable CSV file: {error}"},
        "no_rows": {"zh-CN": "文件只有表头，没有数据行", "en": "the file has a header but no data rows"},
        "only_total": {"zh-CN": "文件没有数据行，只有合计行", "en": "the file has no data rows, only a total row"},
        "utf16": {"zh-CN": "UTF-16 文本在第 {at} 字节处损坏", "en": "broken UTF-16 text at byte {at}"},
        "nul": {
            "zh-CN": "这不是文本文件（含 NUL 字节）：请导出 CSV 或 XLSX",
            "en": "this is not a text file (it contains NUL bytes): export CSV or XLSX",
        },
        "utf8": {
            "zh-CN": "UTF-8 文本损坏（偏移 {at} 处的字节 {byte} 无效）；文件可能被截断或混用了两种编码：请重新导出",
            "en": "broken UTF-8 text (invalid byte {byte} at offset {at}); the file may be cut or mixed from two "
            "encodings: export it again",
        },
        "encoding": {
            "zh-CN": "文件既不是 UTF-8 也不是 GBK/GB18030 文本（偏移 {at} 处的字节 {byte} 无效）：请另存为 CSV UTF-8",
            "en": "the file is neither UTF-8 nor GBK/GB18030 text (invalid byte {byte} at offset {at}): "
            "save it as CSV UTF-8",
        },
        "past_header": {
            "zh-CN": "第 {n} 列的值 {v!r} 超出了最后一个表头列（第 {width} 列）：行未对齐",
            "en": "value {v!r} in column {n}, past the last header column ({width}): misaligned row",
        },
        "misaligned_long": {
            "zh-CN": "行未对齐：有 {n} 个字段，但表头只有 {width} 个（值里有未加引号的分隔符？）",
            "en": "misaligned row: {n} fields but the header has {width} (an unquoted delimiter inside a value?)",
        },
        "misaligned_short": {
            "zh-CN": "行未对齐：有 {n} 个字段，但表头有 {width} 个（缺了分隔符，或行被截断？）",
            "en": "misaligned row: {n} fields but the header has {width} (a missing delimiter or a cut-off row?)",
        },
        "bad_xlsx": {"zh-CN": "无法作为 XLSX 工作簿打开：{error}", "en": "cannot open as an XLSX workbook: {error}"},
        "no_sheets": {"zh-CN": "工作簿中没有工作表", "en": "the workbook has no sheets"},
        "column_twice": {
            "zh-CN": "列 {column!r} 出现了两次（第 {a} 列和第 {b} 列）",
            "en": "column {column!r} appears twice (columns {a} and {b})",
        },
        "money_unit": {
            "zh-CN": "金额列 {column!r} 的单位是 {unit!r}：请以“元”为单位导出金额",
            "en": "money column {column!r} is in {unit!r}: export amounts in 元",
        },
    }
)

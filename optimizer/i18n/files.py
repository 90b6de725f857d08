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

"""Why an edited review file is refused (``optimizer/act/review.py``, ``review_check.py``)."""

CATALOG = {
    "missing_columns": {
        "zh-CN": "缺少列 {columns}；文件必须保留导出时的所有列",
        "en": "missing column(s) {columns}; the file must keep the columns it was exported with",
    },
    "hint_xlsx": {
        "zh-CN": "提示：请在工作簿中把 ID 列保持为文本格式（@）；如已被转换，请重新导出",
        "en": "hint: keep the id columns formatted as Text (@) in the workbook; re-export if they were converted",
    },
    "hint_csv": {
        "zh-CN": "提示：Excel 打开 CSV 时会把长 ID 变成数字；请编辑旁边写出的 .xlsx 文件（其中 ID 为文本），"
        "或导入 CSV 时把 ID 列设为文本",
        "en": "hint: Excel turns long ids into numbers when it opens a CSV; edit the .xlsx file written next to "
        "it (its ids are text), or import the CSV with the id columns as Text",
    },
    "fixed_changed": {
        "zh-CN": "{column} 被改动了（{before} -> {after!r}）；只能编辑 {editable}，以及把 action 改为暂停或恢复",
        "en": "{column} was changed ({before} -> {after!r}); only {editable} may be edited, and action to pause "
        "or resume",
    },
    "approved": {
        "zh-CN": "approved 只能填 是 / 否（yes / no，y / n）或留空，实际为 {v!r}",
        "en": "approved must be yes or no (是 / 否, y / n) or empty, got {v!r}",
    },
    "action": {
        "zh-CN": "action 只能改为暂停（pause）或恢复（resume），实际为 {v!r}",
        "en": "action may be changed only to pause (暂停) or resume (恢复), got {v!r}",
    },
    "not_number": {"zh-CN": "不是数字：{v!r}", "en": "not a number: {v!r}"},
    "not_finite": {"zh-CN": "不是有限的数字：{v!r}", "en": "not a finite number: {v!r}"},
    "negative": {"zh-CN": "不能为负数：{v!r}", "en": "must not be negative: {v!r}"},
    "cents": {"zh-CN": "金额最多两位小数：{v!r}", "en": "money has at most 2 decimals: {v!r}"},
    "empty_value": {
        "zh-CN": "{column} 为空；请填写数值，或回答 否",
        "en": "{column} is empty; write a value or answer no",
    },
    "over_total": {
        "zh-CN": "本次审核生效后的预算合计为 {total}，超过 budget.total_daily = {limit}"
        "（已批准的行按建议预算计，其余按当前预算计）",
        "en": "the budgets in force after this review add up to {total}, above budget.total_daily = {limit} "
        "(approved rows at their recommended budget, the others at their current budget)",
    },
    "mixed_runs": {
        "zh-CN": "文件混有多次运行 {runs}：请一次只导入一次运行的文件",
        "en": "the file mixes runs {runs}: import one run's file at a time",
    },
    "no_run": {"zh-CN": "没有运行 {run_id!r} 的已保存建议", "en": "no stored recommendations for run {run_id!r}"},
    "twice": {
        "zh-CN": "计划 {campaign} 出现了两次（第一次在第 {row} 行）",
        "en": "campaign {campaign} appears twice (first on row {row})",
    },
    "no_recommendation": {
        "zh-CN": "运行 {run_id} 没有账户 {account} 计划 {campaign} 的建议",
        "en": "run {run_id} has no recommendation for campaign {campaign} of account {account}",
    },
    "resume_not_paused": {
        "zh-CN": "恢复只适用于已暂停的计划；此行计划的建议是 {action}",
        "en": "resume is for a paused campaign; this row's campaign is to {action}",
    },
    "resume_delivering": {
        "zh-CN": "恢复只适用于已暂停的计划；平台显示它正在投放",
        "en": "resume is for a paused campaign; the platform shows it delivering",
    },
    "below_minimum": {
        "zh-CN": "预算 {budget} 低于计划最低预算 {minimum}（填 0 表示暂停）",
        "en": "budget {budget} is below the minimum campaign budget {minimum} (write 0 to pause)",
    },
    "budget_step": {
        "zh-CN": "预算 {before} -> {after} 变动 {pct:.1f}%，超过 budget.max_change_pct = {limit}%",
        "en": "budget {before} -> {after} moves {pct:.1f}%, more than budget.max_change_pct = {limit}%",
    },
    "bid_step": {
        "zh-CN": "出价 {before} -> {after} 变动 {pct:.1f}%，超过 bid.max_change_pct = {limit}%",
        "en": "bid {before} -> {after} moves {pct:.1f}%, more than bid.max_change_pct = {limit}%",
    },
    "platform_refuses": {"zh-CN": "平台会拒绝：{why}", "en": "the platform would refuse it: {why}"},
    "no_bid": {
        "zh-CN": "此计划为放量投放（出价方式 none）：没有出价",
        "en": "this campaign bids for max delivery (bid_type none): it has no bid",
    },
    "verify": {"zh-CN": "校验未通过，规则 {rule}：{sentence}", "en": "refused by verify, rule {rule}: {sentence}"},
    "past_day": {
        "zh-CN": "这些建议是 {day} 的，已经过去（今天是 {today}）：请重新运行每日任务并审核新文件",
        "en": "these recommendations are for {day}, a past day (today is {today}): run the daily job again and "
        "review its new file",
    },
    "approved_note": {"zh-CN": "{who} 在 {file} 中批准", "en": "approved by {who} in {file}"},
}

"""Sentences of the decision step (``optimizer/decide``): guardrail conflicts, test moves, the slope backtest."""

CATALOG = {
    "conflict": {
        "zh-CN": "护栏冲突：{guardrail} 设为 {configured:g}，无法与其他护栏同时满足，本计划按 {planned:.4g} 执行"
        "（步长、最低预算、总预算和平台规则均已遵守）：{why}",
        "en": "guardrail conflict: {guardrail} = {configured:g} cannot hold with the others, so this plan keeps "
        "{planned:.4g} (steps, minimum budget, total and platform rules all hold): {why}",
    },
    "bid_test": {
        "zh-CN": "出价测试：历史上出价从未变动，本次小幅调整出价（至多 {pct:g}%）以测量其效果。",
        "en": "bid test: the bid never moved in the history, so it moves a little (at most {pct:g}%) to measure "
        "what a bid move buys.",
    },
    "bid_unknown": {
        "zh-CN": "出价谨慎：历史上出价从未变动，尚无证据说明调整出价的效果，出价至多调整 {pct:g}%。",
        "en": "bid cautious: it never moved in the history, so there is no evidence of what a bid move buys; "
        "it moves at most {pct:g}%.",
    },
    "backtest_head": {
        "zh-CN": "斜率回测（按账户自身历史滚动预测调整带来的变化；斜率误差 = |实际变化/预测变化 - 1|）",
        "en": "slope backtest (the changes a move made, predicted on the account's own history with rolling "
        "origins; slope error = |realised change / predicted change - 1|)",
    },
    "backtest_line": {
        "zh-CN": "{lever} → {quantity}：{moves} 次调整，斜率 {slope:.2f} ± {se:.2f}，斜率误差 {error:.2f}，"
        "变化的中位绝对误差 {mae:.1%}",
        "en": "{lever} -> {quantity}: {moves} moves, slope {slope:.2f} +/- {se:.2f}, slope error {error:.2f}, "
        "median absolute error of the change {mae:.1%}",
    },
    "backtest_unidentified": {
        "zh-CN": "{lever} → {quantity}：{moves} 次调整，历史不足以识别斜率（未识别）",
        "en": "{lever} -> {quantity}: {moves} moves, not enough to identify the slope (not identified)",
    },
    "lever_budget": {"zh-CN": "预算", "en": "budget"},
    "lever_bid": {"zh-CN": "出价", "en": "bid"},
    "quantity_spend": {"zh-CN": "消耗", "en": "spend"},
    "quantity_gmv": {"zh-CN": "成交金额", "en": "GMV"},
    "total_far_below": {
        "zh-CN": "注意：日预算合计上限 budget.total_daily = {total:,.2f}，只有今日在投计划日预算合计 {today:,.2f} 的 "
        "{share:.1%}，单靠每天至多 {step:g}% 的调整达不到；已照此执行，暂停 {paused} 个计划。",
        "en": "note: budget.total_daily = {total:,.2f} is only {share:.1%} of today's live budgets ({today:,.2f}), "
        "more than steps of at most {step:g}% a day can cut; it is obeyed: {paused} campaigns paused.",
    },
    "floor_none_meets": {
        "zh-CN": "注意：没有计划在今日预算和出价下的预计 ROI 达到下限 objective.roi_floor = {floor:g}"
        "（最高为 {campaign} 的 {best:.2f}）；已照此执行，暂停 {paused} 个计划。",
        "en": "note: no campaign's forecast ROI at today's budget and bid reaches objective.roi_floor = {floor:g} "
        "(the best is {campaign} at {best:.2f}); it is obeyed: {paused} campaigns paused.",
    },
    "channel_unknown": {
        "zh-CN": '[[channel]] 的 name = "{name}" 不是数据中任何计划的渠道（数据中的渠道：{known}）',
        "en": '[[channel]] name = "{name}" is no campaign\'s channel in the data (channels in the data: {known})',
    },
    "infeasible_total": {
        "zh-CN": "budget.total_daily = {value}，但这些计划至少需要 {need:,.2f}：锁定和学习期的计划保持预算，其余最多只能暂停",
        "en": "budget.total_daily = {value} but the campaigns need at least {need:,.2f}: locked and learning "
        "campaigns keep their budgets and the others can at most pause",
    },
    "infeasible_max_share": {
        "zh-CN": "{name} = {value}，但该渠道的计划不能低于 {low:,.2f}（锁定的计划保持预算）",
        "en": "{name} = {value} but that channel's campaigns cannot go below {low:,.2f} "
        "(locked campaigns hold their budgets)",
    },
    "infeasible_min_share": {
        "zh-CN": "{name} = {value}，但在预算每天至多变动 {pct}（budget.max_change_pct）的情况下，"
        "该渠道的计划最多只能达到 {reach:,.2f}",
        "en": "{name} = {value} but that channel's campaigns can reach at most {reach:,.2f} with budgets moving "
        "at most {pct} a day (budget.max_change_pct)",
    },
    "infeasible_floor": {
        "zh-CN": "objective.roi_floor = {value} 无法满足：必须继续投放的计划（锁定或学习期）即使其余全部暂停，"
        "成交金额相对消耗也太低",
        "en": "objective.roi_floor = {value} cannot be met: campaigns that must keep running (locked or learning) "
        "earn too little GMV for their spend, even with everything else paused",
    },
    "infeasible_joint": {
        "zh-CN": "这些护栏无法同时满足：{listed}。每一条单独都能满足，但在预算每天至多变动 {pct:g}%、"
        "锁定计划保持不变的情况下无法同时满足",
        "en": "these guardrails cannot all hold together: {listed}. Each alone can be met, but not at once, given "
        "that budgets move at most {pct:g}% a day and locked campaigns hold",
    },
    "min_share_out_of_reach": {
        "zh-CN": "channel[{name}].min_share {share:g}（至少 {wanted:,.2f}）今天达不到：预算每天至多变动 {pct:g}%"
        "（budget.max_change_pct），该渠道的计划最多 {reach:,.2f}，因此每个计划都给到最多",
        "en": "channel[{name}].min_share {share:g} (at least {wanted:,.2f}) is out of reach today: with budgets "
        "moving at most {pct:g}% a day (budget.max_change_pct) its campaigns can have {reach:,.2f}, so each gets "
        "the most it can",
    },
}

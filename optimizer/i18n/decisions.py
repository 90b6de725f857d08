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
}

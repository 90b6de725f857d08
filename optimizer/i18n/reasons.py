"""Reasons and action labels of the recommendations (``optimizer/decide/reasons.py`` builds them).

Clauses are joined by ``sep`` and the sentence ends with ``end``; numbers arrive
already formatted with their unit (``money``, ``ratio``), so each language
decides only the words around them.
"""

CATALOG = {
    # sentence parts
    "sep": {"zh-CN": "，", "en": "; "},
    "review_sep": {"zh-CN": "；", "en": "; "},
    "list_sep": {"zh-CN": "、", "en": ", "},
    "end": {"zh-CN": "。", "en": "."},
    "money": {"zh-CN": "{amount} 元", "en": "{amount} CNY"},
    "money_other": {"zh-CN": "{amount} {currency}", "en": "{amount} {currency}"},
    "no_cap": {"zh-CN": "不限", "en": "no cap"},
    "not_available": {"zh-CN": "无", "en": "n/a"},
    # action labels: direction of the forecast spend, then what moves
    "label_more": {"zh-CN": "加量：{moves}", "en": "more spend: {moves}"},
    "label_less": {"zh-CN": "减量：{moves}", "en": "less spend: {moves}"},
    "label_flat": {"zh-CN": "消耗持平：{moves}", "en": "spend unchanged: {moves}"},
    "label_opposite": {
        "zh-CN": "{label}（预算与出价反向）",
        "en": "{label} (budget and bid move in opposite directions)",
    },
    "label_hold": {"zh-CN": "保持", "en": "hold"},
    "label_pause": {"zh-CN": "暂停", "en": "pause"},
    "label_resume": {"zh-CN": "恢复投放", "en": "resume"},
    "label_kept_paused": {"zh-CN": "保持暂停", "en": "stay paused"},
    "move_budget_up": {"zh-CN": "加预算", "en": "budget up"},
    "move_budget_down": {"zh-CN": "减预算", "en": "budget down"},
    "move_first_cap": {"zh-CN": "设预算上限", "en": "budget capped"},
    "move_bid_up": {"zh-CN": "提出价", "en": "bid up"},
    "move_bid_down": {"zh-CN": "降出价", "en": "bid down"},
    "move_goal_up": {"zh-CN": "提高ROI目标", "en": "ROI target up"},
    "move_goal_down": {"zh-CN": "降低ROI目标", "en": "ROI target down"},
    # the main driver, first
    "driver_capped_above": {
        "zh-CN": "近 {seen} 天有 {capped} 天花完预算，边际 ROI {m} 高于账户门槛 {thr}",
        "en": "capped by its budget on {capped} of the last {seen} days and its marginal ROI {m} is above "
        "the account threshold {thr}",
    },
    "driver_above": {
        "zh-CN": "边际 ROI {m} 高于账户门槛 {thr}",
        "en": "its marginal ROI {m} is above the account threshold {thr}",
    },
    "driver_below": {
        "zh-CN": "边际 ROI {m} 低于账户门槛 {thr}",
        "en": "its marginal ROI {m} is below the account threshold {thr}",
    },
    "driver_below_capped": {
        "zh-CN": "边际 ROI {m} 低于账户门槛 {thr}（尽管近 {seen} 天有 {capped} 天花完预算）",
        "en": "its marginal ROI {m} is below the account threshold {thr} (although capped by its budget on "
        "{capped} of the last {seen} days)",
    },
    "driver_at": {
        "zh-CN": "边际 ROI {m} 与账户门槛 {thr} 相当",
        "en": "its marginal ROI {m} is at the account threshold {thr}",
    },
    "driver_no_threshold": {
        "zh-CN": "边际 ROI {m}，而本账户没有计划能达到 ROI 下限",
        "en": "its marginal ROI is {m} and no campaign of the account meets the ROI floor",
    },
    "driver_pause": {
        "zh-CN": "边际 ROI {m} 低于账户门槛 {thr}，这笔预算在其他计划赚得更多",
        "en": "its marginal ROI {m} is below the account threshold {thr}: the budget earns more elsewhere",
    },
    "driver_kept_paused": {
        "zh-CN": "恢复投放的边际 ROI {m} 低于账户门槛 {thr}，保持暂停",
        "en": "resuming would earn a marginal ROI of {m}, below the account threshold {thr}: it stays paused",
    },
    "roi7": {"zh-CN": "近 7 天 ROI {roi}", "en": "ROI {roi} over the last 7 days"},
    # what moves, with units
    "budget_move": {
        "zh-CN": "预算 {before} → {after}（{pct}）",
        "en": "budget {before} -> {after} ({pct})",
    },
    "budget_first_cap": {
        "zh-CN": "预算上限设为 {after}（原为不限）",
        "en": "budget capped at {after} (no cap before)",
    },
    "budget_kept_paused": {"zh-CN": "暂停中的预算 {before}", "en": "budget while paused {before}"},
    "budget_kept": {"zh-CN": "预算保持 {before}", "en": "budget stays {before}"},
    "budget_paused": {"zh-CN": "预算 {before} → 0（暂停）", "en": "budget {before} -> 0 (paused)"},
    "budget_resumed": {"zh-CN": "恢复预算 {after}", "en": "resumes at budget {after}"},
    "bid_move": {
        "zh-CN": "出价 {before} → {after}（{pct}）",
        "en": "bid {before} -> {after} ({pct})",
    },
    "goal_move": {
        "zh-CN": "ROI 目标 {before} → {after}（{pct}）",
        "en": "ROI target {before} -> {after} ({pct})",
    },
    "forecast": {
        "zh-CN": "预计消耗 {before} → {after}，ROI {roi}",
        "en": "forecast spend {before} -> {after} at ROI {roi}",
    },
    "forecast_opposite": {
        "zh-CN": "预算与出价反向，预计消耗 {before} → {after}（{pct}），ROI {roi}",
        "en": "budget and bid move in opposite directions: forecast spend {before} -> {after} ({pct}) at ROI {roi}",
    },
    "forecast_flat": {
        "zh-CN": "预计消耗 {after}，ROI {roi}",
        "en": "forecast spend {after} at ROI {roi}",
    },
    # notes
    "explored": {
        "zh-CN": "试探性加预算：花完预算时预算从未变过，曲线尚不确定",
        "en": "an exploration step: its budget never varied while capped, so its curve is uncertain",
    },
    "bid_settling": {
        "zh-CN": "出价不变：{days} 天内刚调过，效果还没进数据",
        "en": "bid kept: it changed less than {days} days ago and its effect is not in the data yet",
    },
    "bid_locked": {
        "zh-CN": "出价不变：新计划或学习期中",
        "en": "bid kept while the campaign is new or learning",
    },
    # why a person must look
    "review": {"zh-CN": "需审核：{why}", "en": "review: {why}"},
    "why_pause": {"zh-CN": "暂停需人工确认", "en": "pausing needs a person"},
    "why_resume": {"zh-CN": "恢复投放需人工确认", "en": "resuming needs a person"},
    "why_budget": {
        "zh-CN": "预算变化 {pct:.0f}% 超过自动执行上限 {limit:g}%",
        "en": "budget change {pct:.0f}% is above the auto-apply limit {limit:g}%",
    },
    "why_bid": {
        "zh-CN": "出价变化 {pct:.0f}% 超过自动执行上限 {limit:g}%",
        "en": "bid change {pct:.0f}% is above the auto-apply limit {limit:g}%",
    },
    "why_first_cap": {"zh-CN": "给不限预算的计划设上限", "en": "sets a budget cap on an uncapped campaign"},
    "why_thin": {
        "zh-CN": "数据少（{days} 天；预测有 {pooled:.0%} 来自同类计划）",
        "en": "thin data ({days} days; forecast {pooled:.0%} from similar campaigns)",
    },
}

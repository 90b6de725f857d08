"""The review workbook: the label row a person reads above the contract's column names."""

_LABELS = {
    "run_id": ("运行ID", "run id"),
    "effective_date": ("生效日期", "effective date"),
    "account_id": ("账户ID", "account id"),
    "campaign_id": ("计划ID", "campaign id"),
    "campaign_name": ("计划名称", "campaign name"),
    "channel": ("渠道", "channel"),
    "bid_type": ("出价方式", "bid type"),
    "current_budget": ("当前日预算(元)", "budget now (CNY)"),
    "recommended_budget": ("建议日预算(元)", "recommended budget (CNY)"),
    "current_bid": ("当前出价", "bid now"),
    "recommended_bid": ("建议出价", "recommended bid"),
    "action": ("动作(代码)", "action (code)"),
    "expected_spend": ("预计消耗(元)", "expected spend (CNY)"),
    "expected_gmv": ("预计成交金额(元)", "expected GMV (CNY)"),
    "expected_roi": ("预计ROI", "expected ROI"),
    "marginal_roi": ("边际ROI", "marginal ROI"),
    "decision": ("处理方式", "decision"),
    "reason": ("原因", "reason"),
    "approved": ("是否同意(是/否)", "approved (yes/no)"),
    "expected_gmv_sd": ("成交金额标准差(元)", "GMV sd (CNY)"),
    "account_threshold": ("账户边际ROI门槛", "account ROI threshold"),
    "days_of_history": ("历史天数", "days of history"),
    "capped_days_7": ("近7天撞预算天数", "capped days (last 7)"),
    "currency": ("币种", "currency"),
    "action_label": ("动作", "action"),
    "budget_change_pct": ("预算变化%", "budget change %"),
    "bid_change_pct": ("出价变化%", "bid change %"),
    "expected_spend_now": ("当前设置预计消耗(元)", "expected spend now (CNY)"),
}

CATALOG = {f"col_{name}": {"zh-CN": zh, "en": en} for name, (zh, en) in _LABELS.items()}
CATALOG.update(
    {
        "approved_prompt_title": {"zh-CN": "是否同意", "en": "Approved?"},
        "approved_prompt": {
            "zh-CN": "选择 是 或 否（留空 = 暂不处理）",
            "en": "choose yes or no (empty = not answered)",
        },
        "approved_error": {
            "zh-CN": "只能填 是 或 否（或留空）",
            "en": "only yes or no (or empty)",
        },
    }
)

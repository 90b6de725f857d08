"""The report page and its charts (``optimizer/report.py``)."""

CATALOG = {
    "html_lang": {"zh-CN": "zh-CN", "en": "en"},
    "title": {"zh-CN": "spendopt 投放建议：{date}", "en": "spendopt recommendations for {date}"},
    "generated": {
        "zh-CN": "生成时间 {time}（{timezone}）",
        "en": "generated {time} ({timezone})",
    },
    "summary": {
        "zh-CN": "运行 {run_id}：{campaigns} 个计划；动作 {actions}；{review} 个待审核。"
        "预计消耗 {spend:,.2f} 元，预计成交金额 {gmv:,.2f} 元（ROI {roi}）。",
        "en": "run {run_id}: {campaigns} campaigns; actions {actions}; {review} for review. "
        "Expected spend {spend:,.2f}, expected GMV {gmv:,.2f} (ROI {roi}).",
    },
    "no_font": {
        "zh-CN": "未安装中文字体：图中的中文名称会显示为方框（请安装 fonts-noto-cjk）。",
        "en": "No CJK font installed: Chinese names in the pictures show as boxes (install fonts-noto-cjk).",
    },
    "failed": {
        "zh-CN": "报告页未能生成（{error}）；建议文件已照常写好。",
        "en": "the report page could not be drawn ({error}); the recommendations were written as usual.",
    },
    "head_channels": {"zh-CN": "各渠道日预算", "en": "Budget by channel"},
    "head_curves": {"zh-CN": "响应曲线", "en": "Response curves"},
    "head_top": {"zh-CN": "消耗最大的计划", "en": "Largest campaigns"},
    "col_channel": {"zh-CN": "渠道", "en": "channel"},
    "col_before": {"zh-CN": "当前日预算(元)", "en": "budget today (CNY)"},
    "col_after": {"zh-CN": "建议日预算(元)", "en": "recommended (CNY)"},
    "col_campaign_id": {"zh-CN": "计划ID", "en": "campaign_id"},
    "col_name": {"zh-CN": "计划名称", "en": "name"},
    "col_action": {"zh-CN": "动作", "en": "action"},
    "col_budget_now": {"zh-CN": "当前预算", "en": "budget now"},
    "col_budget_new": {"zh-CN": "建议预算", "en": "recommended"},
    "col_roi": {"zh-CN": "预计ROI", "en": "expected ROI"},
    "col_marginal_roi": {"zh-CN": "边际ROI", "en": "marginal ROI"},
    "col_decision": {"zh-CN": "处理", "en": "decision"},
    "col_reason": {"zh-CN": "原因", "en": "reason"},
    "alt_channels": {"zh-CN": "各渠道日预算", "en": "budget by channel"},
    "alt_curves": {"zh-CN": "响应曲线", "en": "response curves"},
    "chart_today": {"zh-CN": "当前", "en": "today"},
    "chart_recommended": {"zh-CN": "建议", "en": "recommended"},
    "chart_spend": {"zh-CN": "消耗(元)", "en": "spend"},
    "chart_gmv": {"zh-CN": "成交金额(元)", "en": "GMV"},
    "chart_curves_title": {
        "zh-CN": "拟合的响应曲线：预算最高的 {n} 个计划（阴影：±1 个标准差）",
        "en": "Fitted response curves, top {n} campaigns by budget (band: +/- 1 sd)",
    },
    "chart_channels_title": {"zh-CN": "各渠道日预算：当前与建议", "en": "Daily budget by channel, before and after"},
    "chart_budget_axis": {"zh-CN": "日预算(元)", "en": "daily budget (CNY)"},
}

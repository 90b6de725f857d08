"""``spendopt simulate``: the summary table and what it must say about spend."""

CATALOG = {
    "summary_title": {
        "zh-CN": "模拟汇总，市场 {market}（增益、捕获率：真实期望成交金额；成交金额：最终、完整归因，元）",
        "en": "simulation summary, market {market} (gain, capture: true expected GMV; GMV: final, fully attributed, CNY)",
    },
    "head_policy": {"zh-CN": "策略", "en": "policy"},
    "head_gain": {"zh-CN": "增益", "en": "gain"},
    "head_capture": {"zh-CN": "捕获率", "en": "capture"},
    "head_spend": {"zh-CN": "消耗", "en": "spend"},
    "head_gmv": {"zh-CN": "成交金额", "en": "GMV"},
    "head_roi": {"zh-CN": "ROI", "en": "ROI"},
    "head_oracle": {"zh-CN": "占最优%", "en": "% oracle"},
    "head_hold": {"zh-CN": "对比保持", "en": "vs hold"},
    "head_rules": {"zh-CN": "对比规则", "en": "vs rules"},
    "head_breaks": {"zh-CN": "违约", "en": "breaks"},
    "head_writes": {"zh-CN": "写入", "en": "writes"},
    "rejected": {"zh-CN": "（拒绝 {n}）", "en": " ({n} rejected)"},
    "spend_differs": {
        "zh-CN": "注意：各策略的消耗不同（{spends}）；对比保持的成交金额差异部分来自多花或少花的钱，请同时看消耗和 ROI",
        "en": "note: the policies spent differently ({spends}); part of a GMV difference against hold is money "
        "spent or not spent: read spend and ROI next to it",
    },
    "spend_sep": {"zh-CN": "；", "en": "; "},
    "spend_item": {"zh-CN": "{policy} {spend:,.0f}（{pct:+.1f}%）", "en": "{policy} {spend:,.0f} ({pct:+.1f}%)"},
    "unknown_policy": {
        "zh-CN": "未知策略 {policy!r}（可用：{known}）",
        "en": "unknown policy {policy!r} (known: {known})",
    },
}

"""Chat notifications: digest headings and levels."""

CATALOG = {
    "digest": {"zh-CN": "spendopt 通知: {n} 条", "en": "spendopt: {n} notices"},
    "info": {"zh-CN": "信息", "en": "info"},
    "warning": {"zh-CN": "预警", "en": "warning"},
    "critical": {"zh-CN": "严重", "en": "critical"},
    "cut": {"zh-CN": "(内容过长, 已截断)", "en": "(too long, cut)"},
}

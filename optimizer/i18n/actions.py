"""Names a person reads for the contract's values (``action``, ``decision``, ``approved``...).

The contract's values themselves (``increase``, ``auto``...) never change; these are labels.
"""

CATALOG = {
    "increase": {"zh-CN": "加预算", "en": "increase"},
    "decrease": {"zh-CN": "减预算", "en": "decrease"},
    "hold": {"zh-CN": "保持", "en": "hold"},
    "pause": {"zh-CN": "暂停", "en": "pause"},
    "resume": {"zh-CN": "恢复投放", "en": "resume"},
    "decision_auto": {"zh-CN": "自动", "en": "auto"},
    "decision_review": {"zh-CN": "需审核", "en": "review"},
    "yes": {"zh-CN": "是", "en": "yes"},
    "no": {"zh-CN": "否", "en": "no"},
}

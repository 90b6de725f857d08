"""Messages of money safety: the run key, reconcile, rollback, review records, audit and status views."""

CATALOG = {
    "account_held": {"zh-CN": "  账户 {account}：{text}", "en": "  account {account}: {text}"},
    "held_done": {
        "zh-CN": "运行 {run_id} 已完成账户 {account} {day} 的{kind}任务；无需再做",
        "en": "run {run_id} already did the {kind} job of account {account} for {day}; nothing to do",
    },
    "held_live": {
        "zh-CN": "运行 {run_id}（{holder}）正在执行账户 {account} {day} 的{kind}任务；无需再做",
        "en": "run {run_id} ({holder}) is doing the {kind} job of account {account} for {day}; nothing to do",
    },
}

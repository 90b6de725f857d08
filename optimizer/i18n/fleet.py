"""Messages of the fleet mode: ``spendopt status --all`` (every account's day), ``spendopt worker`` / ``enqueue``."""

CATALOG = {
    "overview_title": {
        "zh-CN": "全部账户（{accounts} 个；时间为账户时区 {timezone}）",
        "en": "every account ({accounts}; times in the accounts' time zone {timezone})",
    },
    "overview_empty": {
        "zh-CN": "还没有账户：先运行 `spendopt pull`、`spendopt run` 或 `spendopt worker`",
        "en": "no accounts yet: run `spendopt pull`, `spendopt run` or `spendopt worker` first",
    },
    "overview_totals": {
        "zh-CN": "合计：已发送 {sent} 项调整，{pending} 项待确认，{reviews} 行待审核，{alerts} 条未处理告警，{failed} 个账户失败",
        "en": "in all: {sent} change(s) sent, {pending} pending, {reviews} row(s) to review, "
        "{alerts} open alert(s), {failed} account(s) failed",
    },
    "col_account": {"zh-CN": "账户", "en": "account"},
    "col_pull": {"zh-CN": "最近拉取（{timezone}）", "en": "last pull ({timezone})"},
    "col_run": {"zh-CN": "最近运行（生效日 状态 · 开始）", "en": "last run (day status · started)"},
    "col_changes": {"zh-CN": "调整（已发送/失败/待确认）", "en": "changes (sent/failed/pending)"},
    "col_reviews": {"zh-CN": "待审核", "en": "to review"},
    "col_alerts": {"zh-CN": "未处理告警", "en": "open alerts"},
    "col_queue": {"zh-CN": "队列", "en": "queue"},
    "through": {"zh-CN": "数据至 {day}", "en": "data to {day}"},
    "changes": {"zh-CN": "{sent}/{failed}/{pending}", "en": "{sent}/{failed}/{pending}"},
    "run_running": {"zh-CN": "运行中", "en": "running"},
    "run_ok": {"zh-CN": "完成", "en": "ok"},
    "run_failed": {"zh-CN": "失败", "en": "failed"},
    "job_runs": {"zh-CN": "{status}（第 {runs} 次）", "en": "{status} (run {runs})"},
    "job_todo": {"zh-CN": "排队中", "en": "queued"},
    "job_doing": {"zh-CN": "进行中", "en": "running"},
    "job_succeeded": {"zh-CN": "完成", "en": "done"},
    "job_failed": {"zh-CN": "失败", "en": "failed"},
    "job_cancelled": {"zh-CN": "已取消", "en": "cancelled"},
    "job_cancelling": {"zh-CN": "取消中", "en": "cancelling"},
    "job_aborted": {"zh-CN": "已中止", "en": "aborted"},
    "job_aborting": {"zh-CN": "中止中", "en": "aborting"},
}

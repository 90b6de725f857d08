"""Messages of the command line (``optimizer/cli.py``): summaries, notes, error headers."""

CATALOG = {
    "error": {"zh-CN": "错误", "en": "error"},
    "bad_input": {"zh-CN": "输入有误", "en": "bad input"},
    "note": {"zh-CN": "注意", "en": "note"},
    "assumed": {"zh-CN": "假定", "en": "assumed"},
    "warning": {"zh-CN": "警告", "en": "warning"},
    "more_problems": {"zh-CN": "……另有 {more} 处问题", "en": "... and {more} more problems"},
    "run_verbose": {"zh-CN": "加 --verbose 重新运行可查看详情", "en": "run again with --verbose for the details"},
    "wrote": {"zh-CN": "已写入 {path}", "en": "wrote {path}"},
    "imported_rows": {
        "zh-CN": "已导入 {rows:,} 行（新增 {inserted:,}，更新 {updated:,}，未变 {unchanged:,}），"
        "{accounts} 个账户 {campaigns:,} 个计划，{first_date} 至 {last_date}",
        "en": "imported {rows:,} rows ({inserted:,} new, {updated:,} updated, {unchanged:,} unchanged) "
        "for {campaigns:,} campaigns in {accounts} account(s), {first_date} to {last_date}",
    },
    "outcome_planned": {"zh-CN": "待发送", "en": "planned"},
    "outcome_confirmed": {"zh-CN": "已确认", "en": "confirmed"},
    "outcome_already_applied": {"zh-CN": "此前已生效", "en": "already applied"},
    "outcome_not_applied": {"zh-CN": "未生效", "en": "not applied"},
    "outcome_failed": {"zh-CN": "失败", "en": "failed"},
    "outcome_pending": {"zh-CN": "待核对", "en": "pending"},
    "outcome_skipped": {"zh-CN": "跳过", "en": "skipped"},
    "no_history": {
        "zh-CN": "该账户还没有已保存的数据（请先 pull 或 import）",
        "en": "no stored history for this account yet (pull or import first)",
    },
    "unsettled_left": {
        "zh-CN": "运行 {run_id} 的 {n} 项变更尚未核对（读不到平台）：核对之前不做决定、不发送",
        "en": "{n} change(s) of run {run_id} could not be settled (the platform could not be read): "
        "nothing is decided or sent until they are",
    },
    "audit_time": {"zh-CN": "时间（{tz}）", "en": "time ({tz})"},
    "audit_run_id": {"zh-CN": "运行", "en": "run_id"},
    "audit_account_id": {"zh-CN": "账户", "en": "account_id"},
    "audit_campaign_id": {"zh-CN": "计划ID", "en": "campaign_id"},
    "audit_campaign_name": {"zh-CN": "计划名称", "en": "campaign_name"},
    "audit_effective_date": {"zh-CN": "生效日期", "en": "effective_date"},
    "audit_field": {"zh-CN": "字段", "en": "field"},
    "audit_before": {"zh-CN": "调整前", "en": "before"},
    "audit_after": {"zh-CN": "调整后", "en": "after"},
    "audit_state": {"zh-CN": "状态", "en": "state"},
    "audit_reason": {"zh-CN": "原因", "en": "reason"},
    "audit_request_id": {"zh-CN": "请求ID", "en": "request_id"},
    "audit_error": {"zh-CN": "备注/错误", "en": "error"},
    "store_ready": {"zh-CN": "存储已就绪：{url}", "en": "store ready: {url}"},
    "config_written": {
        "zh-CN": "已写入配置文件：{path}（在其中设置预算和护栏）",
        "en": "config written: {path} (edit it to set your budgets and guardrails)",
    },
    "config_in_use": {"zh-CN": "配置：{path}", "en": "config: {path}"},
    "config_defaults": {"zh-CN": "默认值（无配置文件）", "en": "defaults (no file)"},
    "next_run": {"zh-CN": "下次运行 {when}；Ctrl-C 或 SIGTERM 停止", "en": "next run {when}; Ctrl-C or SIGTERM stops"},
    "run_failed": {"zh-CN": "运行失败：{error}", "en": "run failed: {error}"},
    "rollback_head": {
        "zh-CN": "回滚 {rollback}（撤销运行 {run_id}）：{counts}",
        "en": "rollback {rollback} of run {run_id}: {counts}",
    },
    "pull_failed": {
        "zh-CN": "{account}：拉取失败，未保存任何数据（{error}）",
        "en": "{account}: failed, nothing stored ({error})",
    },
    "pull_account": {
        "zh-CN": "{account}：{campaigns:,} 个计划，{rows:,} 行，{start} 至 {end}（新增 {inserted:,}，更新 {updated:,}）",
        "en": "{account}: {campaigns:,} plans, {rows:,} rows {start} to {end} ({inserted:,} new, {updated:,} updated)",
    },
    "run_header": {"zh-CN": "运行 {run_id}，生效日期 {date}", "en": "run {run_id} for {date}"},
    "dry_run_mode": {
        "zh-CN": "（试运行：不发送、不保存）",
        "en": " (dry run: nothing sent, nothing stored)",
    },
    "account_failed": {"zh-CN": "  账户 {account}：{error}", "en": "  account {account}: {error}"},
    "account_summary": {
        "zh-CN": "  账户 {account}：{campaigns} 个计划，自动 {auto} / 待审核 {review}；"
        "预计消耗 {spend:,.0f}，成交金额 {gmv:,.0f}；变更：{done}",
        "en": "  account {account}: {campaigns} campaigns, {auto} auto / {review} for review; "
        "expected spend {spend:,.0f}, GMV {gmv:,.0f}; changes: {done}",
    },
    "nothing_to_send": {"zh-CN": "无需发送", "en": "nothing to send"},
    "recommendations_path": {"zh-CN": "  建议表：{path}", "en": "  recommendations: {path}"},
    "report_path": {"zh-CN": "  报告：{path}", "en": "  report: {path}"},
    "optimize_counts": {
        "zh-CN": "{campaigns:,} 个计划，生效日期 {date}（运行 {run_id}）：{counts}；待审核 {review:,} 个",
        "en": "{campaigns:,} campaigns for {date} (run {run_id}): {counts}; {review:,} for review",
    },
    "optimize_totals": {
        "zh-CN": "日预算合计 {before:,.2f} -> {after:,.2f}；预计消耗 {spend:,.2f}，成交金额 {gmv:,.2f}（ROI {roi}）",
        "en": "daily budget {before:,.2f} -> {after:,.2f}; expected spend {spend:,.2f}, GMV {gmv:,.2f} (ROI {roi})",
    },
    "review_summary": {
        "zh-CN": "运行 {run_id} 的审核：通过 {approved}（其中修改 {edited}），拒绝 {rejected}，未填 {unanswered}",
        "en": "review of run {run_id}: {approved} approved ({edited} edited), {rejected} rejected, "
        "{unanswered} left open",
    },
    "review_dry_run": {"zh-CN": "（试运行：不保存、不发送）", "en": " (dry run: nothing stored or sent)"},
    "no_audit": {"zh-CN": "尚无变更记录", "en": "no changes recorded yet"},
    "bad_format": {"zh-CN": "--format 只能是 {known}，收到 {got}", "en": "--format must be one of {known}, got {got}"},
    "schedule_disabled": {
        "zh-CN": "配置中 [schedule] enabled = false：未启用定时任务",
        "en": "[schedule] enabled = false in the config",
    },
}

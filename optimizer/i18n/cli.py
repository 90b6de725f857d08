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
}

"""Texts of ``spendopt experiment`` (plan, start, report, stop, status) and its chart."""

CATALOG = {
    "plan_title": {"zh-CN": "预算分组试验计划（账户 {account}）", "en": "Budget-split test plan (account {account})"},
    "plan_arms": {
        "zh-CN": "实验组 {n_t} 个计划（预算占比 {share_t:.1%}，每日 {total_t:,.2f} 元），"
        "对照组 {n_c} 个计划（占比 {share_c:.1%}，每日 {total_c:,.2f} 元，保持不动）",
        "en": "treatment {n_t} campaigns ({share_t:.1%} of the budget, {total_t:,.2f} CNY/day), "
        "control {n_c} campaigns ({share_c:.1%}, {total_c:,.2f} CNY/day, held)",
    },
    "plan_mde": {
        "zh-CN": "{days} 个成熟试验日，以 {power:.0%} 的把握可检测到的最小 ROI 提升：{mde:.1%}"
        "（基于 {days_pre} 天历史，单日波动 {daily_sd:.1%}，CUPED 系数 {theta:.2f}）",
        "en": "with {days} matured test days the smallest ROI lift detectable at {power:.0%} power is {mde:.1%} "
        "(from {days_pre} days of history, daily sd {daily_sd:.1%}, CUPED coefficient {theta:.2f})",
    },
    "plan_power": {
        "zh-CN": "真实提升 {effect:.0%} 时的检验把握：{power_at:.0%}",
        "en": "power if the true lift is {effect:.0%}: {power_at:.0%}",
    },
    "plan_drift": {
        "zh-CN": "其中 {share:.0%} 的误差来自计划自身的变化（历史前后两半之间各计划 ROI 的漂移），不随试验天数减少",
        "en": "{share:.0%} of that error comes from the campaigns changing (their ROI drifting between the two halves "
        "of the history), which a longer test does not shrink",
    },
    "plan_too_small": {
        "zh-CN": "警告：账户太小或试验太短，检测不到 {realistic:.0%} 这样现实的提升；"
        "需要约 {need} 天，或合并更多计划/账户",
        "en": "warning: the account is too small or the test too short to detect a realistic lift of "
        "{realistic:.0%}; it needs about {need} days, or more campaigns/accounts",
    },
    "plan_too_small_never": {
        "zh-CN": "警告：账户太小，一年内也检测不到 {realistic:.0%} 的提升（试验前数据的噪声限制了精度：加长 [experiment] pre_days，或合并更多计划/账户）",
        "en": "warning: the account is too small to detect a {realistic:.0%} lift within a year "
        "(the pre-period noise limits the precision: lengthen [experiment] pre_days, or add campaigns/accounts)",
    },
    "started": {
        "zh-CN": "试验 {experiment} 已开始：从 {start} 起每日任务只优化实验组，对照组保持不动（种子 {seed}）",
        "en": "experiment {experiment} started: from {start} the daily job optimises only the treatment arm "
        "and holds the control arm (seed {seed})",
    },
    "stopped": {
        "zh-CN": "试验 {experiment} 已停止，最后试验日 {last}；每日任务恢复优化整个账户",
        "en": "experiment {experiment} stopped, last test day {last}; the daily job optimises the whole account again",
    },
    "none_running": {"zh-CN": "没有运行中的试验", "en": "no experiment is running"},
    "unknown": {"zh-CN": "没有试验 {experiment}", "en": "no experiment {experiment}"},
    "status_line": {
        "zh-CN": "运行中的试验：{experiment}（账户 {account}，{start} 开始，每日任务已运行 {day} 天，计划 {planned} 个成熟试验日，"
        "最早可报告 {first_report}）",
        "en": "running experiment: {experiment} (account {account}, started {start}, {day} daily runs so far, "
        "{planned} matured test days planned, first report {first_report})",
    },
    "status_arm": {
        "zh-CN": "  {arm}：{n} 个计划，份额 {share:.1%}，上限 {limit:,.2f} 元/日，最近一次在投预算 {used}",
        "en": "  {arm}: {n} campaigns, share {share:.1%}, cap {limit:,.2f} CNY/day, latest live budgets {used}",
    },
    "arm_treatment": {"zh-CN": "实验组", "en": "treatment"},
    "arm_control": {"zh-CN": "对照组", "en": "control"},
    "metric_roi": {"zh-CN": "ROI（每元花费的 GMV）", "en": "ROI (GMV per yuan spent)"},
    "metric_gmv": {"zh-CN": "GMV（每元预算份额）", "en": "GMV (per yuan of budget share)"},
    "report_title": {
        "zh-CN": "试验 {experiment} 报告（{first} 至 {last}，{days} 个成熟试验日）",
        "en": "Experiment {experiment} report ({first} to {last}, {days} matured test days)",
    },
    "report_lift": {
        "zh-CN": "{metric} 提升 {lift:+.1%}，{conf:.0%} 区间 [{low:+.1%}, {high:+.1%}]，p = {p:.3f}",
        "en": "{metric} lift {lift:+.1%}, {conf:.0%} interval [{low:+.1%}, {high:+.1%}], p = {p:.3f}",
    },
    "report_sequential": {
        "zh-CN": "（随时有效的序贯区间：提前查看也不会抬高误报率）",
        "en": "(always-valid sequential interval: looking early does not raise the false-alarm rate)",
    },
    "verdict_up": {"zh-CN": "结论：spendopt 显著提升了 {metric}", "en": "verdict: spendopt raised {metric}"},
    "verdict_down": {
        "zh-CN": "结论：实验组的 {metric} 显著更低",
        "en": "verdict: the treatment arm's {metric} is lower",
    },
    "verdict_none": {
        "zh-CN": "结论：尚无显著差异（计划可检测的最小提升 {mde:.1%}）",
        "en": "verdict: no significant difference yet (the plan's detectable lift: {mde:.1%})",
    },
    "early": {
        "zh-CN": "注意：只有 {days}/{planned} 个计划试验日；固定期限区间在计划结束前查看会偏乐观，请用 --sequential",
        "en": "note: only {days} of {planned} planned test days; a fixed-horizon interval read early is "
        "optimistic, use --sequential",
    },
    "isolation_broken": {
        "zh-CN": "警告：{date} {arm} 的在投预算 {used:,.2f} 元超过其份额 {limit:,.2f} 元",
        "en": "warning: on {date} the {arm} arm's live budgets {used:,.2f} CNY were above its share {limit:,.2f} CNY",
    },
    "review_for_share": {
        "zh-CN": "需审核：试验 {experiment} 的实验组预算上限为 {limit:,.2f} 元，只有先批准待审核的减预算/暂停，"
        "这项加预算才不会超出份额。",
        "en": "review: the treatment arm of experiment {experiment} may spend at most {limit:,.2f} CNY a day; "
        "this increase fits only once the cuts waiting for review are approved.",
    },
    "arm_outside": {"zh-CN": "不在分组内", "en": "outside the arms"},
    "rollback_held": {
        "zh-CN": "未回滚：计划 {campaign} 由试验 {experiment}（{arm}）保持不动；先结束试验（spendopt experiment stop）再回滚",
        "en": "not rolled back: campaign {campaign} is held by experiment {experiment} ({arm}); "
        "stop the experiment (spendopt experiment stop) to roll it back",
    },
    "rollback_share": {
        "zh-CN": "未回滚：恢复计划 {campaign} 的预算会使试验 {experiment} 的实验组超出每日份额 {limit:,.2f} 元",
        "en": "not rolled back: restoring campaign {campaign} would put the treatment arm of experiment "
        "{experiment} above its share of {limit:,.2f} CNY a day",
    },
    "files": {"zh-CN": "文件：{paths}", "en": "files: {paths}"},
    "chart_roi": {"zh-CN": "每日 ROI（GMV / 花费）", "en": "daily ROI (GMV / spend)"},
    "chart_lift": {"zh-CN": "ROI 提升（累计估计）", "en": "ROI lift (cumulative estimate)"},
    "chart_band": {"zh-CN": "{conf:.0%} 区间", "en": "{conf:.0%} interval"},
    "chart_seq_band": {"zh-CN": "序贯区间", "en": "sequential interval"},
    "chart_pre": {"zh-CN": "试验前", "en": "pre-period"},
    "chart_burn_in": {"zh-CN": "磨合期", "en": "burn-in"},
    "chart_title": {"zh-CN": "预算分组试验 {experiment}", "en": "Budget-split test {experiment}"},
    "chart_day": {"zh-CN": "日期", "en": "date"},
}

"""Why a config file is refused (``optimizer/settings_check.py`` and the settings' validators)."""

CATALOG = {
    "unknown_key": {"zh-CN": "未知的配置项 {key}", "en": "unknown key {key}"},
    "unknown_key_in": {
        "zh-CN": "未知的配置项 {key}（[{section}] 中可用的有：{known}）",
        "en": "unknown key {key} (known keys in [{section}]: {known})",
    },
    "unknown_top": {
        "zh-CN": "未知的配置项 {key}（可用的节和配置项：{known}）",
        "en": "unknown key {key} (known sections and keys: {known})",
    },
    "out_of_range": {
        "zh-CN": "{key} = {given}：超出允许范围（允许：{allowed}）",
        "en": "{key} = {given}: out of range (allowed: {allowed})",
    },
    "not_whole": {"zh-CN": "{key} = {given}：须为整数", "en": "{key} = {given}: expected a whole number"},
    "not_number": {"zh-CN": "{key} = {given}：须为数字", "en": "{key} = {given}: expected a number"},
    "not_bool": {"zh-CN": "{key} = {given}：须为 true 或 false", "en": "{key} = {given}: expected true or false"},
    "not_text": {"zh-CN": "{key} = {given}：须为文本（加引号）", "en": "{key} = {given}: expected text (in quotes)"},
    "not_list": {"zh-CN": "{key} = {given}：须为列表 [...]", "en": "{key} = {given}: expected a list [...]"},
    "not_one_of": {
        "zh-CN": "{key} = {given}：只能是 {expected} 之一",
        "en": "{key} = {given}: expected one of {expected}",
    },
    "missing": {"zh-CN": "缺少配置项 {key}", "en": "{key}: missing"},
    "other": {"zh-CN": "{key} = {given}：{detail}", "en": "{key} = {given}: {detail}"},
    "bool_for_number": {
        "zh-CN": "{key} = {shown}：须为数字，不能是 true/false",
        "en": "{key} = {shown}: expected a number, not true/false",
    },
    "bool_for_whole": {
        "zh-CN": "{key} = {shown}：须为整数，不能是 true/false",
        "en": "{key} = {shown}: expected a whole number, not true/false",
    },
    "bool_for_list": {
        "zh-CN": "{key} = {shown}：须为数字列表，不能含 true/false",
        "en": "{key} = {shown}: expected a list of numbers, not true/false",
    },
    "secret_env": {
        "zh-CN": "{key}：密钥不能写在配置文件里；请改用环境变量 {env}",
        "en": "{key}: secrets never go in a config file; set the environment variable {env} instead",
    },
    "secret_tokens": {
        "zh-CN": "{key}：密钥不能写在配置文件里；令牌由 `spendopt connect qianchuan` 取得，加密保存在仓库之外"
        "（密钥在 SPENDOPT_SECRET_KEY）",
        "en": "{key}: secrets never go in a config file; tokens come from `spendopt connect qianchuan` and are "
        "kept encrypted outside the repository (key in SPENDOPT_SECRET_KEY)",
    },
    # the settings' own checks (WordedError)
    "guardrail_priority": {
        "zh-CN": "[objective] guardrail_priority 必须把三个护栏各列一次",
        "en": "guardrail_priority must name each of its three guardrails once",
    },
    "min_above_max_share": {
        "zh-CN": "min_share {low} 大于 max_share {high}",
        "en": "min_share {low} is above max_share {high}",
    },
    "lag_maturity_range": {
        "zh-CN": "[model] lag_maturity 的每个值须在 (0, 1] 之内",
        "en": "lag_maturity values must be in (0, 1]",
    },
    "lag_maturity_order": {
        "zh-CN": "[model] lag_maturity 不能随天数增加而变小",
        "en": "lag_maturity must not decrease with age",
    },
    "retry_vs_lease": {
        "zh-CN": "[worker] retry_wait_s（{retry:g}）不能小于 [job] lease_s（{lease:g}）：重试时会发现已停止的工作进程的运行锁仍然有效",
        "en": "[worker] retry_wait_s ({retry:g}) must be at least [job] lease_s ({lease:g}): a retry would find a "
        "dead worker's run key still live",
    },
    "channel_twice": {"zh-CN": "渠道 {name!r} 列了两次", "en": "channel {name!r} is listed twice"},
    "channel_shares": {
        "zh-CN": "各渠道的 min_share 之和超过 1",
        "en": "the channels' min_share add up to more than 1",
    },
    "timezone": {
        "zh-CN": "未知的时区 {zone!r}（请用 IANA 名称，如 Asia/Shanghai）",
        "en": "unknown time zone {zone!r} (use an IANA name such as Asia/Shanghai)",
    },
    "intraday_shape": {
        "zh-CN": "intraday_shape 需要 24 个非负权重，且不能全为 0",
        "en": "intraday_shape needs 24 non-negative weights, not all zero",
    },
    "stalled_after": {
        "zh-CN": "stalled_after_s 至少要是 heartbeat_s 的两倍（否则活着的工作进程会被当作已停止）",
        "en": "stalled_after_s must be at least twice heartbeat_s (a live worker would look dead)",
    },
}

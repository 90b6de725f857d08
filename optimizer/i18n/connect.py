"""Messages of ``spendopt connect`` and of the accounts a pull leaves out (``optimizer/jobs/connect.py``)."""

CATALOG = {
    "left_out_shop": {
        "zh-CN": "未单独拉取 {account}（{name}）：这是抖店店铺账户，本身不投放；其下 {advertisers} 个千川账户已拉取",
        "en": "{account} ({name}) is not pulled itself: a Douyin shop account runs no ads; "
        "its {advertisers} Qianchuan advertiser(s) are pulled instead",
    },
    "left_out_shop_empty": {
        "zh-CN": "未拉取 {account}（{name}）：这是抖店店铺账户，本身不投放，其下没有千川账户",
        "en": "{account} ({name}) is left out: a Douyin shop account runs no ads and has no Qianchuan advertiser under it",
    },
    "left_out_agent": {
        "zh-CN": "未单独拉取 {account}（{name}）：这是代理商账户，本身不投放；其下 {advertisers} 个千川账户已拉取",
        "en": "{account} ({name}) is not pulled itself: an agent account runs no ads; "
        "its {advertisers} Qianchuan advertiser(s) are pulled instead",
    },
    "left_out_agent_empty": {
        "zh-CN": "未拉取 {account}（{name}）：这是代理商账户，本身不投放，其下没有千川账户",
        "en": "{account} ({name}) is left out: an agent account runs no ads and has no Qianchuan advertiser under it",
    },
    "left_out_invalid": {
        "zh-CN": "未拉取 {account}（{name}）：平台显示该授权已失效，请重新运行 spendopt connect qianchuan",
        "en": "{account} ({name}) is left out: the platform marks its authorization invalid; "
        "run spendopt connect qianchuan again",
    },
    "open_url": {
        "zh-CN": "请打开下面的链接，用千川账户登录并授权 spendopt：",
        "en": "Open this URL, log in with the Qianchuan account and approve spendopt:",
    },
    "paste_code": {
        "zh-CN": "粘贴 auth_code（或跳转后的完整链接）",
        "en": "Paste the auth_code (or the whole URL you were sent to)",
    },
    "authorized": {
        "zh-CN": "已授权 {count} 个账户；令牌已加密保存在 {path}。访问令牌有效期至 {until}（账户时区），到期前自动刷新。",
        "en": "Authorized {count} account(s); tokens saved encrypted in {path}. The access token is valid until "
        "{until} (account time zone) and is refreshed automatically.",
    },
    "to_pull": {
        "zh-CN": "将拉取 {count} 个千川账户：{accounts}",
        "en": "{count} Qianchuan advertiser(s) to pull: {accounts}",
    },
    "no_input": {
        "zh-CN": "标准输入没有 auth_code（不是终端或已关闭）。打开上面的链接授权后，用 "
        "spendopt connect qianchuan --auth-code 授权码（或整个跳转链接）再运行一次；"
        "应用 ID、密钥和加密密钥来自环境变量 SPENDOPT_QIANCHUAN_APP_ID、SPENDOPT_QIANCHUAN_APP_SECRET、"
        "SPENDOPT_SECRET_KEY",
        "en": "no auth_code on standard input (not a terminal, or closed). Open the URL above, approve, then run "
        "spendopt connect qianchuan --auth-code CODE (the code, or the whole URL you were sent to); the app id, "
        "secret and key come from the environment variables SPENDOPT_QIANCHUAN_APP_ID, "
        "SPENDOPT_QIANCHUAN_APP_SECRET and SPENDOPT_SECRET_KEY",
    },
}

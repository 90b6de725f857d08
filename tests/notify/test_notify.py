"""Notifications reach Feishu, DingTalk, WeCom and a webhook as their services document.

Receivers on 127.0.0.1 (``tests/notify/receivers.py``) recompute every
signature with their own code from the documented formula; the fixed vectors
below pin the formula itself (timestamp 1599360473, the Feishu guide's example).
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
from pydantic import SecretStr

from optimizer.notify import (
    DingTalkBot,
    FeishuBot,
    Notice,
    Notifier,
    WebhookBot,
    WeComBot,
    bots_from_env,
    pack,
)
from optimizer.notify.signing import dingtalk_sign, feishu_sign
from tests.notify.receivers import FakeClock, Receivers, dingtalk_expected, feishu_expected

T0 = 1599360473
SECRETS = {"feishu": "demo-feishu-secret", "dingtalk": "SECdemo-dingtalk-secret", "webhook": "hook-secret"}
# computed once, by hand, from the documented formulas (see the module docstring)
FEISHU_SIGN_T0 = "I14G+BylJBIS1VqI4nUg1mKqMAjMGZlFJGT36IJRUr8="
DINGTALK_SIGN_T0_MS = "scQg3DogLBo3FdEpz04DkcE60%2BmxO1SBaxSMAwfZ1jY%3D"  # URL-encoded, as it goes on the URL


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def rx(clock):
    server = Receivers(clock, SECRETS).start()
    yield server
    server.stop()


def all_bots(rx: Receivers):
    return [
        FeishuBot(url=SecretStr(rx.url("feishu")), secret=SecretStr(SECRETS["feishu"])),
        DingTalkBot(url=SecretStr(rx.url("dingtalk")), secret=SecretStr(SECRETS["dingtalk"])),
        WeComBot(url=SecretStr(rx.url("wecom"))),
        WebhookBot(url=SecretStr(rx.url("webhook")), secret=SecretStr(SECRETS["webhook"])),
    ]


def notices(n: int) -> list[Notice]:
    return [
        Notice(
            key=f"alert-{i}",
            level="critical" if i % 7 == 0 else "warning",
            title=f"计划 直播间-羽绒服-{i:03d} ROI 跌破目标",
            lines=(f"昨日 GMV 1,{i:03d} 元, 模型区间 3,000-5,200 元", "已转人工审核, 不自动调整"),
        )
        for i in range(n)
    ]


def test_signature_vectors_match_the_documented_formulas():
    assert feishu_sign(T0, SECRETS["feishu"]) == FEISHU_SIGN_T0 == feishu_expected(str(T0), SECRETS["feishu"])
    ms = T0 * 1000
    assert dingtalk_sign(ms, SECRETS["dingtalk"]) == DINGTALK_SIGN_T0_MS
    assert urllib.parse.unquote_plus(DINGTALK_SIGN_T0_MS) == dingtalk_expected(str(ms), SECRETS["dingtalk"])


def test_one_notice_reaches_every_bot_signed_and_shaped_as_documented(rx, clock):
    with Notifier(all_bots(rx), clock=clock.time, sleep=clock.sleep) as notifier:
        report = notifier.send(notices(1))
    assert report.ok and report.undelivered == [], report
    assert rx.violations == []
    (feishu,) = rx.of("feishu")
    assert feishu.body["timestamp"] == str(T0) and feishu.body["sign"] == FEISHU_SIGN_T0
    assert feishu.body["msg_type"] == "interactive"
    assert feishu.body["card"]["header"]["title"]["content"].startswith("计划 直播间-羽绒服-000")
    assert feishu.body["card"]["header"]["template"] == "red"
    (ding,) = rx.of("dingtalk")
    assert f"timestamp={T0 * 1000}&sign={DINGTALK_SIGN_T0_MS}" in ding.raw_query
    assert ding.body["msgtype"] == "markdown" and "模型区间" in ding.body["markdown"]["text"]
    (wecom,) = rx.of("wecom")
    assert wecom.query["key"] == rx.wecom_key and "已转人工审核" in wecom.body["markdown"]["content"]
    (hook,) = rx.of("webhook")
    assert hook.body["notices"][0]["key"] == "alert-0"
    assert json.loads(hook.raw_body)["language"] == "zh-CN"


def test_a_burst_of_100_alerts_arrives_as_digests_within_each_rate_limit(rx, clock):
    burst = notices(100)
    with Notifier(all_bots(rx), clock=clock.time, sleep=clock.sleep) as notifier:
        report = notifier.send(burst)
    assert rx.violations == []
    assert report.ok and report.undelivered == []
    for service in ("feishu", "dingtalk", "wecom", "webhook"):
        arrivals = rx.of(service)
        keys = []
        for a in arrivals:
            if service == "webhook":
                keys += [n["key"] for n in a.body["notices"]]
            else:
                text = json.dumps(a.body, ensure_ascii=False)
                keys += [n.key for n in burst if f"-{n.key.split('-')[1].zfill(3)} ROI" in text]
        assert sorted(keys) == sorted(n.key for n in burst), service  # each alert exactly once
        assert 1 <= len(arrivals) <= 20, (service, len(arrivals))  # digests, not 100 messages
    # WeCom's 4096-byte markdown needs the most digests; it still fits one rate window
    assert len(rx.of("wecom")) > len(rx.of("dingtalk"))


def test_digests_wait_for_the_rate_window_instead_of_dropping(rx, clock):
    wecom = WeComBot(url=SecretStr(rx.url("wecom")))
    many = notices(1000)  # ~ 40 WeCom digests: more than 20 a minute
    with Notifier([wecom], clock=clock.time, sleep=clock.sleep, max_wait_s=3600) as notifier:
        report = notifier.send(many)
    assert rx.violations == [] and report.undelivered == []
    times = [a.at for a in rx.of("wecom")]
    assert len(times) > 20
    assert all(len([t for t in times if start <= t < start + 60]) <= 20 for start in times)
    assert clock.slept >= 60


def test_a_rate_limit_answer_waits_and_sends_the_same_digest_again(rx, clock):
    rx.script["dingtalk"] = [(200, {"errcode": 130101, "errmsg": "send too fast"})]
    bot = DingTalkBot(url=SecretStr(rx.url("dingtalk")), secret=SecretStr(SECRETS["dingtalk"]))
    with Notifier([bot], clock=clock.time, sleep=clock.sleep) as notifier:
        report = notifier.send(notices(3))
    assert report.ok and report.bots[0].delivered == ["alert-0", "alert-1", "alert-2"]
    first, second = rx.of("dingtalk")
    assert first.body == second.body and second.at - first.at >= 60


def test_a_5xx_is_retried_with_back_off(rx, clock):
    rx.script["feishu"] = [(502, None), (503, None)]
    bot = FeishuBot(url=SecretStr(rx.url("feishu")), secret=SecretStr(SECRETS["feishu"]))
    with Notifier([bot], clock=clock.time, sleep=clock.sleep, backoff_s=1.0) as notifier:
        report = notifier.send(notices(2))
    assert report.ok and len(rx.of("feishu")) == 3 and clock.slept >= 3.0


def test_a_rejected_bot_keeps_its_notices_undelivered_and_never_leaks_the_secret(rx, clock):
    bot = FeishuBot(url=SecretStr(rx.url("feishu")), secret=SecretStr("wrong-secret"))
    with Notifier([bot], clock=clock.time, sleep=clock.sleep) as notifier:
        report = notifier.send(notices(5))
    assert report.undelivered == [f"alert-{i}" for i in range(5)]
    error = report.bots[0].error
    assert "19021" in error and "wrong-secret" not in error and "test-hook" not in error
    assert "wrong-secret" not in repr(bot) and "127.0.0.1" not in repr(bot)
    assert len(rx.of("feishu")) == 1  # a bad signature is not retried


def test_an_unreachable_bot_says_so_without_its_url(clock):
    bot = WeComBot(url=SecretStr("http://127.0.0.1:9/cgi-bin/webhook/send?key=secret-key"))
    with Notifier([bot], clock=clock.time, sleep=clock.sleep, max_retries=1, timeout_s=2) as notifier:
        report = notifier.send(notices(1))
    assert report.undelivered == ["alert-0"]
    assert "secret-key" not in report.bots[0].error and "127.0.0.1" not in report.bots[0].error


def test_the_kill_switch_sends_nothing(rx, clock):
    with Notifier(all_bots(rx), enabled=False, clock=clock.time, sleep=clock.sleep) as notifier:
        report = notifier.send(notices(3))
    assert not report.enabled and report.bots == [] and rx.arrivals == []


def test_english_when_the_language_says_so(rx, clock):
    with Notifier(all_bots(rx)[2:3], language="en", clock=clock.time, sleep=clock.sleep) as notifier:
        notifier.send(notices(2))
    content = rx.of("wecom")[0].body["markdown"]["content"]
    assert "notices" in content and "[warning]" in content


def test_bots_come_from_the_environment_only():
    env = {
        "SPENDOPT_NOTIFY_FEISHU_WEBHOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/x",
        "SPENDOPT_NOTIFY_FEISHU_SECRET": "s",
        "SPENDOPT_NOTIFY_WECOM_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    }
    bots = bots_from_env(env)
    assert [b.name for b in bots] == ["feishu", "wecom"]
    assert bots[0].secret.get_secret_value() == "s" and bots[1].secret is None
    from connectors.errors import InputError

    with pytest.raises(InputError, match="SPENDOPT_NOTIFY_DINGTALK_WEBHOOK") as err:
        bots_from_env({"SPENDOPT_NOTIFY_DINGTALK_WEBHOOK": "oapi.dingtalk.com/robot/send?access_token=tok"})
    assert "tok" not in str(err.value)


def test_an_oversized_notice_is_cut_to_fit_never_dropped():
    bot = WeComBot(url=SecretStr("https://example.invalid/"))
    huge = Notice(key="big", title="超长", lines=tuple("明细" * 200 for _ in range(20)))
    groups = pack([huge, *notices(2)], lambda g: bot.fits(g, "zh-CN"), "zh-CN")
    assert [n.key for g in groups for n in g] == ["big", "alert-0", "alert-1"]
    assert "已截断" in groups[0][0].lines[-1]

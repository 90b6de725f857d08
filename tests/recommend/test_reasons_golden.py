"""Must-hold 4: golden reasons and action labels, zh-CN and en, consistent with their numbers.

Each case is one row's numbers (``RowFacts``); the table pins the exact words in
both languages. The checks after it read the numbers back out of the words: the
label's direction follows the forecast spend, every budget and bid quoted is the
row's, "above"/"below" agree with marginal ROI against the threshold, and no
``nan`` ever reaches a person.
"""

from __future__ import annotations

import math
import re

import pytest

from optimizer.decide.reasons import FactColumns, action_label, reason, words
from optimizer.decide.reasons import RowFacts as F

inf, nan = math.inf, math.nan
# fmt: off
CASES: dict[str, F] = {
 "raise_capped": F("increase","cpa",False,5000,5600,30,30,4980,5540,3.1,3.4,2.1,capped_days=6,roi7=3.3),
 "raise_not_capped": F("increase","cpa",False,3000,3300,25,25,2900,3150,2.8,2.6,2.1,roi7=2.9),
 "cut_low_marginal": F("decrease","cpa",False,4000,3200,20,20,3900,3150,1.6,1.2,2.1,roi7=1.5),
 "cut_although_capped": F("decrease","cpa",False,2000,1700,25,25,2000,1700,1.3,1.1,2.1,capped_days=6,roi7=1.2),
 "mask_budget_down_bid_up": F("decrease","cpa",False,5100,4720,10.66,11.72,4600,4850,1.9,2.3,2.1,capped_days=2,roi7=1.8),
 "budget_up_bid_down_spend_down": F("increase","cpa",False,3000,3300,40,36,2950,2800,3.0,1.9,2.1),
 "bid_up_only": F("increase","cpa",False,6000,6000,50,54,5200,5600,3.6,3.0,2.1),
 "roi_target_down": F("increase","roi",False,8000,8000,3.0,2.8,6500,7100,3.2,2.9,2.1),
 "roi_target_up_budget_up": F("increase","roi",False,8000,8800,3.0,3.2,7900,7600,3.5,2.0,2.1),
 "hold_at_threshold": F("hold","cpa",False,2500,2500,30,30,2499,2499,3.6,2.15,2.1),
 "hold_above_capped": F("hold","cpa",False,2500,2500,30,30,2499,2499,3.6,3.4,2.1,capped_days=6),
 "pause": F("pause","cpa",False,2000,0,20,20,1900,0,nan,0.8,2.1,roi7=0.9,review=(("why_pause",{}),("why_budget",{"pct":100.0,"limit":15.0}))),
 "resume": F("resume","cpa",True,1000,1000,30,30,0,980,3.0,3.0,2.1,review=(("why_resume",{}),)),
 "kept_paused": F("hold","none",True,1500,0,nan,nan,0,0,nan,1.0,2.1),
 "first_cap": F("decrease","none",False,inf,6000,nan,nan,6800,6000,2.4,2.2,2.1,review=(("why_first_cap",{}),)),
 "review_big_raise_thin": F("increase","cpa",False,1000,1300,20,20,1000,1290,4.0,4.5,2.1,capped_days=7,review=(("why_budget",{"pct":30.0,"limit":15.0}),("why_thin",{"days":5,"pooled":0.6}))),
 "no_threshold": F("pause","cpa",False,3000,0,20,20,2900,0,nan,nan,nan,roi7=0.5),
 "explore": F("increase","cpa",False,900,1000,38,38,900,990,3.1,2.4,2.1,capped_days=7,explored=True),
 "bid_settling": F("increase","cpa",False,3000,3400,40,40,3000,3380,3.0,2.9,2.1,capped_days=5,bid_note="settling",settle_days=3),
 "small_bid": F("decrease","cpa",False,300,300,12.5,11.5,280,250,2.0,1.5,2.1),
}

GOLDEN = {
    ('raise_capped', 'zh-CN'): (
        '加量：加预算',
        '近 7 天有 6 天花完预算，边际 ROI 3.40 高于账户门槛 2.10，预算 5,000 元 → 5,600 元（+12%），预计消耗 4,980 元 → 5,540 元，ROI 3.10。',
    ),
    ('raise_capped', 'en'): (
        'more spend: budget up',
        'capped by its budget on 6 of the last 7 days and its marginal ROI 3.40 is above the account threshold 2.10; budget 5,000 CNY -> 5,600 CNY (+12%); forecast spend 4,980 CNY -> 5,540 CNY at ROI 3.10.',
    ),
    ('raise_not_capped', 'zh-CN'): (
        '加量：加预算',
        '边际 ROI 2.60 高于账户门槛 2.10，预算 3,000 元 → 3,300 元（+10%），预计消耗 2,900 元 → 3,150 元，ROI 2.80。',
    ),
    ('raise_not_capped', 'en'): (
        'more spend: budget up',
        'its marginal ROI 2.60 is above the account threshold 2.10; budget 3,000 CNY -> 3,300 CNY (+10%); forecast spend 2,900 CNY -> 3,150 CNY at ROI 2.80.',
    ),
    ('cut_low_marginal', 'zh-CN'): (
        '减量：减预算',
        '边际 ROI 1.20 低于账户门槛 2.10，预算 4,000 元 → 3,200 元（-20%），预计消耗 3,900 元 → 3,150 元，ROI 1.60。',
    ),
    ('cut_low_marginal', 'en'): (
        'less spend: budget down',
        'its marginal ROI 1.20 is below the account threshold 2.10; budget 4,000 CNY -> 3,200 CNY (-20%); forecast spend 3,900 CNY -> 3,150 CNY at ROI 1.60.',
    ),
    ('cut_although_capped', 'zh-CN'): (
        '减量：减预算',
        '边际 ROI 1.10 低于账户门槛 2.10（尽管近 7 天有 6 天花完预算），预算 2,000 元 → 1,700 元（-15%），预计消耗 2,000 元 → 1,700 元，ROI 1.30。',
    ),
    ('cut_although_capped', 'en'): (
        'less spend: budget down',
        'its marginal ROI 1.10 is below the account threshold 2.10 (although capped by its budget on 6 of the last 7 days); budget 2,000 CNY -> 1,700 CNY (-15%); forecast spend 2,000 CNY -> 1,700 CNY at ROI 1.30.',
    ),
    ('mask_budget_down_bid_up', 'zh-CN'): (
        '加量：减预算、提出价（预算与出价反向）',
        '近 7 天有 2 天花完预算，边际 ROI 2.30 高于账户门槛 2.10，预算 5,100 元 → 4,720 元（-7%），出价 10.66 元 → 11.72 元（+10%），预算与出价反向，预计消耗 4,600 元 → 4,850 元（+5%），ROI 1.90。',
    ),
    ('mask_budget_down_bid_up', 'en'): (
        'more spend: budget down, bid up (budget and bid move in opposite directions)',
        'capped by its budget on 2 of the last 7 days and its marginal ROI 2.30 is above the account threshold 2.10; budget 5,100 CNY -> 4,720 CNY (-7%); bid 10.66 CNY -> 11.72 CNY (+10%); budget and bid move in opposite directions: forecast spend 4,600 CNY -> 4,850 CNY (+5%) at ROI 1.90.',
    ),
    ('budget_up_bid_down_spend_down', 'zh-CN'): (
        '减量：加预算、降出价（预算与出价反向）',
        '边际 ROI 1.90 低于账户门槛 2.10，预算 3,000 元 → 3,300 元（+10%），出价 40.00 元 → 36.00 元（-10%），预算与出价反向，预计消耗 2,950 元 → 2,800 元（-5%），ROI 3.00。',
    ),
    ('budget_up_bid_down_spend_down', 'en'): (
        'less spend: budget up, bid down (budget and bid move in opposite directions)',
        'its marginal ROI 1.90 is below the account threshold 2.10; budget 3,000 CNY -> 3,300 CNY (+10%); bid 40.00 CNY -> 36.00 CNY (-10%); budget and bid move in opposite directions: forecast spend 2,950 CNY -> 2,800 CNY (-5%) at ROI 3.00.',
    ),
    ('bid_up_only', 'zh-CN'): (
        '加量：提出价',
        '边际 ROI 3.00 高于账户门槛 2.10，预算保持 6,000 元，出价 50.00 元 → 54.00 元（+8%），预计消耗 5,200 元 → 5,600 元，ROI 3.60。',
    ),
    ('bid_up_only', 'en'): (
        'more spend: bid up',
        'its marginal ROI 3.00 is above the account threshold 2.10; budget stays 6,000 CNY; bid 50.00 CNY -> 54.00 CNY (+8%); forecast spend 5,200 CNY -> 5,600 CNY at ROI 3.60.',
    ),
    ('roi_target_down', 'zh-CN'): (
        '加量：降低ROI目标',
        '边际 ROI 2.90 高于账户门槛 2.10，预算保持 8,000 元，ROI 目标 3.00 → 2.80（-7%），预计消耗 6,500 元 → 7,100 元，ROI 3.20。',
    ),
    ('roi_target_down', 'en'): (
        'more spend: ROI target down',
        'its marginal ROI 2.90 is above the account threshold 2.10; budget stays 8,000 CNY; ROI target 3.00 -> 2.80 (-7%); forecast spend 6,500 CNY -> 7,100 CNY at ROI 3.20.',
    ),
    ('roi_target_up_budget_up', 'zh-CN'): (
        '减量：加预算、提高ROI目标（预算与出价反向）',
        '边际 ROI 2.00 与账户门槛 2.10 相当，预算 8,000 元 → 8,800 元（+10%），ROI 目标 3.00 → 3.20（+7%），预算与出价反向，预计消耗 7,900 元 → 7,600 元（-4%），ROI 3.50。',
    ),
    ('roi_target_up_budget_up', 'en'): (
        'less spend: budget up, ROI target up (budget and bid move in opposite directions)',
        'its marginal ROI 2.00 is at the account threshold 2.10; budget 8,000 CNY -> 8,800 CNY (+10%); ROI target 3.00 -> 3.20 (+7%); budget and bid move in opposite directions: forecast spend 7,900 CNY -> 7,600 CNY (-4%) at ROI 3.50.',
    ),
    ('hold_at_threshold', 'zh-CN'): (
        '保持',
        '边际 ROI 2.15 与账户门槛 2.10 相当，预算保持 2,500 元，预计消耗 2,499 元，ROI 3.60。',
    ),
    ('hold_at_threshold', 'en'): (
        'hold',
        'its marginal ROI 2.15 is at the account threshold 2.10; budget stays 2,500 CNY; forecast spend 2,499 CNY at ROI 3.60.',
    ),
    ('hold_above_capped', 'zh-CN'): (
        '保持',
        '近 7 天有 6 天花完预算，边际 ROI 3.40 高于账户门槛 2.10，预算保持 2,500 元，预计消耗 2,499 元，ROI 3.60。',
    ),
    ('hold_above_capped', 'en'): (
        'hold',
        'capped by its budget on 6 of the last 7 days and its marginal ROI 3.40 is above the account threshold 2.10; budget stays 2,500 CNY; forecast spend 2,499 CNY at ROI 3.60.',
    ),
    ('pause', 'zh-CN'): (
        '暂停',
        '边际 ROI 0.80 低于账户门槛 2.10，这笔预算在其他计划赚得更多，预算 2,000 元 → 0（暂停），近 7 天 ROI 0.90；需审核：暂停需人工确认、预算变化 100% 超过自动执行上限 15%。',
    ),
    ('pause', 'en'): (
        'pause',
        'its marginal ROI 0.80 is below the account threshold 2.10: the budget earns more elsewhere; budget 2,000 CNY -> 0 (paused); ROI 0.90 over the last 7 days; review: pausing needs a person, budget change 100% is above the auto-apply limit 15%.',
    ),
    ('resume', 'zh-CN'): (
        '恢复投放',
        '边际 ROI 3.00 高于账户门槛 2.10，恢复预算 1,000 元，预计消耗 0 元 → 980 元，ROI 3.00；需审核：恢复投放需人工确认。',
    ),
    ('resume', 'en'): (
        'resume',
        'its marginal ROI 3.00 is above the account threshold 2.10; resumes at budget 1,000 CNY; forecast spend 0 CNY -> 980 CNY at ROI 3.00; review: resuming needs a person.',
    ),
    ('kept_paused', 'zh-CN'): (
        '保持暂停',
        '恢复投放的边际 ROI 1.00 低于账户门槛 2.10，保持暂停，暂停中的预算 1,500 元。',
    ),
    ('kept_paused', 'en'): (
        'stay paused',
        'resuming would earn a marginal ROI of 1.00, below the account threshold 2.10: it stays paused; budget while paused 1,500 CNY.',
    ),
    ('first_cap', 'zh-CN'): (
        '减量：设预算上限',
        '边际 ROI 2.20 与账户门槛 2.10 相当，预算上限设为 6,000 元（原为不限），预计消耗 6,800 元 → 6,000 元，ROI 2.40；需审核：给不限预算的计划设上限。',
    ),
    ('first_cap', 'en'): (
        'less spend: budget capped',
        'its marginal ROI 2.20 is at the account threshold 2.10; budget capped at 6,000 CNY (no cap before); forecast spend 6,800 CNY -> 6,000 CNY at ROI 2.40; review: sets a budget cap on an uncapped campaign.',
    ),
    ('review_big_raise_thin', 'zh-CN'): (
        '加量：加预算',
        '近 7 天有 7 天花完预算，边际 ROI 4.50 高于账户门槛 2.10，预算 1,000 元 → 1,300 元（+30%），预计消耗 1,000 元 → 1,290 元，ROI 4.00；需审核：预算变化 30% 超过自动执行上限 15%、数据少（5 天；预测有 60% 来自同类计划）。',
    ),
    ('review_big_raise_thin', 'en'): (
        'more spend: budget up',
        'capped by its budget on 7 of the last 7 days and its marginal ROI 4.50 is above the account threshold 2.10; budget 1,000 CNY -> 1,300 CNY (+30%); forecast spend 1,000 CNY -> 1,290 CNY at ROI 4.00; review: budget change 30% is above the auto-apply limit 15%, thin data (5 days; forecast 60% from similar campaigns).',
    ),
    ('no_threshold', 'zh-CN'): (
        '暂停',
        '边际 ROI 无，而本账户没有计划能达到 ROI 下限，预算 3,000 元 → 0（暂停），近 7 天 ROI 0.50。',
    ),
    ('no_threshold', 'en'): (
        'pause',
        'its marginal ROI is n/a and no campaign of the account meets the ROI floor; budget 3,000 CNY -> 0 (paused); ROI 0.50 over the last 7 days.',
    ),
    ('explore', 'zh-CN'): (
        '加量：加预算',
        '近 7 天有 7 天花完预算，边际 ROI 2.40 高于账户门槛 2.10，预算 900 元 → 1,000 元（+11%），预计消耗 900 元 → 990 元，ROI 3.10，试探性加预算：花完预算时预算从未变过，曲线尚不确定。',
    ),
    ('explore', 'en'): (
        'more spend: budget up',
        'capped by its budget on 7 of the last 7 days and its marginal ROI 2.40 is above the account threshold 2.10; budget 900 CNY -> 1,000 CNY (+11%); forecast spend 900 CNY -> 990 CNY at ROI 3.10; an exploration step: its budget never varied while capped, so its curve is uncertain.',
    ),
    ('bid_settling', 'zh-CN'): (
        '加量：加预算',
        '近 7 天有 5 天花完预算，边际 ROI 2.90 高于账户门槛 2.10，预算 3,000 元 → 3,400 元（+13%），预计消耗 3,000 元 → 3,380 元，ROI 3.00，出价不变：3 天内刚调过，效果还没进数据。',
    ),
    ('bid_settling', 'en'): (
        'more spend: budget up',
        'capped by its budget on 5 of the last 7 days and its marginal ROI 2.90 is above the account threshold 2.10; budget 3,000 CNY -> 3,400 CNY (+13%); forecast spend 3,000 CNY -> 3,380 CNY at ROI 3.00; bid kept: it changed less than 3 days ago and its effect is not in the data yet.',
    ),
    ('small_bid', 'zh-CN'): (
        '减量：降出价',
        '边际 ROI 1.50 低于账户门槛 2.10，预算保持 300 元，出价 12.50 元 → 11.50 元（-8%），预计消耗 280 元 → 250 元，ROI 2.00。',
    ),
    ('small_bid', 'en'): (
        'less spend: bid down',
        'its marginal ROI 1.50 is below the account threshold 2.10; budget stays 300 CNY; bid 12.50 CNY -> 11.50 CNY (-8%); forecast spend 280 CNY -> 250 CNY at ROI 2.00.',
    ),
}
# fmt: on


def test_the_table_is_big_enough():
    assert len(CASES) >= 15 and len(GOLDEN) == 2 * len(CASES)


@pytest.mark.parametrize(("case", "lang"), sorted(GOLDEN))
def test_golden_words(case, lang):
    label, sentence = GOLDEN[(case, lang)]
    assert action_label(CASES[case], lang) == label
    assert reason(CASES[case], lang) == sentence


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_all_cases_worded_at_once_are_each_case_worded_alone(lang):
    """As ``recommend`` words them: all rows as columns, their review entries in different orders and places."""
    names = sorted(CASES) * 2
    labels, sentences = words(FactColumns.of([CASES[c] for c in names]), lang)
    assert list(zip(labels, sentences, strict=True)) == [GOLDEN[(c, lang)] for c in names]


def _money(x: float, lang: str) -> str:
    amount = f"{x:,.0f}" if abs(x) >= 100 or x == 0 else f"{x:,.2f}"
    return f"{amount} 元" if lang == "zh-CN" else f"{amount} CNY"


@pytest.mark.parametrize(("case", "lang"), sorted(GOLDEN))
def test_words_match_the_numbers(case, lang):
    f = CASES[case]
    label, sentence = action_label(f, lang), reason(f, lang)
    assert "nan" not in (label + sentence).lower()
    zh = lang == "zh-CN"
    assert sentence.endswith("。" if zh else "."), "one sentence"
    assert not re.search(r"[.!?] [A-Z]", sentence) and sentence.count("。") <= 1, "one sentence, not several"
    # direction of the label follows the forecast spend
    change = (f.spend - f.spend_now) / max(f.spend_now, 1.0)
    more, less = ("加量", "减量") if zh else ("more spend", "less spend")
    if label.startswith(more):
        assert change > 0.01
    if label.startswith(less):
        assert change < -0.01
    if change > 0.01 and f.action not in ("pause", "resume") and not (f.paused_now and f.budget <= 0):
        assert label.startswith(more) or label in ("保持", "hold")
    # opposite moves are said
    budget_dir = (f.budget > f.current_budget) - (f.budget < f.current_budget) if math.isfinite(f.current_budget) else 0
    bid_dir = 0 if math.isnan(f.bid) or math.isnan(f.current_bid) else (f.bid > f.current_bid) - (f.bid < f.current_bid)
    if f.bid_type == "roi":
        bid_dir = -bid_dir
    opposite = budget_dir and bid_dir and budget_dir != bid_dir
    assert (("反向" if zh else "opposite directions") in label) == bool(opposite)
    # the row's numbers are the ones quoted
    if math.isfinite(f.current_budget) and not (f.paused_now and f.budget <= 0):
        assert _money(f.current_budget, lang) in sentence
    if f.budget > 0 and math.isfinite(f.budget):
        assert _money(f.budget, lang) in sentence
    kept_paused = f.paused_now and f.budget <= 0
    if budget_dir and f.current_budget > 0 and f.action not in ("pause", "resume") and not kept_paused:
        assert f"{(f.budget - f.current_budget) / f.current_budget * 100:+.0f}%" in sentence
    if bid_dir and f.action != "pause":
        assert f"{f.current_bid:.2f}" in sentence and f"{f.bid:.2f}" in sentence
    # above / below agree with marginal ROI vs the threshold
    if math.isfinite(f.marginal_roi) and math.isfinite(f.threshold):
        assert f"{f.marginal_roi:.2f}" in sentence and f"{f.threshold:.2f}" in sentence
        above, below = (
            ("高于账户门槛", "低于账户门槛") if zh else ("above the account threshold", "below the account threshold")
        )
        if above in sentence:
            assert f.marginal_roi > f.threshold
        if below in sentence.split("（")[0].split("(")[0]:
            assert f.marginal_roi < f.threshold
    # the main driver comes first: the marginal ROI (or the capped days) opens the sentence
    first = re.split("[，;]", sentence)[0]
    assert "ROI" in first or ("天" in first if zh else "days" in first)
    # units: money in 元 / CNY
    assert ("元" in sentence) if zh else ("CNY" in sentence)

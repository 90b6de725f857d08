"""Property: whatever the old and new (budget, bid) of a CPA campaign, the chosen order keeps bid <= budget."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.act.plan_changes import RowToApply, desired_changes

money = st.integers(min_value=300, max_value=20_000).map(lambda x: Decimal(x))


@st.composite
def moves(draw):
    b0_budget = draw(money)
    b0_bid = Decimal(draw(st.integers(min_value=1, max_value=int(b0_budget))))
    b1_budget = draw(money)
    b1_bid = Decimal(draw(st.integers(min_value=1, max_value=int(b1_budget))))
    return b0_budget, b0_bid, b1_budget, b1_bid


@settings(max_examples=300, deadline=None)
@given(moves())
def test_every_intermediate_state_keeps_the_bid_at_or_below_the_budget(move):
    budget, bid, new_budget, new_bid = move
    row = RowToApply(
        account_id="a",
        campaign_id="c",
        bid_type="cpa",
        current_budget=budget,
        recommended_budget=new_budget,
        current_bid=bid,
        recommended_bid=new_bid,
        action="increase",
        decision="auto",
        approved=None,
        reason="",
    )
    for field, _before, after in desired_changes(row):
        if field == "budget":
            budget = Decimal(after)
        else:
            bid = Decimal(after)
        assert bid <= budget, (move, desired_changes(row))
    assert (budget, bid) == (new_budget, new_bid)

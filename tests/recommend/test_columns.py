"""The recommendations table's columns are the data contract's, in its order."""

from optimizer.decide import columns

CONTRACT_SECTION_2 = (
    "run_id",
    "effective_date",
    "account_id",
    "campaign_id",
    "campaign_name",
    "channel",
    "bid_type",
    "current_budget",
    "recommended_budget",
    "current_bid",
    "recommended_bid",
    "action",
    "expected_spend",
    "expected_gmv",
    "expected_roi",
    "marginal_roi",
    "decision",
    "reason",
    "approved",
)


def test_contract_columns_are_pinned_in_order():
    assert columns.CONTRACT_COLUMNS == CONTRACT_SECTION_2


def test_added_columns_come_after_the_contract_and_rename_nothing():
    assert columns.ALL_COLUMNS[: len(CONTRACT_SECTION_2)] == CONTRACT_SECTION_2
    assert not set(columns.EXTRA_COLUMNS) & set(CONTRACT_SECTION_2)
    assert len(set(columns.ALL_COLUMNS)) == len(columns.ALL_COLUMNS)


def test_every_column_is_listed_in_the_module_docstring():
    for name in columns.ALL_COLUMNS:
        assert f"    {name} " in columns.__doc__

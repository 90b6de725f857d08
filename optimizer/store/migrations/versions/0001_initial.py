"""The first schema: accounts, campaigns, daily stats and their revisions,
runs, recommendations and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
RATIO = sa.Numeric(14, 4)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("gmv_basis", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("bid_type", sa.String(8), nullable=False),
        sa.Column("budget", MONEY, nullable=True),
        sa.Column("bid", MONEY, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("excluded_reason", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "daily_stat",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("spend", MONEY, nullable=False),
        sa.Column("gmv", MONEY, nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("budget", MONEY, nullable=True),
        sa.Column("bid_type", sa.String(8), nullable=True),
        sa.Column("bid", MONEY, nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "daily_stat_revision",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("seen_on", sa.Date(), primary_key=True),
        sa.Column("spend", MONEY, nullable=False),
        sa.Column("gmv", MONEY, nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "optimization_run",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("code_version", sa.String(64), nullable=False),
        sa.Column("message", sa.String(2000), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "recommendation",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("campaign_name", sa.String(500), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("bid_type", sa.String(8), nullable=False),
        sa.Column("current_budget", MONEY, nullable=True),
        sa.Column("recommended_budget", MONEY, nullable=True),
        sa.Column("current_bid", MONEY, nullable=True),
        sa.Column("recommended_bid", MONEY, nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("expected_spend", MONEY, nullable=False),
        sa.Column("expected_gmv", MONEY, nullable=False),
        sa.Column("expected_roi", RATIO, nullable=True),
        sa.Column("marginal_roi", RATIO, nullable=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("approved", sa.String(8), nullable=True),
    )
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("change_key", sa.String(300), nullable=False, unique=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("before", sa.String(64), nullable=True),
        sa.Column("after", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("error", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_change_log_run_id", "change_log", ["run_id"])


def downgrade() -> None:
    for table in (
        "change_log",
        "recommendation",
        "optimization_run",
        "daily_stat_revision",
        "daily_stat",
        "campaign",
        "account",
    ):
        op.drop_table(table)

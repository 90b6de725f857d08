"""intraday_spend: each poll of the watch, so a day's shape is learned per campaign.

Revision ID: a16_intraday_spend
Revises: a15_rate_slot
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op


revision = "a16_intraday_spend"
down_revision = "a15_rate_slot"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "intraday_spend",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("minute", sa.Integer(), primary_key=True),
        sa.Column("spend", MONEY, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intraday_spend")

"""Money safety: the run key (one owner per account-day), review decisions as
records, and the recommendation's proposed values kept apart from the reviewer's.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "run_lease",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("effective_date", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_from", sa.String(64), nullable=True),
    )
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("file", sa.String(1000), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved", sa.String(8), nullable=True),
        sa.Column("recommended_budget", MONEY, nullable=True),
        sa.Column("recommended_bid", MONEY, nullable=True),
        sa.Column("action", sa.String(16), nullable=True),
        sa.Column("note", sa.String(2000), nullable=False),
    )
    op.create_index("ix_review_decision_run", "review_decision", ["run_id", "account_id", "campaign_id"])
    with op.batch_alter_table("recommendation") as batch:
        batch.add_column(sa.Column("proposed_budget", MONEY, nullable=True))
        batch.add_column(sa.Column("proposed_bid", MONEY, nullable=True))
    op.execute("UPDATE recommendation SET proposed_budget = recommended_budget, proposed_bid = recommended_bid")


def downgrade() -> None:
    with op.batch_alter_table("recommendation") as batch:
        batch.drop_column("proposed_bid")
        batch.drop_column("proposed_budget")
    op.drop_index("ix_review_decision_run", "review_decision")
    op.drop_table("review_decision")
    op.drop_table("run_lease")

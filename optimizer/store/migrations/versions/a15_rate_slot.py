"""rate_slot: the shared rate limits of a fleet of workers (the app's QPS, each advertiser's).

Revision ID: a15_rate_slot
Revises: a14_experiment
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "a15_rate_slot"
down_revision = "a14_experiment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_slot",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("tat", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_slot")

"""Budget-split experiments: experiment, experiment_arm, experiment_assignment, experiment_state.

Revision ID: a14_experiment
Revises: a13_alerts
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "a14_experiment"
down_revision = "a13_alerts"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
RATIO = sa.Numeric(14, 4)


def upgrade() -> None:
    op.create_table(
        "experiment",
        sa.Column("experiment_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("treatment_share", RATIO, nullable=False),
        sa.Column("total_daily", MONEY, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("pre_start", sa.Date, nullable=False),
        sa.Column("burn_in_days", sa.Integer, nullable=False),
        sa.Column("mature_days", sa.Integer, nullable=False),
        sa.Column("planned_days", sa.Integer, nullable=False),
        sa.Column("alpha", RATIO, nullable=False),
        sa.Column("plan_mde", RATIO, nullable=True),
        sa.Column("plan_se", sa.Float, nullable=True),
        sa.Column("stop_date", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "experiment_arm",
        sa.Column("experiment_id", sa.String(64), sa.ForeignKey("experiment.experiment_id"), primary_key=True),
        sa.Column("arm", sa.String(16), primary_key=True),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("total_daily", MONEY, nullable=False),
    )
    op.create_table(
        "experiment_assignment",
        sa.Column("experiment_id", sa.String(64), sa.ForeignKey("experiment.experiment_id"), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("arm", sa.String(16), nullable=False),
        sa.Column("pre_spend", MONEY, nullable=False),
        sa.Column("pre_gmv", MONEY, nullable=False),
        sa.Column("start_budget", MONEY, nullable=False),
    )
    op.create_table(
        "experiment_state",
        sa.Column("experiment_id", sa.String(64), sa.ForeignKey("experiment.experiment_id"), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("arm", sa.String(16), primary_key=True),
        sa.Column("budget_total", MONEY, nullable=False),
        sa.Column("arm_total", MONEY, nullable=False),
        sa.Column("campaigns", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in ("experiment_state", "experiment_assignment", "experiment_arm", "experiment"):
        op.drop_table(name)

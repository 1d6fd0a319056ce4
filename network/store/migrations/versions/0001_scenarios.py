"""Scenarios and their saved versions.

Revision ID: 0001_scenarios
Revises:
Create Date: 2025-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_scenarios"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_key", sa.String(480), nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scenarios"),
        sa.UniqueConstraint("name_key", name="uq_scenarios_name_key"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "scenario_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("scenario_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("format_version", sa.Integer, nullable=False),
        sa.Column("solver_status", sa.String(32)),
        sa.Column("solver_gap", sa.Double),
        sa.Column("solver_best_bound_usd", sa.Double),
        sa.Column("total_cost_usd", sa.Double),
        sa.Column("cost_per_order_usd", sa.Double),
        sa.Column("n_open_sites", sa.Integer),
        sa.Column("share_within_2_days", sa.Double),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("scenario_json", sa.Text, nullable=False),
        sa.Column("design_json", sa.Text),
        sa.Column("kpis_json", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_versions"),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE",
                                name="fk_scenario_versions_scenario_id_scenarios"),
        sa.UniqueConstraint("scenario_id", "version",
                            name="uq_scenario_versions_scenario_version"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("scenario_versions")
    op.drop_table("scenarios")

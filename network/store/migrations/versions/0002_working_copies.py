"""Working copies: one autosaved row per app session (its working scenario and last solve).

Revision ID: 0002_working_copies
Revises: 0001_scenarios
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_working_copies"
down_revision = "0001_scenarios"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "working_copies",
        sa.Column("session_key", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("format_version", sa.Integer, nullable=False),
        sa.Column("solver_status", sa.String(32)),
        sa.Column("solver_gap", sa.Double),
        sa.Column("solver_best_bound_usd", sa.Double),
        sa.Column("session_json", sa.Text, nullable=False),
        sa.Column("scenario_json", sa.Text, nullable=False),
        sa.Column("design_json", sa.Text),
        sa.Column("kpis_json", sa.Text),
        sa.PrimaryKeyConstraint("session_key", name="pk_working_copies"),
    )


def downgrade() -> None:
    op.drop_table("working_copies")

"""mail gateway: the filter's quarantine

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_T = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "gateway_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("mail_from", sa.String(length=998), nullable=False),
        sa.Column("rcpt_to", JSON_T, nullable=False),
        sa.Column("rules", JSON_T, nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_gateway_quarantine_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_quarantine")),
    )
    op.create_index(op.f("ix_gateway_quarantine_item_id"), "gateway_quarantine", ["item_id"], unique=False)
    op.create_index(op.f("ix_gateway_quarantine_status"), "gateway_quarantine", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_gateway_quarantine_status"), table_name="gateway_quarantine")
    op.drop_index(op.f("ix_gateway_quarantine_item_id"), table_name="gateway_quarantine")
    op.drop_table("gateway_quarantine")

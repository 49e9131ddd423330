"""posture checks: imports and managed devices

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_T = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "posture_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("paths", JSON_T, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("counts", JSON_T, nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scans.id"], name=op.f("fk_posture_imports_scan_id_scans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posture_imports")),
    )
    op.create_index(op.f("ix_posture_imports_kind"), "posture_imports", ["kind"], unique=False)
    op.create_table(
        "posture_devices",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_posture_devices")),
    )


def downgrade() -> None:
    op.drop_table("posture_devices")
    op.drop_index(op.f("ix_posture_imports_kind"), table_name="posture_imports")
    op.drop_table("posture_imports")

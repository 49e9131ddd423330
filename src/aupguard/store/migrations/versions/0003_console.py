"""review console: users, sessions, decisions, requests, acknowledgements, security reports

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 21:00:00

The tables are created from their definitions in aupguard.store.console_tables as they stand at
this revision; a later change to them gets its own migration (never an edit here).
"""

from __future__ import annotations

from alembic import op

from aupguard.store import console_tables as ct

revision = "0003"
down_revision = "0001"
branch_labels = ("console",)
depends_on = None

# Creation order: referenced tables first.
_TABLES = [
    ct.console_users,
    ct.console_sessions,
    ct.sign_in_attempts,
    ct.case_decisions,
    ct.boee_reminders,
    ct.access_actions,
    ct.permission_requests,
    ct.policy_acknowledgements,
    ct.security_reports,
]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)

"""The database tables (SQLAlchemy Core). Schema changes go through an Alembic migration.

Core rather than the ORM because scans insert thousands of rows a second in batches, and the
repositories in this package are thin functions over these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# JSONB on PostgreSQL (indexable), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
UtcDateTime = DateTime(timezone=True)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """A time read back from a `UtcDateTime` column, as UTC: SQLite hands datetimes back naive
    (everything aupguard stores is UTC); PostgreSQL's come back aware and are left as they are."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Json, nullable=False),
)

buildings = Table(
    "buildings",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("principal_ids", Json, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False, index=True),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("preferred_name", String(200)),
    Column("middle_name", String(200)),
    Column("roles", Json, nullable=False),
    Column("title", String(300)),
    Column("building_ids", Json, nullable=False),
    Column("identifier", String(100)),
    Column("birth_date", Date),
    Column("grade", String(20)),
    Column("home_address", String(500)),
    Column("guardian_of", Json, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("person_id", String(200), ForeignKey("people.id"), nullable=False, index=True),
    Column("district", Boolean, nullable=False),
    Column("platform", String(50)),
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("building_id", String(200)),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", String(200), ForeignKey("groups.id"), primary_key=True),
    Column("person_id", String(200), ForeignKey("people.id"), primary_key=True),
    Column("role", String(20), nullable=False),
)

import_problems = Table(
    "import_problems",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("importer", String(50), nullable=False),
    Column("file", String(1000), nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the original bytes
    Column("channel", String(20), nullable=False, index=True),
    Column("sent_at", UtcDateTime, index=True),
    Column("sender", String(320), index=True),
    Column("sender_name", String(500)),
    Column("recipients", Json, nullable=False),
    Column("subject", Text),
    Column("body", Text, nullable=False),
    Column("platform", String(50)),
    Column("meta", Json, nullable=False),
    Column("attachments", Json, nullable=False),
    Column("size", Integer, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
)

# Where an item was read from; the same bytes seen in two files are one item with two sources.
item_sources = Table(
    "item_sources",
    metadata,
    Column("item_id", String(64), ForeignKey("items.id"), primary_key=True),
    Column("source", String(1000), primary_key=True),
    Column("position", String(200), primary_key=True),
)

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("paths", Json, nullable=False),
    Column("counts", Json, nullable=False),
    Column("pack_version", String(50)),
)

scan_errors = Table(
    "scan_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(1000), nullable=False),
    Column("position", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("source", "position", name="uq_scan_errors_source_position"),
)

permissions = Table(
    "permissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False, index=True),
    Column("grantee_id", String(200), nullable=False, index=True),
    Column("approver_id", String(200), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime),
    Column("scope", Json, nullable=False),
    Column("emergency", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("revoked_by", String(200)),
    Column("revoke_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), ForeignKey("items.id"), nullable=False),
    Column("rule_id", String(100), nullable=False, index=True),
    Column("clause_id", String(200), nullable=False, index=True),
    Column("severity", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("person_id", String(200), index=True),
    Column("reviewer", String(200)),
    Column("permission_id", Integer, ForeignKey("permissions.id")),
    Column("pack_version", String(50), nullable=False),
    Column("item_time", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("item_id", "rule_id", name="uq_findings_item_rule"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=False, index=True),
    Column("detector", String(100), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("data", Json, nullable=False),
)

# Every status change of a finding (covered by a permission, reopened by a revocation, ...).
finding_events = Table(
    "finding_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("permission_id", Integer),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(500)),
    Column("reason", Text),
    Column("details", Json, nullable=False),
)

Index("ix_findings_person_status", findings.c.person_id, findings.c.status)

"""Tables of the archive and records side: hash chain, search helpers, retention, holds,
disposition, records requests and restore tests. Created by migration 0002_records."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text

from aupguard.store.tables import Json, UtcDateTime, metadata

# ----------------------------------------------------------------------------- tamper evidence

# One link per batch of items added, per audit entry and per disposition batch. Append-only:
# hash = sha256(seq | kind | ref | count | payload_digest | prev_hash); the head is what
# `aupguard archive anchor` exports.
archive_links = Table(
    "archive_links",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(20), nullable=False),  # "items" | "audit" | "tombstones"
    Column("ref", String(200), nullable=False),  # audit id, disposition batch id, "" for items
    Column("count", Integer, nullable=False),
    Column("payload_digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

# Which link added each item, and the digest of the item's row as stored then. Kept after the
# item is disposed of, so that the link still recomputes. Keyed by link first: rows are appended
# in order, instead of landing on a random page of an index on the (random) item id.
archive_entries = Table(
    "archive_entries",
    metadata,
    Column("link_seq", Integer, primary_key=True, autoincrement=False),
    Column("item_id", String(64), primary_key=True),
    Column("row_digest", String(64), nullable=False),
)

archive_tombstones = Table(
    "archive_tombstones",
    metadata,
    Column("item_id", String(64), primary_key=True),
    Column("link_seq", Integer, nullable=False, index=True),
    Column("batch_id", Integer, nullable=False),
    Column("class_id", String(50)),
    Column("disposed_at", UtcDateTime, nullable=False),
)

# The search indexes (SQLite FTS5 tables, PostgreSQL GIN indexes) are made by migration 0002 with
# raw SQL: they are not tables SQLAlchemy needs to know.

# ----------------------------------------------------------------------------- retention

retention_classes = Table(
    "retention_classes",
    metadata,
    Column("id", String(50), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("days", Integer),  # None: permanent
    Column("floor_days", Integer),  # None: permanent floor
    Column("starts", String(20), nullable=False),  # "sent" | "separation" | "closure"
    Column("basis", Text, nullable=False),
    Column("no_purge", Boolean, nullable=False),  # routed to another schedule: never disposed here
)

# How a class is chosen: by channel, by the rule or clause of a finding on the item, by a case.
retention_rules = Table(
    "retention_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("match", String(20), nullable=False),  # "channel" | "rule" | "clause" | "case"
    Column("value", String(200), nullable=False),
    Column("class_id", String(50), ForeignKey("retention_classes.id"), nullable=False),
)

item_retention = Table(
    "item_retention",
    metadata,
    Column("item_id", String(64), primary_key=True),
    Column("class_id", String(50), ForeignKey("retention_classes.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("assigned_by", String(200), nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
    Column("manual", Boolean, nullable=False),  # set by a person: automatic assignment keeps it
)

retention_changes = Table(
    "retention_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), nullable=False, index=True),
    Column("from_class", String(50)),
    Column("to_class", String(50), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(300), nullable=False),
    Column("person_id", String(200)),
    # The person's addresses when the hold was made: the hold keeps covering them after the
    # person leaves the district and their accounts are removed from the directory.
    Column("addresses", Json, nullable=False),
    Column("date_from", UtcDateTime),
    Column("date_until", UtcDateTime),
    Column("query", Text),
    Column("finding_ids", Json, nullable=False),  # a case: the findings under one review
    Column("reason", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime),
    Column("released_by", String(200)),
    Column("release_reason", Text),
)

disposition_batches = Table(
    "disposition_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", UtcDateTime, nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # "proposed" | "approved" | "rejected"
    Column("decided_by", String(200)),
    Column("decided_at", UtcDateTime),
    Column("reason", Text),
)

disposition_items = Table(
    "disposition_items",
    metadata,
    Column("batch_id", Integer, ForeignKey("disposition_batches.id"), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("class_id", String(50), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
)

# ----------------------------------------------------------------------------- records requests

records_requests = Table(
    "records_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requester", String(300), nullable=False),
    Column("contact", String(300)),
    Column("channel", String(20), nullable=False),  # "in_person" | "writing" | "phone" | "electronic"
    Column("received_on", Date, nullable=False),  # day 0
    Column("description", Text, nullable=False),
    Column("scope", Json, nullable=False),  # search query and filters
    Column("status", String(20), nullable=False),  # "open" | "released" | "closed"
    Column("estimated_minutes", Integer),
    Column("fee_estimate_cents", Integer),
    Column("acknowledged_at", UtcDateTime),
    Column("fee_estimate_sent_at", UtcDateTime),
    Column("extended_until", Date),  # requester agreed in writing to a later decision date
    Column("closed_at", UtcDateTime),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

request_items = Table(
    "request_items",
    metadata,
    Column("request_id", Integer, ForeignKey("records_requests.id"), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("decision", String(20), nullable=False),  # "pending" | "release" | "redact" | "withhold"
    Column("code", String(30)),  # legal basis (domain notes 7.3) for redact / withhold
    Column("note", Text),
    Column("decided_by", String(200)),
    Column("decided_at", UtcDateTime),
)

redactions = Table(
    "redactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("records_requests.id"), nullable=False, index=True),
    Column("item_id", String(64), nullable=False),
    Column("text", Text, nullable=False),  # every occurrence of this text in the item is redacted
    Column("kind", String(50), nullable=False),  # what it is, without saying it: "student name", ...
    Column("code", String(30), nullable=False),
    Column("why", Text, nullable=False),  # "student on the roster: S1", or the person's note
    Column("status", String(20), nullable=False),  # "proposed" | "confirmed" | "rejected"
    Column("proposed_by", String(200), nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", UtcDateTime),
)

request_events = Table(
    "request_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("records_requests.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", Json, nullable=False),
)

# Closed days beyond the built-in Iowa calendar (closed=True) or holidays the district's office
# stays open (closed=False).
calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("closed", Boolean, nullable=False),
    Column("note", Text, nullable=False),
)

# ----------------------------------------------------------------------------- disaster recovery

# Evidence for 401.13R1's disaster-recovery procedures: every restore and its verification.
restore_tests = Table(
    "restore_tests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("backup_taken_at", UtcDateTime),
    Column("items", Integer, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("report", Json, nullable=False),
)

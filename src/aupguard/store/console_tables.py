"""Tables of the review console (users, sessions, decisions, requests, acknowledgements ...).

Defined on the shared `metadata` so one schema holds them; created by migration 0003.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text

from aupguard.store.tables import Json, UtcDateTime, metadata

console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("person_id", String(200), index=True),  # the directory person this user is
    Column("role", String(50), nullable=False),
    Column("building_ids", Json, nullable=False),  # a principal's buildings
    Column("password_hash", String(500), nullable=False),
    Column("must_change_password", Boolean, nullable=False),  # one-time password given out
    Column("totp_secret", String(100)),
    Column("totp_enrolled", Boolean, nullable=False),
    Column("last_totp_step", Integer),  # a code is accepted once (RFC 6238 section 5.2)
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Only a hash of the session token is stored: a copy of the database does not sign anyone in.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("console_users.id"), nullable=False, index=True),
    Column("stage", String(20), nullable=False),  # "password" (second factor pending) | "full"
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

sign_in_attempts = Table(
    "console_sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, index=True),  # "user:<name>" or "ip:<address>"
    Column("at", UtcDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
)

# One decision on a case (some findings about one person), with the notice it required.
case_decisions = Table(
    "console_case_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(200), index=True),
    Column("finding_ids", Json, nullable=False),
    Column("outcome", String(50), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_person_id", String(200)),
    Column("at", UtcDateTime, nullable=False),
    Column("notice", Text),  # the Iowa Code 22.15 notice generated before a discipline outcome
    Column("boee_areas", Json, nullable=False),
)

boee_reminders = Table(
    "console_boee_reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Integer, ForeignKey("console_case_decisions.id"), nullable=False),
    Column("person_id", String(200)),
    Column("area", String(100), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
)

access_actions = Table(
    "console_access_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(200), nullable=False, index=True),
    Column("action", String(20), nullable=False),  # "suspend" | "revoke"
    Column("decision_id", Integer, ForeignKey("console_case_decisions.id")),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("lifted_at", UtcDateTime),
)

permission_requests = Table(
    "console_permission_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False),
    Column("requester_id", String(200), nullable=False, index=True),  # person who filed it
    Column("grantee_id", String(200), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime),
    Column("scope", Json, nullable=False),
    Column("form", Json, nullable=False),  # the pack's request-form fields, as filled in
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | approved | denied
    Column("decided_by", String(200)),
    Column("decided_at", UtcDateTime),
    Column("decision_reason", Text),
    Column("permission_id", Integer, ForeignKey("permissions.id")),
    Column("created_at", UtcDateTime, nullable=False),
)

policy_acknowledgements = Table(
    "console_policy_acknowledgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(200), nullable=False, index=True),
    Column("pack_version", String(50), nullable=False),
    Column("school_year", String(20), nullable=False),  # "2026-2027"
    Column("at", UtcDateTime, nullable=False),
)

security_reports = Table(
    "console_security_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reporter_id", String(200), nullable=False),
    Column("summary", String(300), nullable=False),
    Column("details", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # new | acknowledged
)

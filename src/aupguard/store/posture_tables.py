"""Tables of the posture checks (migration 0004). Findings, items and errors of posture imports
live in the shared tables; these record what was imported when, and what earlier imports
established for later ones (devices an MDM manages)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from aupguard.store.tables import Json, UtcDateTime, metadata

posture_imports = Table(
    "posture_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False, index=True),
    Column("paths", Json, nullable=False),
    Column("imported_at", UtcDateTime, nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
    # records read, errors, observations, findings, covered
    Column("counts", Json, nullable=False),
)

# Devices an MDM inventory listed (lower-case device name): district-managed, not personal.
posture_devices = Table(
    "posture_devices",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
)

"""Tables of the mail gateway (migration 0005): the filter's quarantine.

A held message's bytes are in the archive (its item); this row says who it was for (the SMTP
envelope, needed to deliver it on release), which hold rules it matched, and what a reviewer
decided."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

from aupguard.store.tables import Json, UtcDateTime, metadata

gateway_quarantine = Table(
    "gateway_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), ForeignKey("items.id"), nullable=False, index=True),
    Column("mail_from", String(998), nullable=False),  # "" for a bounce (null reverse-path)
    Column("rcpt_to", Json, nullable=False),  # list of envelope recipients
    Column("rules", Json, nullable=False),  # the hold rules it matched
    Column("held_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # held | released | rejected
    Column("decided_at", UtcDateTime),
    Column("decided_by", String(200)),
    Column("reason", Text),
)

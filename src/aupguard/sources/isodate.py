"""ISO 8601 timestamps in exports (texts, posts, connections) to aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso_utc(value: object) -> datetime:
    """Aware UTC datetime; a naive timestamp is read as UTC. Raises ValueError with a reason."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("missing date")
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {text[:40]!r}") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)

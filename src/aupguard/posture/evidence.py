"""Evidence of a posture check: a Channel.LOG item whose raw bytes are the lines it judged.

The item id is the SHA-256 of those bytes, so importing the same export or log again makes the
same items and the store adds nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aupguard.model import Channel, Item, Signal, content_id


@dataclass(slots=True)
class SourceLines:
    """Lines of a source file that one record came from (the header is kept with CSV rows so
    the evidence reads on its own)."""

    source: str
    line: int  # 1-based first line of the record
    text: str

    @property
    def position(self) -> str:
        return f"line {self.line}"


@dataclass(slots=True)
class Observation:
    """What a check judged (the item) and what it found there (the signals; never empty)."""

    item: Item
    signals: list[Signal]


def evidence_item(
    lines: list[SourceLines],
    *,
    kind: str,
    at: datetime | None,
    address: str | None,
    summary: str,
    meta: dict[str, Any] | None = None,
) -> Item:
    """An item over `lines` (in order, duplicates removed): the bytes a reviewer can re-read."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for ln in lines:
        if (ln.source, ln.line) not in seen:
            seen.add((ln.source, ln.line))
            kept.append(ln)
    raw = "".join(ln.text if ln.text.endswith("\n") else ln.text + "\n" for ln in kept).encode("utf-8")
    first = kept[0] if kept else SourceLines("", 0, "")
    position = first.position if len(kept) <= 1 else f"{first.position} (+{len(kept) - 1} more)"
    return Item(
        id=content_id(raw),
        channel=Channel.LOG,
        source=first.source,
        position=position,
        raw=raw,
        sent_at=at.astimezone(UTC) if at is not None else None,  # the store keeps UTC
        sender=address,
        body=summary,
        platform=kind,
        meta={"posture": kind, "lines": [f"{ln.source}:{ln.line}" for ln in kept], **(meta or {})},
    )


def synthetic_line(source: str, record: dict[str, Any]) -> SourceLines:
    """Evidence for something absent (no acknowledgement, no backup at all): a JSON statement of
    what was required and not found. Stable keys only, so re-running adds nothing."""
    return SourceLines(source, 0, json.dumps(record, sort_keys=True, default=str))


def signal(
    check: str,
    kind: str,
    explanation: str,
    *,
    text: str = "",
    score: float = 1.0,
    person_id: str | None = None,
    **data: object,
) -> Signal:
    """A posture signal; `staff_id` names whom the finding is about (engine.subject_of)."""
    payload = {k: v for k, v in data.items() if v is not None}
    if person_id:
        payload["staff_id"] = person_id
    return Signal(check, kind, -1, -1, text, score, explanation, payload)

"""What the platforms' own downloads (Instagram, Facebook, TikTok) have in common: an entry's raw
bytes together with the account it belongs to, the item of an account's entry, and the CONNECTION
item of a follow list's entry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aupguard.directory.addresses import normalize_handle
from aupguard.model import Channel, Item, content_id

from .base import RawRecord


def export_raw(record: dict[str, Any]) -> bytes:
    # The entry with its export's account (and list), so the same entry of two accounts differs.
    return json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")


def owned_record(
    platform: str, owner: str, entry: dict[str, Any], channel: Channel, source: str, position: str, **fields: Any
) -> RawRecord:
    """An item of `owner`'s download, sent by the owner: its raw bytes `entry` with the export and
    the owner (`export_raw`), its other fields `fields`."""
    raw = export_raw({"export": platform, "owner": owner, **entry})
    item = Item(
        id=content_id(raw),
        channel=channel,
        source=source,
        position=position,
        raw=raw,
        sender=normalize_handle(platform, owner),
        platform=platform,
        **fields,
    )
    return RawRecord(source, position, "item", raw, item=item, nbytes=len(raw))


def connection_record(
    platform: str,
    owner: str,
    username: str,
    kind: str,
    direction: str,
    entry: Any,
    sent_at: datetime | None,
    source: str,
    position: str,
) -> RawRecord:
    """A CONNECTION item between the list's `owner` and the entry's account `username`: `kind` as
    the list names it ("follow", "close friend"), `direction` "following" (the owner follows the
    account) or "follower" (the account follows the owner)."""
    return owned_record(
        platform,
        owner,
        {"direction": direction, "type": kind, "entry": entry},
        Channel.CONNECTION,
        source,
        position,
        sent_at=sent_at,
        recipients=[normalize_handle(platform, username)],
        meta={"type": kind, "direction": direction, "name": None},
    )

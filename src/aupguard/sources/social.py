"""Social platform exports (posts, connections) to POST and CONNECTION items.

An export is one JSON object (`{"export": "posts" | "connections", ...}`, see docs/readers.md).
It is loaded whole: these exports cover one person's account and are small, and their list sits
inside an object, not at the top level where jsonstream could read it element by element.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aupguard.directory.addresses import normalize_handle
from aupguard.exportfiles import parse_utc
from aupguard.model import Attachment, Channel, Item, ReadError, content_id

from .base import RawRecord

EXPORT_KINDS = ("posts", "connections")


def is_social_export(value: Any) -> bool:
    return isinstance(value, dict) and value.get("export") in EXPORT_KINDS


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _post_item(export: dict[str, Any], post: dict[str, Any], raw: bytes, source: str, position: str) -> Item:
    platform = _text(export.get("platform")).lower()
    kind = _text(post.get("type")) or "post"
    text = post["text"] if isinstance(post.get("text"), str) else ""
    if not text.strip() and kind == "post":
        raise ValueError("no text")
    media = post["media"] if isinstance(post.get("media"), list) else []
    attachments = [
        # The export lists media by name only; the bytes are not in it, so size/sha256 stay empty.
        Attachment(_text(m.get("filename")) or None, _text(m.get("content_type")), size=0, sha256="")
        for m in media
        if isinstance(m, dict)
    ]
    meta = {"type": kind, "visibility": _text(post.get("visibility")) or None}
    for key in ("site_name", "url", "id"):
        if post.get(key):
            meta[key] = str(post[key])
    return Item(
        id=content_id(raw),
        channel=Channel.POST,
        source=source,
        position=position,
        raw=raw,
        sent_at=parse_utc(post.get("posted_at")),
        sender=normalize_handle(platform, _text(export.get("author"))),
        body=text,
        attachments=attachments,
        platform=platform,
        meta=meta,
    )


def _connection_item(export: dict[str, Any], row: dict[str, Any], raw: bytes, source: str, position: str) -> Item:
    platform = _text(export.get("platform")).lower()
    handle = _text(row.get("handle"))
    if not handle:
        raise ValueError("no handle")
    connected_at = row.get("connected_at")
    return Item(
        id=content_id(raw),
        channel=Channel.CONNECTION,
        source=source,
        position=position,
        raw=raw,
        # Platforms often omit when a connection was made; that is not an error, a bad date is.
        sent_at=parse_utc(connected_at) if connected_at not in (None, "") else None,
        sender=normalize_handle(platform, _text(export.get("owner"))),
        recipients=[normalize_handle(platform, handle)],
        platform=platform,
        meta={
            "type": _text(row.get("type")) or "connection",
            "direction": _text(row.get("direction")) or None,
            "name": _text(row.get("name")) or None,
        },
    )


_Builder = Callable[[dict[str, Any], dict[str, Any], bytes, str, str], Item]
_KINDS: dict[str, tuple[str, str, _Builder]] = {
    # export kind -> (account key, singular for positions, builder)
    "posts": ("author", "post", _post_item),
    "connections": ("owner", "connection", _connection_item),
}


def iter_social(path: Path, export: dict[str, Any]) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    kind = str(export["export"])
    account_key, singular, build = _KINDS[kind]
    if not _text(export.get("platform")) or not _text(export.get(account_key)):
        yield ReadError(source, "", f"{kind} export without 'platform' or '{account_key}'")
        return
    entries = export.get(kind)
    if not isinstance(entries, list):
        yield ReadError(source, "", f"{kind} export without a '{kind}' list")
        return
    envelope = {k: export.get(k) for k in ("export", "platform", account_key)}
    for number, entry in enumerate(entries, start=1):
        position = f"{singular} {number}"
        if not isinstance(entry, dict):
            yield ReadError(source, position, "not a JSON object")
            continue
        # Raw = the entry with its export's envelope, so the same post by two authors differs.
        raw = json.dumps({**envelope, singular: entry}, sort_keys=True, ensure_ascii=False).encode("utf-8")
        try:
            item = build(export, entry, raw, source, position)
        except ValueError as exc:
            yield ReadError(source, position, str(exc))
            continue
        yield RawRecord(source, position, "item", raw, item=item, nbytes=len(raw))

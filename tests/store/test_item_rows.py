"""Item rows as the scan stores them: NULs replaced (PostgreSQL refuses them) without touching the
item, attachments without their first bytes, and JSON columns encoded as json.dumps would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum

from aupguard.model import Attachment, Channel, Item
from aupguard.store.findings_repo import encoded_item_row, item_row, no_nul


class Tag(StrEnum):
    NUL = "a\x00b"
    PLAIN = "ab"


def test_no_nul_replaces_every_nul_at_any_depth() -> None:
    value = {"k\x00": ["x\x00y", {"z": "\x00"}, ("t\x00",)], "n": 3, "none": None}
    assert no_nul(value) == {"k\ufffd": ["x\ufffdy", {"z": "\ufffd"}, ("t\x00",)], "n": 3, "none": None}
    # tuples are not JSON columns' shape: left as they are, as they always were


def test_no_nul_returns_new_containers_and_the_same_clean_text() -> None:
    inner = ["a"]
    meta = {"list": inner}
    cleaned = no_nul(meta)
    assert cleaned == meta and cleaned is not meta and cleaned["list"] is not inner
    text = "clean text"
    assert no_nul(text) is text


def test_no_nul_on_str_subclasses() -> None:
    assert no_nul(Tag.NUL) == "a\ufffdb"
    assert no_nul(Tag.PLAIN) is Tag.PLAIN
    assert no_nul([Tag.NUL]) == ["a\ufffdb"]


def make_item(**fields: object) -> Item:
    base: dict[str, object] = dict(id="i1", channel=Channel.EMAIL, source="s", position="1", raw=b"raw bytes")
    return Item(**{**base, **fields})  # type: ignore[arg-type]


def test_item_row_cleans_text_and_leaves_the_item_alone() -> None:
    attachment = Attachment("f\x00.zip", "application/zip", 3, "ab" * 32, members=["x.exe"], head=b"PK")
    item = make_item(sender="a\x00@x", recipients=["b@y", "c\x00@z"], meta={"k": "v\x00"}, attachments=[attachment])
    now = datetime(2024, 1, 1, tzinfo=UTC)
    row = item_row(item, now)
    assert row["sender"] == "a\ufffd@x"
    assert row["recipients"] == ["b@y", "c\ufffd@z"] and item.recipients == ["b@y", "c\x00@z"]
    assert row["meta"] == {"k": "v\ufffd"} and item.meta == {"k": "v\x00"}
    assert row["attachments"] == [
        {
            "filename": "f\ufffd.zip",
            "content_type": "application/zip",
            "size": 3,
            "sha256": "ab" * 32,
            "members": ["x.exe"],
        }
    ]
    assert list(row["attachments"][0]) == ["filename", "content_type", "size", "sha256", "members"]  # JSON order
    assert row["attachments"][0]["members"] is not attachment.members
    assert row["size"] == len(b"raw bytes") and row["first_seen_at"] == now


def test_encoded_item_row_is_json_dumps_of_the_json_columns() -> None:
    row = item_row(make_item(recipients=["é@x"], meta={}, attachments=[]), datetime(2024, 1, 1, tzinfo=UTC))
    encoded = encoded_item_row(row)
    assert list(encoded) == list(row)
    for name in ("recipients", "meta", "attachments"):
        assert encoded[name] == json.dumps(row[name])
    assert encoded["meta"] == "{}" and encoded["attachments"] == "[]"
    assert row["meta"] == {}  # the row itself keeps its values

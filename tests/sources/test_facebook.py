"""Facebook's own "Download your information" export: the owner's posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from aupguard.model import Channel

from .conftest import read_all

POSTS = "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json"


def write(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))  # non-ASCII escaped byte by byte, as Meta writes it
    return path


def test_posts_with_their_text_media_and_links(tmp_path: Path) -> None:
    root = tmp_path / "facebook-derek.nolan.pc-2026-11-20-Zx9"
    path = write(root / POSTS, [
        {"timestamp": 1729000000, "title": "Derek Nolan updated his status.",
         "data": [{"post": "Great game tonight, Jos\u00c3\u00a9!"}, {"update_timestamp": 1729000100}]},
        {"timestamp": 1729100000, "title": "Derek Nolan shared a link.",
         "attachments": [{"data": [{"external_context": {"url": "https://example.com/boosters"}}]}],
         "data": [{"post": "Boosters meeting"}]},
        {"timestamp": 1729200000, "title": "Derek Nolan added 2 new photos.",
         "attachments": [{"data": [{"media": {"uri": "your_facebook_activity/posts/media/a/1.jpg",
                                              "creation_timestamp": 1729200000}}]},
                         {"data": [{"media": {"uri": "your_facebook_activity/posts/media/a/2.jpg"}}]}],
         "data": []},
        {"timestamp": 1729300000, "title": "no data list"},
    ])  # fmt: skip
    items, errors, count = read_all(path)
    assert count == 4
    status, link, photos = items
    assert {i.channel for i in items} == {Channel.POST}
    assert {i.sender for i in items} == {"facebook:derek.nolan.pc"} and {i.platform for i in items} == {"facebook"}
    assert status.body == "Great game tonight, José!"
    assert status.sent_at == datetime(2024, 10, 15, 13, 46, 40, tzinfo=UTC)
    assert status.meta["title"] == "Derek Nolan updated his status."
    assert link.body == "Boosters meeting" and link.meta["url"] == "https://example.com/boosters"
    assert photos.body == "" and [a.filename for a in photos.attachments] == ["1.jpg", "2.jpg"]
    assert [(e.position, e.reason) for e in errors] == [("post 4", "not a Facebook post (no data list)")]
    again, _, _ = read_all(path)
    assert [i.id for i in again] == [i.id for i in items]


def test_the_owner_from_the_profile_file_or_an_error_outside_the_export(tmp_path: Path) -> None:
    root = tmp_path / "download"
    write(root / "personal_information/profile_information/profile_information.json",
          {"profile_v2": {"name": {"full_name": "Derek Nolan"}, "username": "derek.nolan.pc"}})  # fmt: skip
    path = write(root / POSTS, [{"timestamp": 1729000000, "data": [{"post": "hi"}]}])
    (item,), errors, _ = read_all(path)
    assert errors == [] and item.sender == "facebook:derek.nolan.pc"
    loose = write(tmp_path / "elsewhere" / "your_posts_1.json", [{"timestamp": 1729000000, "data": [{"post": "hi"}]}])
    items, (error,), _ = read_all(loose)
    assert items == [] and "whose account is it?" in error.reason and "facebook-USERNAME-DATE" in error.reason


def test_the_friends_list_is_named_not_read(tmp_path: Path) -> None:
    root = tmp_path / "facebook-derek.nolan.pc-2026-11-20-Zx9"
    write(root / "connections/friends/your_friends.json", {"friends_v2": [{"name": "Chloe Lindgren", "timestamp": 1}]})
    _, (error,), _ = read_all(root)
    assert error.reason == "a file of a Facebook export that is not read (only posts)"

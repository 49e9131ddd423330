from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from aupguard.exportfiles import FORMS
from aupguard.model import Channel

from .conftest import read_all


def write(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, indent=2))
    return path


def test_posts_export(tmp_path: Path) -> None:
    path = write(
        tmp_path / "posts.json",
        {
            "export": "posts",
            "platform": "Facebook",
            "author": "@Coach.Lee",
            "posts": [
                {"id": "p1", "posted_at": "2024-05-01T18:00:00-05:00", "text": "Great game!", "visibility": "public",
                 "type": "post", "media": [{"filename": "team.jpg", "content_type": "image/jpeg"}]},
                {"id": "p2", "posted_at": "2024-05-02T09:00:00", "text": "", "type": "site_created",
                 "site_name": "Lions Boosters", "url": "https://facebook.com/lionsboosters", "visibility": "public"},
                {"id": "p3", "posted_at": "someday", "text": "x"},
                {"id": "p4", "posted_at": "2024-05-02T09:00:00", "text": "  "},
                "not an object",
            ],
        },
    )  # fmt: skip
    items, errors, count = read_all(path)
    assert len(items) + len(errors) == count == 5
    post, site = items
    assert post.channel is Channel.POST
    assert post.sender == "facebook:coach.lee" and post.platform == "facebook"
    assert post.sent_at == datetime(2024, 5, 1, 23, 0, tzinfo=UTC)
    assert post.body == "Great game!"
    assert post.meta == {"type": "post", "visibility": "public", "id": "p1"}
    assert [(a.filename, a.content_type) for a in post.attachments] == [("team.jpg", "image/jpeg")]
    assert site.meta["type"] == "site_created" and site.meta["site_name"] == "Lions Boosters"
    assert site.meta["url"] == "https://facebook.com/lionsboosters"
    assert [(e.position, e.reason) for e in errors] == [
        ("post 3", f"not a date: 'someday' (expected {FORMS})"),
        ("post 4", "no text"),
        ("post 5", "not a JSON object"),
    ]


def test_connections_export(tmp_path: Path) -> None:
    path = write(
        tmp_path / "connections.json",
        {
            "export": "connections",
            "platform": "instagram",
            "owner": "@coach_lee",
            "connections": [
                {"handle": "@Student.One", "name": "Student One", "connected_at": "2024-03-01T12:00:00Z",
                 "type": "follow"},
                {"handle": "friend2", "name": "Friend Two", "type": "friend", "direction": "follower"},
                {"name": "No Handle"},
            ],
        },
    )  # fmt: skip
    items, errors, count = read_all(path)
    assert count == 3
    first, second = items
    assert first.channel is Channel.CONNECTION
    assert first.sender == "instagram:coach_lee"
    assert first.recipients == ["instagram:student.one"]
    assert first.meta == {"type": "follow", "direction": None, "name": "Student One"}
    assert first.sent_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert second.sent_at is None and second.meta["direction"] == "follower"
    assert [(e.position, e.reason) for e in errors] == [("connection 3", "no handle")]


def test_same_post_by_two_authors_has_two_ids(tmp_path: Path) -> None:
    post = {"id": "p", "posted_at": "2024-05-01T00:00:00Z", "text": "hello"}
    a = write(tmp_path / "a.json", {"export": "posts", "platform": "x", "author": "a", "posts": [post]})
    b = write(tmp_path / "b.json", {"export": "posts", "platform": "x", "author": "b", "posts": [post]})
    assert read_all(a)[0][0].id != read_all(b)[0][0].id


def test_export_missing_its_list_or_owner(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", {"export": "connections", "platform": "instagram", "owner": "me"})
    assert [e.reason for e in read_all(path)[1]] == ["connections export without a 'connections' list"]
    path = write(tmp_path / "p.json", {"export": "posts", "platform": "x", "posts": []})
    assert [e.reason for e in read_all(path)[1]] == ["posts export without 'platform' or 'author'"]

"""Instagram's own "Download your information" export: followers, following, posts, the owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aupguard.model import Channel
from aupguard.sources.meta_export import repair_text

from .conftest import read_all

FOLLOWS = "connections/followers_and_following"


def export_folder(tmp_path: Path, name: str = "instagram-coach_lee-2026-11-20-AbCdEf12") -> Path:
    root = tmp_path / name
    (root / FOLLOWS).mkdir(parents=True)
    return root


def write(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # As Meta writes it: indented, every non-ASCII byte of UTF-8 escaped as a character.
    path.write_text(json.dumps(value, indent=2))
    return path


def entry(username: str | None, timestamp: int = 1730000000, *, new_format: bool = False) -> dict[str, object]:
    if new_format:  # exports since 2024: the username in "title", no "value"
        return {"title": username, "string_list_data": [{"href": f"https://www.instagram.com/_u/{username}",
                                                         "timestamp": timestamp}]}  # fmt: skip
    return {"title": "", "media_list_data": [],
            "string_list_data": [{"href": f"https://www.instagram.com/{username}", "value": username,
                                  "timestamp": timestamp}]}  # fmt: skip


def test_followers_and_following_become_connections_of_the_owner(tmp_path: Path) -> None:
    root = export_folder(tmp_path)
    write(root / FOLLOWS / "followers_1.json", [entry("Jordan.Student"), entry("some_parent", 1730001000)])
    write(root / FOLLOWS / "following.json", {"relationships_following": [entry("jordan.student", 1731000000,
                                                                                new_format=True)]})  # fmt: skip
    write(root / FOLLOWS / "close_friends.json", {"relationships_close_friends": [entry("best.friend")]})
    write(root / FOLLOWS / "pending_follow_requests.json",
          {"relationships_follow_requests_sent": [entry("asked.once")]})  # fmt: skip
    items, errors, count = read_all(root)
    assert errors == [] and count == len(items) == 5
    got = sorted((i.position, i.recipients[0], i.meta["type"], i.meta["direction"]) for i in items)
    assert got == [
        ("follower 1", "instagram:jordan.student", "follow", "follower"),
        ("follower 2", "instagram:some_parent", "follow", "follower"),
        ("following 1", "instagram:asked.once", "follow request", "following"),
        ("following 1", "instagram:best.friend", "close friend", "following"),
        ("following 1", "instagram:jordan.student", "follow", "following"),
    ]
    assert {i.channel for i in items} == {Channel.CONNECTION}
    assert {i.sender for i in items} == {"instagram:coach_lee"}  # from the folder's name
    assert {i.platform for i in items} == {"instagram"}
    follows = next(i for i in items if i.meta["direction"] == "following" and i.meta["type"] == "follow")
    assert follows.sent_at == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)
    # The same account in two lists is two records, with different ids: a rescan adds neither again.
    assert len({i.id for i in items}) == 5
    again, _, _ = read_all(root)
    assert {i.id for i in again} == {i.id for i in items}


def test_the_owner_comes_from_personal_information_before_the_folder_name(tmp_path: Path) -> None:
    root = export_folder(tmp_path, "instagram-old_name-2026-01-01-x")
    write(root / "personal_information/personal_information/personal_information.json",
          {"profile_user": [{"string_map_data": {"Username": {"href": "", "value": "@Coach_Renamed",
                                                              "timestamp": 0}}}]})  # fmt: skip
    write(root / FOLLOWS / "followers_1.json", [entry("a.student")])
    (item,), errors, _ = read_all(root / FOLLOWS / "followers_1.json")  # the file alone, not the folder
    assert item.sender == "instagram:coach_renamed"
    assert errors == []


def test_a_file_outside_its_export_folder_is_an_error_naming_what_to_do(tmp_path: Path) -> None:
    path = write(tmp_path / "downloads" / "followers_1.json", [entry("a.student"), entry("b.student")])
    items, (error,), count = read_all(path)
    assert items == [] and count == 1
    assert error.position == "" and "whose account is it?" in error.reason
    assert "instagram-USERNAME-DATE" in error.reason


def test_entries_without_a_username_are_errors_with_their_place(tmp_path: Path) -> None:
    root = export_folder(tmp_path)
    write(root / FOLLOWS / "following.json", {"relationships_following": [
        entry("fine.one"),
        {"title": "", "string_list_data": [{"href": "https://www.instagram.com/_u/", "timestamp": 1}]},
        {"title": "", "string_list_data": [{"href": "https://www.instagram.com/from.link/", "timestamp": 1}]},
        "not an object",
    ]})  # fmt: skip
    items, errors, count = read_all(root)
    assert count == len(items) + len(errors) == 4
    assert [i.recipients for i in items] == [["instagram:fine.one"], ["instagram:from.link"]]
    assert [(e.position, e.reason) for e in errors] == [
        ("following 2", "no username (no value, title or profile link)"),
        ("following 4", "not a JSON object"),
    ]


def test_posts_with_their_captions_repaired_and_media_named(tmp_path: Path) -> None:
    root = export_folder(tmp_path)
    caption = "Proud of Jos\u00c3\u00a9 N\u00c3\u00ba\u00c3\u00b1ez tonight"  # "José Núñez", as Meta writes it
    write(root / "your_instagram_activity/content/posts_1.json", [
        {"media": [{"uri": "media/posts/202410/123.jpg", "creation_timestamp": 1729000000, "title": caption}]},
        {"media": [{"uri": "media/posts/202410/124.jpg", "creation_timestamp": 1729100000},
                   {"uri": "media/posts/202410/125.mp4", "creation_timestamp": 1729100000}],
         "title": "Team dinner", "creation_timestamp": 1729100000},
        {"media": [{"uri": "media/posts/202410/126.jpg", "creation_timestamp": 1729200000}]},
        {"no media": True},
    ])  # fmt: skip
    items, errors, count = read_all(root)
    assert count == 4
    one, album, photo = items
    assert one.channel is Channel.POST and one.sender == "instagram:coach_lee"
    assert one.body == "Proud of José Núñez tonight"
    assert one.sent_at == datetime(2024, 10, 15, 13, 46, 40, tzinfo=UTC)
    assert [a.filename for a in one.attachments] == ["123.jpg"]
    assert album.body == "Team dinner" and [a.filename for a in album.attachments] == ["124.jpg", "125.mp4"]
    assert photo.body == ""  # a photo without a caption is a post all the same
    assert [(e.position, e.reason) for e in errors] == [("post 4", "not an Instagram post (no media list)")]


def test_other_files_of_the_export_are_named_as_such(tmp_path: Path) -> None:
    root = export_folder(tmp_path)
    write(root / "ads_information/ads_interests.json", {"inferred_data_ig_interest": []})
    _, (error,), _ = read_all(root)
    assert error.reason == "a file of an Instagram export that is not read (only followers, following, posts)"
    # outside an export, the same file is simply not a recognised export
    _, (plain,), _ = read_all(write(tmp_path / "other.json", {"inferred_data_ig_interest": []}))
    assert plain.reason == "not a recognised export: keys inferred_data_ig_interest"


@pytest.mark.parametrize(
    ("written", "read"),
    [("Jos\u00c3\u00a9", "José"), ("plain", "plain"), ("José", "José"), ("😀 \u00e9t\u00e9", "😀 \u00e9t\u00e9")],
)
def test_repair_text(written: str, read: str) -> None:
    assert repair_text(written) == read


def test_the_files_bytes_count_once_for_progress_even_after_a_bad_first_entry(tmp_path: Path) -> None:
    from aupguard.model import ReadError
    from aupguard.sources import iter_records

    root = export_folder(tmp_path)
    path = write(root / FOLLOWS / "following.json", {"relationships_following": ["bad", entry("a"), entry("b")]})
    records = list(iter_records([path]))
    assert isinstance(records[0], ReadError)
    assert [r.nbytes for r in records[1:]] == [path.stat().st_size, 0]


def test_a_text_export_that_only_mentions_instagrams_keys_is_still_read_as_texts(tmp_path: Path) -> None:
    body = 'the export has "string_list_data" and "media" with "creation_timestamp" keys'
    path = write(tmp_path / "texts.json", [
        {"sender": "+15155550100", "recipients": "+15155550101", "sent_at": "2024-09-01T10:00:00Z", "body": body},
        {"sender": "+15155550101", "recipients": "+15155550100", "sent_at": "2024-09-01T10:05:00Z", "body": "ok"},
    ])  # fmt: skip
    items, errors, _ = read_all(path)
    assert errors == [] and [i.body for i in items] == [body, "ok"]
    assert {i.channel for i in items} == {Channel.TEXT}


def test_an_empty_list_is_said_not_silent(tmp_path: Path) -> None:
    root = export_folder(tmp_path)
    write(root / FOLLOWS / "close_friends.json", {"relationships_close_friends": []})
    items, (error,), count = read_all(root)
    assert items == [] and count == 1 and error.reason == "an Instagram list with no accounts in it"

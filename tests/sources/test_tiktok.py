"""TikTok's own "Download your data" export, JSON and TXT: following and followers, the owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aupguard.model import Channel
from aupguard.sources import iter_records
from aupguard.sources.base import RawRecord

from .conftest import read_all

PROFILE = {"ProfileMap": {"userName": "coach_lee", "bioDescription": "Go Lions", "followerCount": 2}}
FANS = [
    {"Date": "2024-03-01 08:15:00", "UserName": "Jordan.Student"},
    {"Date": "2024-03-02 09:15:00", "UserName": "a_parent"},
]
FOLLOWS = [{"Date": "2024-05-01 10:00:00", "UserName": "jordan.student"}]

# The three layouts TikTok has written, newest first.
LAYOUTS = {
    "2025": {"Profile And Settings": {"Profile Info": PROFILE, "Follower": {"FansList": FANS},
                                      "Following": {"Following": FOLLOWS}, "Block List": {"BlockList": []}}},
    "2024": {"Profile": {"Profile Information": PROFILE},
             "Your Activity": {"Follower": {"FansList": FANS}, "Following": {"Following": FOLLOWS}}},
    "legacy": {"Profile": {"Profile Information": PROFILE},
               "Activity": {"Follower List": {"FansList": FANS}, "Following List": {"Following": FOLLOWS}}},
}  # fmt: skip


def write_json(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))
    return path


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_json_layout_gives_the_owners_followers_and_following(tmp_path: Path, layout: str) -> None:
    path = write_json(tmp_path / "TikTok_Data_1758000000" / "user_data_tiktok.json", LAYOUTS[layout])
    items, errors, count = read_all(path)
    assert errors == [] and count == len(items) == 3
    got = sorted((i.position, i.recipients[0], i.meta["direction"], i.sent_at) for i in items)
    assert got == [
        ("follower 1", "tiktok:jordan.student", "follower", datetime(2024, 3, 1, 8, 15, tzinfo=UTC)),
        ("follower 2", "tiktok:a_parent", "follower", datetime(2024, 3, 2, 9, 15, tzinfo=UTC)),
        ("following 1", "tiktok:jordan.student", "following", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ]
    assert {(i.channel, i.sender, i.platform, i.meta["type"]) for i in items} == {
        (Channel.CONNECTION, "tiktok:coach_lee", "tiktok", "follow")
    }
    assert len({i.id for i in items}) == 3  # two lists naming the same account: two items


def test_unread_sections_bad_entries_and_null_lists_are_said(tmp_path: Path) -> None:
    download = {
        "Profile And Settings": {"Profile Info": PROFILE, "Follower": {"FansList": [*FANS[:1], {"Date": "x"}, "junk"]},
                                 "Following": {"Following": None}},  # follows nobody
        "Direct Message": {"Direct Messages": {"ChatHistory": {"Chat History with jordan.student:": [
            {"Date": "2024-03-01 08:15:00", "From": "coach_lee", "Content": "see you at practice"}]}}},
        "Video": {"Videos": {"VideoList": []}},  # written, but empty: not worth a line
        "Comment": {"Comments": {"CommentsList": None}},
    }  # fmt: skip
    items, errors, count = read_all(write_json(tmp_path / "user_data_tiktok.json", download))
    assert [i.position for i in items] == ["follower 1"] and count == 4
    assert sorted((e.position, e.reason) for e in errors) == [
        ("follower 2", "no UserName"),
        ("follower 3", "not a JSON object"),
        ("other sections", "parts of a TikTok download that are not read: Direct Message (only the following "
                           "and follower lists)"),
    ]  # fmt: skip


def test_a_download_without_owner_lists_or_accounts_is_one_error_each(tmp_path: Path) -> None:
    no_owner = write_json(tmp_path / "a" / "user_data.json", {"Your Activity": {"Follower": {"FansList": FANS}}})
    no_lists = write_json(
        tmp_path / "b" / "user_data_tiktok.json",
        {"Profile And Settings": {"Profile Info": PROFILE}, "Your Activity": {"Searches": {}}},
    )
    empty = write_json(tmp_path / "c" / "user_data_tiktok.json", {"Profile And Settings": {
        "Profile Info": PROFILE, "Follower": {"FansList": []}, "Following": {"Following": None}}})  # fmt: skip
    for path, reason in [(no_owner, "whose account is it?"), (no_lists, "without its following and follower lists"),
                         (empty, "lists are empty")]:  # fmt: skip
        items, errors, _ = read_all(path)
        assert items == [] and len(errors) == 1 and reason in errors[0].reason, (path, errors)


def test_the_owner_can_come_from_a_tiktok_named_folder(tmp_path: Path) -> None:
    path = write_json(tmp_path / "tiktok-coach_lee" / "TikTok_Data_1" / "user_data_tiktok.json",
                      {"Your Activity": {"Following": {"Following": FOLLOWS}}})  # fmt: skip
    items, errors, _ = read_all(path)
    assert errors == [] and [i.sender for i in items] == ["tiktok:coach_lee"]


def txt_list(*names: str, eol: str = "\n") -> str:
    blocks = (f"Date: 2023-08-{10 + n:02d} 06:18:18 UTC{eol}Username: {name}{eol}" for n, name in enumerate(names))
    return eol.join(blocks)


def test_a_txt_download_reads_its_lists_and_names_its_other_files(tmp_path: Path) -> None:
    root = tmp_path / "TikTok_Data_1758000000"
    (root / "Profile and Settings").mkdir(parents=True)
    (root / "Your Activity").mkdir()
    (root / "Profile and Settings" / "Follower.txt").write_text(txt_list("Jordan.Student", "a_parent", eol="\r\n"))
    (root / "Profile and Settings" / "Following_1.txt").write_text(txt_list("jordan.student"))
    (root / "Profile and Settings" / "Profile Info.txt").write_text("Username: coach_lee\nBio: Go Lions\n")
    (root / "Your Activity" / "Watch History.txt").write_text("Date: 2023-01-01 00:00:00 UTC\nLink: https://x/1\n")
    # A legacy list, saved by Notepad as "Unicode" (UTF-16 with its mark), beside the profile's folder.
    (root / "Activity").mkdir()
    (root / "Activity" / "Following List.txt").write_text(txt_list("old.follow"), encoding="utf-16")
    items, errors, count = read_all(root)
    assert count == len(items) + len(errors) == 6
    assert sorted((i.source.rsplit("/", 1)[1], i.position, i.recipients[0], i.sent_at.day) for i in items) == [  # type: ignore[union-attr]
        ("Follower.txt", "follower 1", "tiktok:jordan.student", 10),
        ("Follower.txt", "follower 2", "tiktok:a_parent", 11),
        ("Following List.txt", "following 1", "tiktok:old.follow", 10),
        ("Following_1.txt", "following 1", "tiktok:jordan.student", 10),
    ]
    assert {i.sender for i in items} == {"tiktok:coach_lee"}
    assert sorted(e.source.rsplit("/", 1)[1] for e in errors) == ["Profile Info.txt", "Watch History.txt"]
    assert {e.reason for e in errors} == {
        "a file of a TikTok download that is not read (only the following and follower lists)"
    }


def test_a_txt_list_is_never_taken_for_an_email(tmp_path: Path) -> None:
    # "Date: ..." and "Username: ..." look like header lines: before this reader, the file was a
    # message without a From header, and the anonymous-message rule fired on it.
    (tmp_path / "Following.txt").write_text(txt_list("someone"))
    (tmp_path / "Follower.txt").write_text("Date: 2023-08-10 06:18:18 UTC\nNutzername: jemand\n")  # German app
    items, errors, _ = read_all(tmp_path)
    assert items == []
    assert sorted(e.reason.split("?")[0] for e in errors) == [
        "a TikTok download, but whose account is it",
        "a TikTok download, but whose account is it",
    ]
    (tmp_path / "Profile Info.txt").write_text("Username: coach_lee\n")
    items, errors, _ = read_all(tmp_path / "Following.txt", tmp_path / "Follower.txt")
    assert [i.recipients for i in items] == [["tiktok:someone"]]
    assert [(e.position, e.reason) for e in errors] == [
        ("follower 1", "no Username line (an app language other than English?)")
    ]


def test_the_files_bytes_count_once_for_progress(tmp_path: Path) -> None:
    path = write_json(tmp_path / "user_data_tiktok.json", LAYOUTS["2025"])
    (tmp_path / "Profile Info.txt").write_text("Username: coach_lee\n")
    txt = tmp_path / "Follower.txt"
    txt.write_text(txt_list("a", "b", "c"))
    for file in (path, txt):
        records = [r for r in iter_records([file]) if isinstance(r, RawRecord)]
        assert [r.nbytes for r in records][1:] == [0] * (len(records) - 1)
        assert records[0].nbytes == file.stat().st_size


def test_a_zipped_txt_download_takes_its_owner_from_the_zips_name(tmp_path: Path) -> None:
    import zipfile

    lists = {"TikTok_Data_1/Profile and Settings/Following.txt": txt_list("jordan.student"),
             "TikTok_Data_1/Profile and Settings/Profile Info.txt": "Username: coach_lee\n"}  # fmt: skip
    for name, owner in [("TikTok_Data_1.zip", None), ("tiktok-coach_lee.zip", "tiktok:coach_lee")]:
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            for member, text in lists.items():
                archive.writestr(member, text)
        items, errors, _ = read_all(tmp_path / name)
        # Members are unpacked one at a time: the profile is never beside the list in a zip.
        assert [i.sender for i in items] == ([owner] if owner else [])
        assert len(errors) == (1 if owner else 2)

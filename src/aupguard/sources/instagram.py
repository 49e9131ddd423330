"""Instagram's own "Download your information" export (JSON): followers, following and posts.

A staff member's export, or one obtained in an investigation, is a folder (the unzipped
`instagram-USERNAME-DATE-HASH.zip`). Its files read here:

- `connections/followers_and_following/followers_N.json`: a list of accounts that follow the owner;
- `.../following.json`, `close_friends.json`, `pending_follow_requests.json` (requests the owner
  sent): objects holding such a list under `relationships_following`, `relationships_close_friends`,
  `relationships_follow_requests_sent`;
- `your_instagram_activity/content/posts_N.json` (older exports: `content/posts_1.json`): the owner's
  posts, each with its media and caption.

A relationship entry is `{"title": ..., "string_list_data": [{"href", "value", "timestamp"}]}`; exports
since 2024 leave `value` out and put the username in `title`. The files do not name the owner: it
is read from `personal_information/personal_information/personal_information.json` in the export
folder, or from the folder's own name (`instagram-USERNAME-2025-06-13-...`).

What Meta's exports share with Facebook's (the owner, the escaped text): meta_export.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aupguard.model import Attachment, ReadError

from .base import RawRecord
from .downloads import connection_record
from .meta_export import MetaExport, first_entry, repair_text, unix_time

PLATFORM = "instagram"
INSTAGRAM = MetaExport(
    PLATFORM,
    "an Instagram",
    # instagram-USERNAME-YYYY-MM-DD-... (usernames: letters, digits, . and _)
    re.compile(r"^instagram-(?P<user>[A-Za-z0-9._]{1,30})-\d{4}-\d{2}-\d{2}"),
    Path("personal_information", "personal_information", "personal_information.json"),
    ("profile_user", 0, "string_map_data", "Username", "value"),
)

# Key of the list in an object-shaped relationships file -> (connection type, direction).
# "following": the owner follows the account; "follower": the account follows the owner.
RELATIONSHIP_LISTS = {
    "relationships_following": ("follow", "following"),
    "relationships_close_friends": ("close friend", "following"),
    "relationships_follow_requests_sent": ("follow request", "following"),
}
FOLLOWERS = ("follow", "follower")  # followers_N.json: a bare list


def _relationships(value: Any) -> tuple[list[Any], str, str] | None:
    """(entries, connection type, direction) of a followers list (its first entry has
    `string_list_data`) or of an object holding one of RELATIONSHIP_LISTS; None for anything else."""
    if isinstance(value, dict):
        key = next((k for k in RELATIONSHIP_LISTS if isinstance(value.get(k), list)), None)
        return (value[key], *RELATIONSHIP_LISTS[key]) if key else None
    return (value, *FOLLOWERS) if "string_list_data" in first_entry(value) else None


def is_relationships(value: Any) -> bool:
    return _relationships(value) is not None


def is_posts(value: Any) -> bool:
    """A posts list: its first entry has a `media` list."""
    return isinstance(first_entry(value).get("media"), list)


def _string_data(entry: dict[str, Any]) -> dict[str, Any]:
    """The first `string_list_data` object of a relationship entry (href, value, timestamp)."""
    data = entry.get("string_list_data")
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}


def _username(entry: dict[str, Any]) -> str | None:
    """The account of a relationship entry: `value`, else `title`, else the last part of `href`
    (`https://www.instagram.com/_u/USERNAME`)."""
    first = _string_data(entry)
    for candidate in (first.get("value"), entry.get("title")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    href = first.get("href")
    if isinstance(href, str):
        tail = href.rstrip("/").rsplit("/", 1)[-1]
        if tail and tail not in ("_u", "www.instagram.com", "instagram.com"):
            return tail
    return None


def iter_relationships(path: Path, value: Any) -> Iterator[RawRecord | ReadError]:
    """CONNECTION items of a followers/following file (`value`: the file's JSON)."""
    source = str(path)
    found = _relationships(value)
    if found is None:
        yield ReadError(source, "", "not an Instagram followers or following list")
        return
    entries, kind, direction = found
    owner = INSTAGRAM.owner_of(path)
    if owner is None:
        yield ReadError(source, "", INSTAGRAM.no_owner)
        return
    if not entries:  # said, not silent: the file was read and holds nobody
        yield ReadError(source, "", "an Instagram list with no accounts in it")
        return
    for number, entry in enumerate(entries, start=1):
        position = f"{direction} {number}"
        if not isinstance(entry, dict):
            yield ReadError(source, position, "not a JSON object")
            continue
        username = _username(entry)
        if username is None:
            yield ReadError(source, position, "no username (no value, title or profile link)")
            continue
        when = unix_time(_string_data(entry).get("timestamp"))
        yield connection_record(PLATFORM, owner, repair_text(username), kind, direction, entry, when, source, position)


def iter_posts(path: Path, value: list[Any]) -> Iterator[RawRecord | ReadError]:
    """POST items of a posts_N.json file (`value`: the file's JSON list)."""
    source = str(path)
    owner = INSTAGRAM.owner_of(path)
    if owner is None:
        yield ReadError(source, "", INSTAGRAM.no_owner)
        return
    for number, post in enumerate(value, start=1):
        position = f"post {number}"
        media = post.get("media") if isinstance(post, dict) else None
        if not isinstance(media, list):
            yield ReadError(source, position, "not an Instagram post (no media list)")
            continue
        pieces = [m for m in media if isinstance(m, dict)]
        # A post of one photo keeps its caption on the photo; an album has it on the post.
        caption = post.get("title") or next((m.get("title") for m in pieces if m.get("title")), "")
        when = unix_time(post.get("creation_timestamp")) or next(
            (t for m in pieces if (t := unix_time(m.get("creation_timestamp")))), None
        )
        # The export holds the media files beside the JSON; their bytes are not read here.
        attachments = [Attachment(str(m.get("uri") or "").rsplit("/", 1)[-1] or None, "", size=0, sha256="")
                       for m in pieces]  # fmt: skip
        body = repair_text(caption) if isinstance(caption, str) else ""
        yield INSTAGRAM.post_record(owner, source, position, post, when, body, attachments,
                                    {"type": "post", "visibility": None})  # fmt: skip

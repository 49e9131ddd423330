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

Meta's exports write text as UTF-8 bytes escaped one by one (`"Jos\\u00c3\\u00a9"` for "José");
`repair_text` undoes that, so names with accents match the roster.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aupguard.directory.addresses import normalize_handle
from aupguard.model import Attachment, Channel, Item, ReadError, content_id

from .base import RawRecord

PLATFORM = "instagram"

# Key of the list in an object-shaped relationships file -> (connection type, direction).
# "following": the owner follows the account; "follower": the account follows the owner.
RELATIONSHIP_LISTS = {
    "relationships_following": ("follow", "following"),
    "relationships_close_friends": ("close friend", "following"),
    "relationships_follow_requests_sent": ("follow request", "following"),
}
FOLLOWERS = ("follow", "follower")  # followers_N.json: a bare list

# The export folder's name: instagram-USERNAME-YYYY-MM-DD-... (usernames: letters, digits, . and _).
_FOLDER_NAME = re.compile(r"^instagram-(?P<user>[A-Za-z0-9._]{1,30})-\d{4}-\d{2}-\d{2}")
_PROFILE_FILE = Path("personal_information", "personal_information", "personal_information.json")


def may_be_meta_export(opening: str) -> bool:
    """Could a JSON list that opens with `opening` be an Instagram followers or posts file, or a
    Facebook posts file? (A cheap look at its first bytes; `is_relationships`, `is_posts` and
    `facebook.is_posts` decide on the parsed file.)"""
    return (
        '"string_list_data"' in opening
        or ('"media"' in opening and '"creation_timestamp"' in opening)
        or ('"timestamp"' in opening and '"data"' in opening)
    )


def is_relationships(value: Any) -> bool:
    """A followers list (its first entry has `string_list_data`) or an object holding one."""
    if isinstance(value, dict):
        return any(isinstance(value.get(key), list) for key in RELATIONSHIP_LISTS)
    return "string_list_data" in first_entry(value)


def is_posts(value: Any) -> bool:
    """A posts list: its first entry has a `media` list."""
    return isinstance(first_entry(value).get("media"), list)


def first_entry(value: Any) -> dict[str, Any]:
    first = value[0] if isinstance(value, list) and value else None
    return first if isinstance(first, dict) else {}


def repair_text(value: str) -> str:
    """Text as Meta's exports write it (each UTF-8 byte escaped as a character of its own) read
    back as UTF-8; text that is not so written is returned as it is."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def owner_of(path: Path) -> str | None:
    """The export's account: from its personal_information file, else from its folder's name."""
    return export_owner(path, _PROFILE_FILE, ("profile_user", 0, "string_map_data", "Username", "value"), _FOLDER_NAME)


def export_owner(
    path: Path, profile_file: Path, username_at: tuple[str | int, ...], folder: re.Pattern[str]
) -> str | None:
    """The account of a Meta export (Instagram, Facebook) holding `path`: the username found at
    `username_at` in its profile file, else the `user` group of its folder's name; looked for
    in every folder above `path`."""
    for above in path.resolve().parents:
        profile = above / profile_file
        if profile.is_file():
            username = _profile_username(profile, username_at)
            if username:
                return username
        named = folder.match(above.name)
        if named:
            return named.group("user")
    return None


def _profile_username(profile: Path, username_at: tuple[str | int, ...]) -> str | None:
    try:
        value: Any = json.loads(profile.read_bytes())
        for key in username_at:
            value = value[key]
    except (OSError, ValueError, LookupError, TypeError):
        return None  # unreadable or another shape: fall back to the folder's name
    return value.strip().lstrip("@") if isinstance(value, str) and value.strip() else None


def unix_time(timestamp: Any) -> datetime | None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or timestamp <= 0:
        return None
    return datetime.fromtimestamp(timestamp, UTC)


def _username(entry: dict[str, Any]) -> str | None:
    """The account of a relationship entry: `value`, else `title`, else the last part of `href`
    (`https://www.instagram.com/_u/USERNAME`)."""
    data = entry.get("string_list_data")
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
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
    entries: Any
    if isinstance(value, list):
        entries, (kind, direction) = value, FOLLOWERS
    else:
        key = next(k for k in RELATIONSHIP_LISTS if isinstance(value.get(k), list))  # see is_relationships
        entries, (kind, direction) = value[key], RELATIONSHIP_LISTS[key]
    owner = owner_of(path)
    if owner is None:
        yield ReadError(source, "", _NO_OWNER)
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
        raw = _raw({"export": PLATFORM, "owner": owner, "direction": direction, "type": kind, "entry": entry})
        data = entry.get("string_list_data")
        first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        item = Item(
            id=content_id(raw),
            channel=Channel.CONNECTION,
            source=source,
            position=position,
            raw=raw,
            sent_at=unix_time(first.get("timestamp")),
            sender=normalize_handle(PLATFORM, owner),
            recipients=[normalize_handle(PLATFORM, repair_text(username))],
            platform=PLATFORM,
            meta={"type": kind, "direction": direction, "name": None},
        )
        yield RawRecord(source, position, "item", raw, item=item, nbytes=len(raw))


def iter_posts(path: Path, value: list[Any]) -> Iterator[RawRecord | ReadError]:
    """POST items of a posts_N.json file (`value`: the file's JSON list)."""
    source = str(path)
    owner = owner_of(path)
    if owner is None:
        yield ReadError(source, "", _NO_OWNER)
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
        raw = _raw({"export": PLATFORM, "owner": owner, "post": post})
        item = Item(
            id=content_id(raw),
            channel=Channel.POST,
            source=source,
            position=position,
            raw=raw,
            sent_at=when,
            sender=normalize_handle(PLATFORM, owner),
            body=repair_text(caption) if isinstance(caption, str) else "",
            attachments=[
                # The export holds the media files beside the JSON; their bytes are not read here.
                Attachment(str(m.get("uri") or "").rsplit("/", 1)[-1] or None, "", size=0, sha256="")
                for m in pieces
            ],
            platform=PLATFORM,
            meta={"type": "post", "visibility": None},
        )
        yield RawRecord(source, position, "item", raw, item=item, nbytes=len(raw))


_NO_OWNER = (
    "an Instagram export file, but whose account is it? Scan the whole export folder (its "
    "personal_information/ names the account) or keep the folder's name instagram-USERNAME-DATE-..."
)


def _raw(record: dict[str, Any]) -> bytes:
    # The entry with its export's account and list, so the same follower of two accounts differs.
    return json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")

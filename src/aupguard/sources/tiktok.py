"""TikTok's own "Download your data" export: whom the account follows and who follows it.

TikTok writes the download in one of two formats, chosen when it is requested:

- **JSON**: one file, `user_data_tiktok.json` (older: `user_data.json`), holding every section.
  The two lists are, by the layout's age,
  `Profile And Settings` -> `Following` -> `Following` and `Follower` -> `FansList` (2025 on),
  `Your Activity` -> `Following` / `Follower` (2024), or
  `Activity` -> `Following List` / `Follower List` (2020-2023); a list may be `null`.
  Each entry is `{"Date": "2024-05-01 10:15:00", "UserName": "..."}` (UTC).
  The owner is `ProfileMap.userName` under `Profile And Settings` -> `Profile Info` or, before,
  `Profile` -> `Profile Information`.
- **TXT**: a folder of text files, the lists in `Following.txt` and `Follower.txt` (older:
  `Following List.txt`, `Follower List.txt`; long ones split into `Following_1.txt`, ...), each a
  run of blocks `Date: 2023-08-10 06:18:18 UTC` / `Username: ...`. The owner is the `Username:`
  line of `Profile Info.txt` in the export, when there is one.

Without a profile, the owner is taken from a folder above the file named `tiktok-USERNAME...`
(TikTok names its download `TikTok_Data_NUMBER`, which says nothing of the account).

Everything else in the download (videos, comments, direct messages, watch history) is not read,
and the record of the file says so, so a reviewer knows that the messages were not scanned.
Only English labels are known; a download in another app language is an error that says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aupguard.exportfiles import encoding_of
from aupguard.model import ReadError

from .base import RawRecord
from .downloads import connection_record

PLATFORM = "tiktok"

# Where each list is, newest layout first: (section, list section, key of the entries).
_LISTS = {
    "following": (
        ("Profile And Settings", "Following", "Following"),
        ("Your Activity", "Following", "Following"),
        ("Activity", "Following List", "Following"),
    ),
    "follower": (
        ("Profile And Settings", "Follower", "FansList"),
        ("Your Activity", "Follower", "FansList"),
        ("Activity", "Follower List", "FansList"),
    ),
}
_PROFILES = (("Profile And Settings", "Profile Info"), ("Profile", "Profile Information"))
# Every (section, part) where a list or the profile is; the sections holding them are read.
_PLACES = tuple((section, part) for places in _LISTS.values() for section, part, _ in places) + _PROFILES
_SECTIONS = frozenset(section for section, _ in _PLACES)
_OWN_SECTIONS = ("Profile And Settings", "Your Activity")  # names no other export uses

# The owner's folder, when the export holds no profile: tiktok-USERNAME (TikTok usernames:
# letters, digits, "_" and ".").
_OWNER_FOLDER = re.compile(r"^tiktok-(?P<user>[A-Za-z0-9._]{2,24})(?:$|[-_ ])", re.IGNORECASE)
_PROFILE_TXT = "Profile Info.txt"
# A zip's members are unpacked one at a time (ziparchive.py), so a TXT list read from a zip never
# has the profile beside it: the zip's own name must say whose it is.
_NO_OWNER = (
    "a TikTok download, but whose account is it? Its profile (ProfileMap.userName, or "
    f"{_PROFILE_TXT} beside the lists) is not there: scan the whole download unzipped, or name its "
    "folder or zip tiktok-USERNAME"
)

# TikTok's TXT files: blocks of "Label: value" lines, each block opening with its date in
# TikTok's own form, which no e-mail Date header takes ("Tue, 1 Jul 2003 10:52:37 +0200").
_TXT_DATE = re.compile(r"^Date: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: UTC)?$")
_TXT_LIST_NAME = re.compile(r"^(?P<list>following|follower)(?: list)?(?:_\d+)?$", re.IGNORECASE)


def is_download(value: Any) -> bool:
    """Is this parsed JSON file a TikTok download? One of its lists or its profile is where
    TikTok puts them, or it has a section only TikTok names so."""
    if not isinstance(value, dict):
        return False
    return any(_has(value, section, part) for section, part in _PLACES) or any(
        isinstance(value.get(section), dict) for section in _OWN_SECTIONS
    )


def _has(value: dict[str, Any], section: str, part: str) -> bool:
    """Does `value` have the part (even null: an empty list) in that section?"""
    held = value.get(section)
    return isinstance(held, dict) and part in held


def _found(value: Any, path: tuple[str, ...]) -> Any:
    """value[path[0]][path[1]]...; None where a step is missing or not an object."""
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _json_owner(value: dict[str, Any]) -> str | None:
    for path in _PROFILES:
        name = _found(value, (*path, "ProfileMap", "userName"))
        if isinstance(name, str) and name.strip().lstrip("@"):
            return name.strip().lstrip("@")
    return None


def _folder_owner(path: Path) -> str | None:
    for above in path.resolve().parents:
        named = _OWNER_FOLDER.match(above.name)
        if named:
            return named.group("user")
    return None


def _date(value: Any) -> datetime | None:
    """TikTok's "2024-05-01 10:15:00" or "... UTC" (always UTC); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip().removesuffix(" UTC"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _entries(owner: str, source: str, direction: str, entries: list[Any]) -> Iterator[RawRecord | ReadError]:
    for number, entry in enumerate(entries, start=1):
        position = f"{direction} {number}"
        if not isinstance(entry, dict):
            yield ReadError(source, position, "not a JSON object")
        elif not isinstance(entry.get("UserName"), str) or not entry["UserName"].strip().lstrip("@"):
            yield ReadError(source, position, "no UserName")
        else:
            yield connection_record(PLATFORM, owner, entry["UserName"], "follow", direction, entry,
                                    _date(entry.get("Date")), source, position)  # fmt: skip


def iter_download(path: Path, value: dict[str, Any]) -> Iterator[RawRecord | ReadError]:
    """CONNECTION items of a JSON download's following and follower lists (`value`: the file's JSON)."""
    source = str(path)
    owner = _json_owner(value) or _folder_owner(path)
    if owner is None:
        yield ReadError(source, "", _NO_OWNER)
        return
    lists: dict[str, list[Any]] = {}
    for direction, places in _LISTS.items():
        # The first layout that has the list; a null list is an empty one.
        place = next(((section, part, key) for section, part, key in places if _has(value, section, part)), None)
        if place is not None:
            section, part, key = place
            entries = _found(value, (section, part, key))
            lists[direction] = entries if isinstance(entries, list) else []
    if not lists:
        yield ReadError(source, "", "a TikTok download without its following and follower lists (request it with "
                                    "'Profile and Settings' included)")  # fmt: skip
        return
    if not any(lists.values()):
        yield ReadError(source, "", "a TikTok download whose following and follower lists are empty")
    for direction, entries in lists.items():
        yield from _entries(owner, source, direction, entries)
    unread = sorted(k for k, v in value.items() if k not in _SECTIONS and _holds_something(v))
    if unread:
        # Said once, so that a reviewer knows what the scan did not look at (direct messages).
        yield ReadError(source, "other sections", f"parts of a TikTok download that are not read: {', '.join(unread)} "
                                                  "(only the following and follower lists)")  # fmt: skip


def _holds_something(value: Any, depth: int = 0) -> bool:
    """Does a section hold any entry or text (TikTok writes every section, most of them empty)?"""
    if isinstance(value, dict):
        return depth < 8 and any(_holds_something(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value not in (None, "", 0, False)


# --------------------------------------------------------------------------- TXT format


def is_txt_file(path: Path, head: bytes) -> bool:
    """A file of a TikTok TXT download: its first line is a date in TikTok's form, or it is the
    profile (`Profile Info.txt`, opening with `Username:`)."""
    first = _first_line(head)
    return bool(_TXT_DATE.match(first)) or (path.name == _PROFILE_TXT and first.startswith("Username:"))


def _first_line(head: bytes) -> str:
    text = head.decode(encoding_of(head), errors="replace")
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _blocks(text: str) -> Iterator[dict[str, str]]:
    """The blank-line separated blocks of `Label: value` lines of a TXT file."""
    block: dict[str, str] = {}
    for line in [*text.splitlines(), ""]:
        label, sep, rest = line.strip().partition(": ")
        if sep:
            block[label] = rest.strip()
        elif not line.strip() and block:
            yield block
            block = {}


def _txt_owner(path: Path) -> str | None:
    """The `Username:` of the download's `Profile Info.txt`, in the list's folder or one beside
    it (`Profile and Settings/`, `Profile/`), else a `tiktok-USERNAME` folder above."""
    folder = path.parent
    for profile in (folder / _PROFILE_TXT, *sorted(folder.parent.glob(f"*/{_PROFILE_TXT}"))):
        try:
            data = profile.read_bytes()
        except OSError:
            continue
        name = next(_blocks(data.decode(encoding_of(data), errors="replace")), {}).get("Username", "")
        if name.lstrip("@"):
            return name.lstrip("@")
    return _folder_owner(path)


def iter_txt(path: Path) -> Iterator[RawRecord | ReadError]:
    """CONNECTION items of a TXT download's following or follower list; the download's other
    files (the profile, watch history, searches) are recorded as not read."""
    source = str(path)
    listed = _TXT_LIST_NAME.match(path.stem)
    if listed is None:
        yield ReadError(source, "", "a file of a TikTok download that is not read (only the following and "
                                    "follower lists)")  # fmt: skip
        return
    direction = listed.group("list").lower()
    owner = _txt_owner(path)
    if owner is None:
        yield ReadError(source, "", _NO_OWNER)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield ReadError(source, "", f"cannot read: {exc.strerror or exc}")
        return
    blocks = list(_blocks(data.decode(encoding_of(data), errors="replace")))
    if not blocks:
        yield ReadError(source, "", "a TikTok list with no accounts in it")
        return
    for number, block in enumerate(blocks, start=1):
        if "Username" not in block:
            yield ReadError(source, f"{direction} {number}", "no Username line (an app language other than English?)")
            continue
        entry = {"Date": block.get("Date"), "UserName": block["Username"]}
        yield connection_record(PLATFORM, owner, block["Username"], "follow", direction, entry,
                                _date(block.get("Date")), source, f"{direction} {number}")  # fmt: skip

"""What Meta's "Download your information" exports (Instagram, Facebook) have in common.

Both are folders of JSON (unzipped from `PLATFORM-USERNAME-DATE-HASH.zip`) whose files never name
the account they belong to: the owner is read from the export's profile file, else from the
folder's name (`MetaExport.owner_of`). Both write text as UTF-8 bytes escaped one by one
(`"Jos\\u00c3\\u00a9"` for "José": `repair_text`), times as Unix seconds, and lists whose first
entry tells what the file holds (`first_entry`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aupguard.model import Attachment, Channel

from .base import RawRecord
from .downloads import owned_record


@dataclass(frozen=True)
class MetaExport:
    platform: str  # "instagram"
    title: str  # "an Instagram", as the messages say it
    folder: re.Pattern[str]  # the export folder's name, with the username as group `user`
    profile_file: Path  # relative to the export folder
    username_at: tuple[str | int, ...]  # where the username is in the profile file's JSON

    def owner_of(self, path: Path) -> str | None:
        """The account of the export holding `path`: the username in its profile file, else
        from its folder's name; looked for in every folder above `path`."""
        for above in path.resolve().parents:
            profile = above / self.profile_file
            if profile.is_file():
                username = self._profile_username(profile)
                if username:
                    return username
            named = self.folder.match(above.name)
            if named:
                return named.group("user")
        return None

    def _profile_username(self, profile: Path) -> str | None:
        try:
            value: Any = json.loads(profile.read_bytes())
            for key in self.username_at:
                value = value[key]
        except (OSError, ValueError, LookupError, TypeError):
            return None  # unreadable or another shape: fall back to the folder's name
        return value.strip().lstrip("@") if isinstance(value, str) and value.strip() else None

    @property
    def no_owner(self) -> str:
        """The error of a file whose export's owner cannot be found."""
        return (
            f"{self.title} export file, but whose account is it? Scan the whole export folder (its "
            f"personal_information/ names the account) or keep the folder's name {self.platform}-USERNAME-DATE-..."
        )

    def not_read(self, what_is: str) -> str:
        """The error of another file of the export (ads, logins, settings)."""
        return f"a file of {self.title} export that is not read (only {what_is})"

    def post_record(
        self,
        owner: str,
        source: str,
        position: str,
        post: Any,
        sent_at: datetime | None,
        body: str,
        attachments: list[Attachment],
        meta: dict[str, Any],
    ) -> RawRecord:
        """A POST item of the owner's, its raw bytes the post with its export and owner."""
        return owned_record(
            self.platform, owner, {"post": post}, Channel.POST, source, position,
            sent_at=sent_at, body=body, attachments=attachments, meta=meta,
        )  # fmt: skip


def may_be_meta_export(opening: str) -> bool:
    """Could a JSON list that opens with `opening` be an Instagram followers or posts file, or a
    Facebook posts file? (A cheap look at its first bytes; `instagram.is_relationships`,
    `instagram.is_posts` and `facebook.is_posts` decide on the parsed file.)"""
    return (
        '"string_list_data"' in opening
        or ('"media"' in opening and '"creation_timestamp"' in opening)
        or ('"timestamp"' in opening and '"data"' in opening)
    )


def first_entry(value: Any) -> dict[str, Any]:
    """The first element of a list, when it is an object; else {}."""
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


def unix_time(timestamp: Any) -> datetime | None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or timestamp <= 0:
        return None
    return datetime.fromtimestamp(timestamp, UTC)

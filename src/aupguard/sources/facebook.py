"""Facebook's own "Download your information" export (JSON): the owner's posts.

`your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_N.json` (older exports:
`posts/your_posts_N.json`) is a list of posts:

    [{"timestamp": 1700000000, "title": "Derek Nolan updated his status.",
      "data": [{"post": "Great game tonight!"}, {"update_timestamp": 1700000100}],
      "attachments": [{"data": [{"media": {"uri": "…/123.jpg"}}, {"external_context": {"url": "…"}}]}]}]

Each becomes a POST item: the `post` texts are its body, its media are attachments (by name) and
a shared link is kept in `meta.url`. The owner is read as for Instagram (instagram.py): from
`personal_information/profile_information/profile_information.json` (`profile_v2.username`), else
from the export folder's name, `facebook-USERNAME-2025-06-13-...`.

Not read: the friends list, which gives names only (`{"friends_v2": [{"name": ...}]}`): there is no
handle to match against the directory's accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aupguard.model import Attachment, ReadError

from .base import RawRecord
from .meta_export import MetaExport, first_entry, repair_text, unix_time

FACEBOOK = MetaExport(
    "facebook",
    "a Facebook",
    re.compile(r"^facebook-(?P<user>[A-Za-z0-9.]{1,50})-\d{4}-\d{2}-\d{2}"),
    Path("personal_information", "profile_information", "profile_information.json"),
    ("profile_v2", "username"),
)


def is_posts(value: Any) -> bool:
    """A posts list: its first entry has a `timestamp` and a `data` list (of `post` texts)."""
    first = first_entry(value)
    return "timestamp" in first and isinstance(first.get("data"), list) and "media" not in first


def iter_posts(path: Path, value: list[Any]) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    owner = FACEBOOK.owner_of(path)
    if owner is None:
        yield ReadError(source, "", FACEBOOK.no_owner)
        return
    for number, post in enumerate(value, start=1):
        position = f"post {number}"
        data = post.get("data") if isinstance(post, dict) else None
        if not isinstance(data, list):
            yield ReadError(source, position, "not a Facebook post (no data list)")
            continue
        texts = [d["post"] for d in data if isinstance(d, dict) and isinstance(d.get("post"), str)]
        media, links = _attachments(post.get("attachments"))
        meta: dict[str, Any] = {"type": "post", "visibility": None}
        if links:
            meta["url"] = links[0]
        if isinstance(post.get("title"), str):
            meta["title"] = repair_text(post["title"])
        # A shared photo or link without words of the owner's is a post with an empty body.
        body = "\n".join(repair_text(t) for t in texts)
        yield FACEBOOK.post_record(owner, source, position, post, unix_time(post.get("timestamp")), body, media, meta)


def _attachments(value: Any) -> tuple[list[Attachment], list[str]]:
    """The media of a post's attachments (by file name; the bytes are beside the JSON, not read)
    and the links it shared."""
    media: list[Attachment] = []
    links: list[str] = []
    for attachment in value if isinstance(value, list) else []:
        for entry in attachment.get("data", []) if isinstance(attachment, dict) else []:
            if not isinstance(entry, dict):
                continue
            uri = _inner(entry, "media", "uri")
            if uri:
                media.append(Attachment(uri.rsplit("/", 1)[-1], "", size=0, sha256=""))
            url = _inner(entry, "external_context", "url")
            if url:
                links.append(url)
    return media, links


def _inner(entry: dict[str, Any], outer: str, key: str) -> str | None:
    """entry[outer][key] when it is a non-empty string."""
    value = entry.get(outer)
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None

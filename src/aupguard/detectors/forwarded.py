"""Where the forwarded (or replied-to) part of a mail body starts.

Mail clients put someone else's message below a divider line: Outlook "-----Original
Message-----" (replies and forwards), Lotus Notes "----- Forwarded by Name/Org on date -----",
Apple Mail "Begin forwarded message:", Gmail "---------- Forwarded message ---------", and
Outlook's underscore rule followed by the old message's "From:" line. Everything below the first
divider is the earlier message, not what the sender wrote. The commercial detector leaves it out
by default (a forwarded advertisement is not the sender's pitch); the credentials detector
treats a password in it as passed on (a forwarded reset mail is sharing).
"""

from __future__ import annotations

import re

FORWARD_DIVIDER = re.compile(
    r"^[ \t]*(?:"
    r"-{2,}[ \t]*(?:original message|forwarded message)[ \t]*-{2,}"
    r"|-{2,}[ \t]*forwarded by\b"
    r"|(?-i:[Bb]egin [Ff]orwarded [Mm]essage:)"
    r"|_{10,}[ \t]*\r?\n[ \t]*from:"
    r")",
    re.IGNORECASE | re.MULTILINE,
)


def forwarded_start(text: str) -> int | None:
    """Offset of the first forward/reply divider in `text`, or None when there is none."""
    # Speed: every divider holds "--", "__" or "orwarded" (Apple Mail's line is matched in its
    # two real spellings only, so this holds); most messages hold none of them, and three `in`
    # tests cost far less than the regex over the whole text.
    if "--" not in text and "__" not in text and "orwarded" not in text:
        return None
    m = FORWARD_DIVIDER.search(text)
    return m.start() if m else None

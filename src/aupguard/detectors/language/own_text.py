"""The sender's own words in an item, as the units the language models score.

What is scored is the author's own words: quoted reply lines (`>`), header blocks of quoted
mail (From:/Sent:/To: lines) and, in a reply (subject "Re:"), everything below the reply
divider ("-----Original Message-----", "On ... wrote:") are skipped. Forwarded text is kept:
forwarding a crude joke is the sender's own act.

Units: the models were trained on tweets and comments, so a unit is a paragraph of up to
`UNIT_MAX` characters (a text message, a tweet, a short e-mail paragraph) and, in longer
paragraphs, a sentence; a "sentence" longer than that (a table, unpunctuated text) is cut at
its lines. A long e-mail therefore never dilutes one abusive line, and the span a reviewer sees
is that line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aupguard.detectors.item_text import item_text
from aupguard.model import Item

UNIT_MAX = 300  # characters
REPLY_SUBJECT = re.compile(r"^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:", re.IGNORECASE)
REPLY_DIVIDER = re.compile(
    r"^(-{2,}\s*original message\s*-{2,}|_{10,}|on\s.{4,200}\swrote:|.{0,80}\s(wrote|writes):)$",
    re.IGNORECASE,
)
QUOTED_HEADER = re.compile(r"^(from|sent|to|cc|bcc|date|subject|importance)\s*:", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?\s][^.!?]*(?:[.!?]+[\"')\]]*|$)")


def own_paragraphs(item: Item) -> Iterator[tuple[int, int]]:
    """(start, end) spans in `item.text` of the paragraphs the sender wrote, in order."""
    text = item_text(item)
    is_reply = bool(item.subject and REPLY_SUBJECT.match(item.subject))
    para: list[int] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if is_reply and start > 0 and REPLY_DIVIDER.match(stripped):
            break
        if not stripped or stripped[0] == ">" or QUOTED_HEADER.match(stripped):
            if para:
                yield para[0], para[1]
            para = []
            continue
        first = start + len(content) - len(content.lstrip())
        last = start + len(content.rstrip())
        para = [para[0] if para else first, last]
        if start == 0 and item.subject:
            yield para[0], para[1]  # the subject is a paragraph of its own
            para = []
    if para:
        yield para[0], para[1]


def units(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The paragraph [start, end) itself when short, else its sentences (long ones by line)."""
    if end - start <= UNIT_MAX:
        yield start, end
        return
    for m in SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        if e - s <= UNIT_MAX:
            yield s, e
            continue
        offset = s
        for line in text[s:e].split("\n"):
            if line.strip():
                lead = len(line) - len(line.lstrip())
                yield offset + lead, offset + len(line.rstrip())
            offset += len(line) + 1


def own_units(item: Item) -> Iterator[tuple[int, int]]:
    text = item_text(item)
    for start, end in own_paragraphs(item):
        yield from units(text, start, end)

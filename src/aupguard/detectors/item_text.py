"""The text of the item the detectors are reading, built once for all of them.

`Item.text` joins subject and body anew on every access, so each detector got its own copy of
the same text: a copy, and then a fresh hash (about a microsecond per kilobyte) wherever the
text keys a cache of per-text work (`anchors.fold_recent`, the phone, address and date finders
of pii_finders). `item_text` gives every detector that reads the same item the same string
object, whose hash Python computes once and whose cache entries match by identity.

Exact: the remembered text is returned only while the item's subject and body are the very
string objects it was joined from, and strings are immutable, so it equals `item.text`.
"""

from __future__ import annotations

from aupguard.model import Item

# (item, its subject, its body, their text) for the item read last.
_last: tuple[Item, str | None, str, str] | None = None


def item_text(item: Item) -> str:
    """`item.text`, the same object for as long as the item's subject and body stay the same."""
    global _last
    last = _last
    if last is not None and last[0] is item and last[1] is item.subject and last[2] is item.body:
        return last[3]
    text = item.text
    _last = (item, item.subject, item.body, text)  # one assignment: a thread sees all of it or none
    return text

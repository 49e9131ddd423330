"""The text of the item the detectors are reading, built once for all of them.

`Item.text` joins subject and body anew on every access, so each detector got its own copy of
the same text: a copy, and then a fresh hash (about a microsecond per kilobyte) wherever the
text keys a cache of per-text work (`anchors.fold_recent`, the phone, address and date finders
of pii_finders). `item_text` gives every detector that reads the same item the same string
object, whose hash Python computes once and whose cache entries match by identity.

Exact: the remembered text is returned only while the item's subject and body are the very
string objects it was joined from, and strings are immutable, so it equals `item.text`.
Remembered for the recent items (detectors/recent.py), by the item's id(): the entry holds the
item itself, so no other object can take that id while the entry lasts.
"""

from __future__ import annotations

from aupguard.detectors.recent import Recent
from aupguard.model import Item

# id(item) -> (item, its subject, its body, their text), for the recent items.
_recent: Recent[int, tuple[Item, str | None, str, str]] = Recent()


def item_text(item: Item) -> str:
    """`item.text`, the same object for as long as the item's subject and body stay the same."""
    seen = _recent.get(id(item))
    if seen is not None and seen[0] is item and seen[1] is item.subject and seen[2] is item.body:
        return seen[3]
    text = item.text
    _recent.remember(id(item), (item, item.subject, item.body, text))
    return text

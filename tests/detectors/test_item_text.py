"""item_text: the item's text, one string object for every detector reading the same item."""

from __future__ import annotations

from aupguard.detectors.item_text import item_text
from aupguard.model import Channel, Item


def _item(subject: str | None, body: str) -> Item:
    return Item("x", Channel.EMAIL, "t", "", b"", subject=subject, body=body)


def test_same_object_while_subject_and_body_stay() -> None:
    item = _item("Hello", "the body")
    first = item_text(item)
    assert first == item.text == "Hello\nthe body"
    assert item_text(item) is first
    assert item_text(_item(None, "only a body")) == "only a body"


def test_a_changed_item_or_another_item_gets_its_own_text() -> None:
    item = _item("Hello", "the body")
    item_text(item)
    item.body = "another body"
    assert item_text(item) == "Hello\nanother body"
    item.subject = None
    assert item_text(item) == "another body"
    other = _item("Hello", "another body")
    assert item_text(other) == other.text

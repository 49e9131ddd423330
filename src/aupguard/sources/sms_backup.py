"""Android texts as the "SMS Backup & Restore" app saves them (XML): SMS and MMS, group texts too.

A coach's or sponsor's phone backed up with that app gives `sms-YYYYMMDDhhmmss.xml`:

    <smses count="2">
      <sms address="+15155550100" date="1699999999000" type="2" body="See you at 4" ... />
      <mms date="1700000000000" msg_box="2" ...>
        <parts><part ct="text/plain" text="Practice moved to 4pm" ... /></parts>
        <addrs><addr address="+15155550199" type="137" /><addr address="+15155550100" type="151" /></addrs>
      </mms>
    </smses>

An `sms` of `type` 1 was received from `address`; 2 (and 4-6: outbox, failed, queued) was sent
to it; 3 is a draft, never sent, and is recorded as an error. An `mms` (`msg_box` 1 received,
2 sent) names its people in `addrs`: `type` 137 is the sender, 151/130/129 the to/cc/bcc
recipients; its text is its `text/plain` parts, its other parts are attachments (name and type).

The backup does not say whose phone it is, and a sent SMS names only its recipient. The
phone's own number is taken from the file's name when it holds one with its "+" (rename
`sms-20240101.xml` to `sms-+15155550199.xml`), else from the messages: the sender of a sent
MMS, or the one recipient of a received MMS addressed to one number. A backup that shows it
nowhere is one error that says how to name the file.

The file is read as a stream (`defusedxml`: no entity expansion, so a hostile file cannot blow
up memory), each message dropped once read, so a backup with years of photos stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from aupguard.directory.addresses import normalize_phone
from aupguard.model import Attachment, Channel, Item, ReadError, content_id

from .base import RawRecord

# sms `type`: who wrote it. Drafts (3) were never sent: not a communication.
SMS_RECEIVED = {"1"}
SMS_SENT = {"2", "4", "5", "6"}  # sent, outbox, failed, queued: written by the phone's owner
SMS_DRAFT = "3"
MMS_FROM, MMS_RECIPIENTS = "137", {"151", "130", "129"}  # to, cc, bcc
# A number with its "+" in the file's name: whose phone the backup is.
_OWNER_IN_NAME = re.compile(r"\+\d{8,15}")
# What the app writes where a value is missing.
_MISSING = {"", "null", "insert-address-token"}


def looks_like_backup(head: bytes) -> bool:
    """Is a file that begins with `head` an SMS Backup & Restore file?"""
    return b"<smses" in head


def looks_like_call_log(head: bytes) -> bool:
    """The app's other file, `calls-DATE.xml`, saved beside the texts."""
    return b"<calls" in head


class _CountingReader:
    """The file as the parser reads it, counting bytes so each record can report its share for
    the progress bar (the parser does not say where an element ended)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.consumed += len(data)
        return data


def _phone(value: str | None) -> str | None:
    if value is None or value.strip().lower() in _MISSING:
        return None
    return normalize_phone(value.strip()) or value.strip()


def _when(value: str | None) -> datetime | None:
    try:
        millis = int(value or "")
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else None


def _messages(path: Path) -> Iterator[tuple[Element, int]]:
    """(sms or mms element, bytes of the file read so far), each element dropped after use."""
    with path.open("rb") as handle:
        reader = _CountingReader(handle)
        root: Element | None = None
        for event, element in iterparse(reader, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if root is None:
                    root = element
                continue
            if element.tag in ("sms", "mms") and root is not None:
                yield element, reader.consumed
                root.clear()  # the messages read so far, and their media, are let go


def owner_number(path: Path) -> str | None:
    """The phone's own number (E.164): from the file's name, else from its MMS (see module doc)."""
    named = _OWNER_IN_NAME.search(path.name)
    if named:
        return _phone(named.group())
    single_recipients: set[str] = set()
    try:
        for element, _ in _messages(path):
            if element.tag != "mms":
                continue
            senders, recipients = _mms_people(element)
            if element.get("msg_box") == "2" and senders:
                return senders[0]
            if element.get("msg_box") == "1" and len(recipients) == 1:
                single_recipients.add(recipients[0])
    except (ParseError, DefusedXmlException):
        pass  # the reading pass reports where the file breaks
    return single_recipients.pop() if len(single_recipients) == 1 else None


def _mms_people(element: Element) -> tuple[list[str], list[str]]:
    senders: list[str] = []
    recipients: list[str] = []
    for addr in element.iter("addr"):
        number = _phone(addr.get("address"))
        if number is None:
            continue
        if addr.get("type") == MMS_FROM:
            senders.append(number)
        elif addr.get("type") in MMS_RECIPIENTS and number not in recipients:
            recipients.append(number)
    return senders, recipients


def iter_backup(path: Path) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    owner = owner_number(path)
    if owner is None:
        yield ReadError(source, "", _without_owner(path))
        return
    number = 0
    reported = 0
    try:
        for element, consumed in _messages(path):
            number += 1
            position = f"message {number}"
            raw = tostring(element, encoding="utf-8")
            try:
                item = _item(element, owner, raw, source, position)
            except ValueError as exc:
                yield ReadError(source, position, str(exc))
                continue
            yield RawRecord(source, position, "item", raw, item=item, nbytes=consumed - reported)
            reported = consumed
    except (ParseError, DefusedXmlException) as exc:
        where = f"after message {number}" if number else "before the first message"
        yield ReadError(source, "", f"XML broken {where}: {exc}; later messages not read"[:300])
        return
    if number == 0:
        yield ReadError(source, "", _EMPTY)


def _without_owner(path: Path) -> str:
    """Why a backup whose number is unknown cannot be read: it is broken, empty, or silent."""
    try:
        return _NO_OWNER if next(_messages(path), None) is not None else _EMPTY
    except (ParseError, DefusedXmlException) as exc:
        return f"XML broken before the first message: {exc}"[:300]


def _item(element: Element, owner: str, raw: bytes, source: str, position: str) -> Item:
    if element.tag == "sms":
        kind = element.get("type", "")
        other = _phone(element.get("address"))
        if kind == SMS_DRAFT:
            raise ValueError("a draft, never sent: not read")
        if other is None:
            raise ValueError("no address")
        if kind in SMS_RECEIVED:
            sender, recipients, box = other, [owner], "received"
        elif kind in SMS_SENT:
            sender, recipients, box = owner, [other], "sent"
        else:
            raise ValueError(f"unknown sms type {kind!r}")
        body = element.get("body") or ""
        attachments: list[Attachment] = []
    else:
        senders, recipients = _mms_people(element)
        box = {"1": "received", "2": "sent"}.get(element.get("msg_box", ""), "")
        if not box:
            raise ValueError(f"unknown mms box {element.get('msg_box')!r}")
        if box == "sent":
            sender = owner
        elif senders:
            sender = senders[0]
        else:
            raise ValueError("no sender (no addr of type 137)")
        recipients = [r for r in recipients if r != sender] or ([owner] if box == "received" else [])
        if not recipients:
            raise ValueError("no recipients")
        body, attachments = _mms_parts(element)
    sent_at = _when(element.get("date"))
    if sent_at is None:
        raise ValueError(f"not a date: {element.get('date')!r} (expected milliseconds since 1970)")
    meta: dict[str, Any] = {"box": box, "kind": element.tag}
    if element.get("contact_name") not in (None, "", "(Unknown)", "null"):
        meta["contact_name"] = element.get("contact_name")
    return Item(
        id=content_id(raw),
        channel=Channel.TEXT,
        source=source,
        position=position,
        raw=raw,
        sent_at=sent_at,
        sender=sender,
        recipients=recipients,
        body=body,
        attachments=attachments,
        meta=meta,
    )


def _mms_parts(element: Element) -> tuple[str, list[Attachment]]:
    texts: list[str] = []
    attachments: list[Attachment] = []
    for part in element.iter("part"):
        content_type = (part.get("ct") or "").lower()
        if content_type == "application/smil":
            continue  # the slide layout, not content
        if content_type == "text/plain":
            text = part.get("text")
            if text and text.lower() != "null":
                texts.append(text)
            continue
        name = next((v for k in ("name", "fn", "cl") if (v := part.get(k)) and v.lower() != "null"), None)
        data = part.get("data") or ""
        # base64 in the file: about three bytes for every four characters
        attachments.append(Attachment(name, content_type, size=len(data) * 3 // 4, sha256=""))
    return "\n".join(texts), attachments


_EMPTY = "an SMS Backup & Restore file with no messages in it"
_NO_OWNER = (
    "an SMS Backup & Restore file that does not show whose phone it is (no MMS names the phone's "
    "own number): put the number with its + in the file's name, e.g. sms-+15155550199.xml"
)

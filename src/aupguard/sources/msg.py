"""Outlook .msg files (OLE compound documents) to EMAIL items, with extract-msg.

The .msg bytes are the item's raw bytes. Headers come from the transport headers Outlook keeps
(when the message arrived by SMTP) and are read with the same code as .eml files; the
addresses, subject and date fall back to the MAPI properties when those headers are absent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import extract_msg

from aupguard.directory.addresses import normalize_email
from aupguard.model import Attachment, Channel, Item, ReadError, content_id

from .attachments import describe_attachment
from .eml import MAX_BODY_CHARS
from .headers import KEPT_HEADERS, decode_bytes, decode_value, parse_addresses, parse_date, raw_headers
from .htmltext import html_to_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extract-msg logs every oddity it meets at WARNING; a scan reports problems through ReadError.
logging.getLogger("extract_msg").setLevel(logging.ERROR)


def _utc(when: Any) -> datetime | None:
    if not isinstance(when, datetime):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _attachment(att: Any) -> Attachment:
    data = getattr(att, "data", None)
    name = getattr(att, "longFilename", None) or getattr(att, "shortFilename", None)
    ctype = getattr(att, "mimetype", None) or "application/octet-stream"
    if isinstance(data, bytes):
        return describe_attachment(name, ctype, data)
    # An embedded message (data is a parsed MSG object) or a link to a web attachment: no bytes.
    embedded = data is not None
    return Attachment(
        filename=name or ("embedded.msg" if embedded else None),
        content_type="application/vnd.ms-outlook" if embedded else ctype,
        size=0,
        sha256="",
    )


def _recipients(message: Any) -> list[str]:
    addresses: dict[str, None] = {}
    for recipient in getattr(message, "recipients", None) or []:
        email = getattr(recipient, "email", None)
        if isinstance(email, str) and "@" in email:
            addresses.setdefault(normalize_email(email), None)
    return list(addresses)


def _body(message: Any, meta: dict[str, Any]) -> str:
    body = getattr(message, "body", None)
    if isinstance(body, str) and body.strip():
        text = body
    else:
        html = getattr(message, "htmlBody", None)
        text = html_to_text(decode_bytes(html, "utf-8")) if isinstance(html, bytes) else ""
        if text:
            meta["body_from_html"] = True
    if len(text) > MAX_BODY_CHARS:
        meta["body_truncated"] = f"body cut at {MAX_BODY_CHARS} of {len(text)} characters"
        text = text[:MAX_BODY_CHARS]
    return text


# MAPI properties holding the sender's address, best first, with the property that names the
# address type: an "EX" address is an Exchange X.500 path, not an e-mail address.
_SENDER_ADDRESS_PROPS = (("5D01", None), ("0C1F", "0C1E"), ("5D02", None), ("0065", "0064"))
_SENDER_NAME_PROPS = ("0C1A", "0042")


def _mapi_sender(message: Any) -> list[tuple[str, str]]:
    """(name, address) from the MAPI sender properties, when no header holds the address.

    Outlook items saved without transport headers get a header block from extract-msg whose
    From line has the display name only; the address is in these properties.
    """
    read = getattr(message, "getStringStream", None)
    if read is None:
        return []

    def prop(code: str) -> str:
        value = read(f"__substg1.0_{code}")
        return value.strip() if isinstance(value, str) else ""

    for address_code, type_code in _SENDER_ADDRESS_PROPS:
        address = prop(address_code)
        if "@" in address and (type_code is None or prop(type_code).upper() in ("", "SMTP")):
            name = next((n for n in map(prop, _SENDER_NAME_PROPS) if n and n != address), "")
            return [(name, normalize_email(address))]
    return []


def _kept(found: dict[str, list[str]]) -> dict[str, list[str]]:
    # Without transport headers extract-msg writes a header block of its own with empty
    # values ("Authentication-Results: "); an empty value says nothing, so it is left out.
    headers: dict[str, list[str]] = {}
    for name, values in found.items():
        kept = [decode_value(v) for v in values if v.strip()]
        if kept and name in KEPT_HEADERS:
            headers[name] = kept
    return headers


def item_from_msg(message: Any, raw: bytes, source: str, position: str) -> Item:
    """Convert an opened extract-msg Message (or anything with the same attributes)."""
    header = getattr(message, "header", None)
    found = raw_headers(header, KEPT_HEADERS | {"subject"}) if header is not None else {}
    senders = parse_addresses(found.get("from", []))
    if not senders and isinstance(getattr(message, "sender", None), str):
        senders = parse_addresses([message.sender])
    if not senders:
        senders = _mapi_sender(message)
    meta: dict[str, Any] = {"format": "msg"}
    subject = getattr(message, "subject", None)
    return Item(
        id=content_id(raw),
        channel=Channel.EMAIL,
        source=source,
        position=position,
        raw=raw,
        sent_at=parse_date(found["date"][0]) if "date" in found else _utc(getattr(message, "date", None)),
        sender=senders[0][1] if senders else None,
        sender_name=(senders[0][0] or None) if senders else None,
        recipients=_recipients(message),
        subject=subject if isinstance(subject, str) else None,
        body=_body(message, meta),
        headers=_kept(found),
        attachments=[_attachment(a) for a in getattr(message, "attachments", None) or []],
        meta=meta,
    )


def parse_msg(raw: bytes, source: str, position: str) -> Item | ReadError:
    if not raw.startswith(OLE_MAGIC):
        return ReadError(source, position, "not an Outlook .msg file (no OLE signature)")
    try:
        message = extract_msg.openMsg(raw, strict=False)
    except Exception as exc:  # extract-msg raises many kinds on damaged files; all mean unreadable
        return ReadError(source, position, f"unreadable .msg: {type(exc).__name__}: {exc}"[:300])
    try:
        return item_from_msg(message, raw, source, position)
    except Exception as exc:  # a property that fails to decode deep inside extract-msg
        return ReadError(source, position, f"unreadable .msg: {type(exc).__name__}: {exc}"[:300])
    finally:
        message.close()

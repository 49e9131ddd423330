"""RFC 5322 message bytes to an Item (used for .eml files, mbox messages and Maildir files).

Parsing uses the stdlib `compat32` policy (fast, never raises on malformed input) and decodes
only what detectors need; see headers.py for why not `email.policy.default`.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.errors import MessageDefect
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from aupguard.model import Attachment, Channel, Item, ReadError, content_id

from .attachments import describe_attachment
from .headers import (
    KEPT_HEADERS,
    decode_bytes,
    decode_value,
    parse_addresses,
    parse_date,
    raw_headers,
    unique_addresses,
)
from .htmltext import html_to_text

# Bodies past this are cut (and the cut is noted in meta) so one giant message cannot starve a
# worker; the full bytes stay in `raw` and the archive.
MAX_BODY_CHARS = 1_000_000

# Kept headers plus the ones read for other fields (subject, bcc) but not stored in `headers`.
_READ_HEADERS = KEPT_HEADERS | {"subject", "bcc"}

# A file needs at least one of these to count as a message; otherwise it is some other file
# (a README, a log, binary junk) and becomes a ReadError.
_MESSAGE_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "date", "subject", "message-id", "received", "sender", "return-path",
     "mime-version", "delivered-to", "reply-to", "in-reply-to", "references", "content-type"}
)  # fmt: skip


_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


class _Parts:
    """What a walk over the MIME tree collects."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.defects: list[str] = []


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return b""


def _filename(part: Message) -> str | None:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return None
    if isinstance(raw, tuple):  # RFC 2231 (charset, language, value)
        charset, _, value = raw
        return decode_bytes(value.encode("latin-1", "replace"), charset or "utf-8")
    return decode_value(str(raw))


def _note_defects(part: Message, parts: _Parts) -> None:
    for defect in part.defects:
        name = type(defect).__name__ if isinstance(defect, MessageDefect) else str(defect)
        if name not in parts.defects:
            parts.defects.append(name)


def _walk(part: Message, parts: _Parts, depth: int = 0) -> None:
    _note_defects(part, parts)
    if depth > 50:  # pathological nesting: stop rather than recurse forever
        parts.defects.append("NestingTooDeep")
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _walk(sub, parts, depth + 1)
        return
    fields: dict[str, str] = {}
    for name, value in part.raw_items():  # one pass; Message.get() rescans every header per call
        fields.setdefault(name.lower(), str(value))
    raw_type = fields.get("content-type", "")
    ctype = raw_type.split(";", 1)[0].strip().lower()
    if ctype.count("/") != 1:  # missing or invalid: RFC 2045 says read it as the default type
        ctype = part.get_default_type()
    charset_match = _CHARSET.search(raw_type)
    charset = charset_match[1] if charset_match else None
    raw_disposition = fields.get("content-disposition", "")
    disposition = raw_disposition.split(";", 1)[0].strip().lower()
    # get_param() re-parses the header on every call; most parts have no name at all.
    has_name = "name" in raw_disposition.lower() or "name" in raw_type.lower()
    filename = _filename(part) if has_name else None
    is_attachment = disposition == "attachment" or (filename is not None and disposition != "inline")
    if ctype.startswith("multipart/"):
        # The boundary never starts (a truncated or mislabelled message): compat32 leaves the
        # body unparsed. Keep it as text so detectors still see it; meta["defects"] says why.
        parts.plain.append(decode_bytes(_payload_bytes(part), charset))
        return
    if ctype in ("text/plain", "text/html") and not is_attachment:
        text = decode_bytes(_payload_bytes(part), charset)
        (parts.plain if ctype == "text/plain" else parts.html).append(text)
        return
    parts.attachments.append(describe_attachment(filename, ctype, _payload_bytes(part)))


_HEADER_PARSER = BytesHeaderParser(policy=compat32)


def _message_from_bytes(raw: bytes) -> Message:
    """compat32's parse, with a shortcut for single-part messages (most mail).

    The feed parser walks a body line by line even when it will keep it as one string; for a
    message that is not multipart we parse the header block alone and attach the body as
    BytesParser would (ASCII with surrogate escapes), which is the same Message, faster.
    """
    end = _header_end(raw)
    # A bare CR is a line break to the feed parser but not to _header_end: "\r\r" may end the
    # header block before the first LF pair does, so such mail takes the full parse.
    if end > 0 and raw.count(b"\r", 0, end) == raw.count(b"\r\n", 0, end):
        msg = _HEADER_PARSER.parsebytes(raw[:end])
        if not msg.defects and msg.get_content_maintype() not in ("multipart", "message"):
            msg.set_payload(raw[end:].decode("ascii", "surrogateescape"))
            return msg
    return message_from_bytes(raw)


def _header_end(raw: bytes) -> int:
    """Offset just past the blank line that ends the header block; -1 when there is none."""
    lf, crlf = raw.find(b"\n\n"), raw.find(b"\n\r\n")
    if lf < 0 and crlf < 0:
        return -1
    if crlf < 0 or 0 <= lf < crlf:
        return lf + 2
    return crlf + 3


def _looks_like_message(msg: Message) -> bool:
    return any(name.lower() in _MESSAGE_HEADERS for name in msg)


def parse_email(raw: bytes, source: str, position: str) -> Item | ReadError:
    if not raw.strip():
        return ReadError(source, position, "empty message")
    msg = _message_from_bytes(raw)
    if not _looks_like_message(msg):
        return ReadError(source, position, "not an email: no RFC 5322 headers (From, To, Date, Subject ...)")
    parts = _Parts()
    _walk(msg, parts)
    return _build_item(msg, parts, raw, source, position)


def _build_item(msg: Message, parts: _Parts, data: bytes, source: str, position: str) -> Item:
    found = raw_headers(msg, _READ_HEADERS)
    senders = parse_addresses(found.get("from", []))
    recipients = unique_addresses(found.get("to", []) + found.get("cc", []) + found.get("bcc", []))
    subject = found.get("subject")
    headers = {name: [decode_value(v) for v in vals] for name, vals in found.items() if name in KEPT_HEADERS}
    meta: dict[str, object] = {}
    if parts.plain:
        body = "\n".join(parts.plain)
    else:
        body = "\n".join(html_to_text(h) for h in parts.html)
        if parts.html:
            meta["body_from_html"] = True
    if len(body) > MAX_BODY_CHARS:
        meta["body_truncated"] = f"body cut at {MAX_BODY_CHARS} of {len(body)} characters"
        body = body[:MAX_BODY_CHARS]
    if parts.defects:
        meta["defects"] = parts.defects
    return Item(
        id=content_id(data),
        channel=Channel.EMAIL,
        source=source,
        position=position,
        raw=data,
        sent_at=parse_date(found["date"][0] if "date" in found else None),
        sender=senders[0][1] if senders else None,
        sender_name=(senders[0][0] or None) if senders else None,
        recipients=recipients,
        subject=decode_value(subject[0]) if subject else None,
        body=body,
        headers=headers,
        attachments=parts.attachments,
        meta=meta,
    )

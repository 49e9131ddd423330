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
    clean_value,
    decode_bytes,
    decode_clean,
    decode_value,
    first_address,
    parse_date,
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


_PART_FIELDS = frozenset({"content-type", "content-disposition", "content-transfer-encoding"})

# The transfer encodings Message.get_payload(decode=True) decodes; it returns any other body's
# bytes as they are.
_DECODED_ENCODINGS = frozenset({"quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue"})


class _PartFields:
    """A part's first Content-Type, Content-Disposition and Content-Transfer-Encoding, as
    written (None when absent), and its body's bytes when the parse kept them (else None)."""

    __slots__ = ("content_type", "disposition", "transfer_encoding", "body")

    def __init__(self) -> None:
        self.content_type: str | None = None
        self.disposition: str | None = None
        self.transfer_encoding: str | None = None
        self.body: bytes | None = None

    def note(self, key: str, value: object) -> None:
        """Take one header (`key` lowercased); only the first of each name counts."""
        if key == "content-type":
            if self.content_type is None:
                self.content_type = str(value)
        elif key == "content-disposition":
            if self.disposition is None:
                self.disposition = str(value)
        elif key == "content-transfer-encoding" and self.transfer_encoding is None:
            self.transfer_encoding = str(value)


class _Headers:
    """What one pass over a message's own headers finds (see _read_headers)."""

    __slots__ = ("found", "is_message", "fields")

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}  # name -> clean values, for _READ_HEADERS only
        self.is_message = False  # some header only mail has (_MESSAGE_HEADERS)
        self.fields = _PartFields()


def _read_headers(msg: Message, body: bytes | None) -> _Headers:
    """Everything the item needs from the top headers, in one pass over them; `body` is the top
    part's body as _message_from_bytes kept it.

    The same as raw_headers(msg, _READ_HEADERS), any(name in _MESSAGE_HEADERS) and the fields
    _walk would read for the top part, which used to be three passes."""
    headers = _Headers()
    headers.fields.body = body
    found = headers.found
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _READ_HEADERS:
            found.setdefault(key, []).append(clean_value(str(value)))
        if key in _PART_FIELDS:
            headers.fields.note(key, value)
    # Nearly all mail has a From, To, Date or Subject, found above; only the rest rescans.
    headers.is_message = not _MESSAGE_HEADERS.isdisjoint(found) or _looks_like_message(msg)
    return headers


def _looks_like_message(msg: Message) -> bool:
    return any(name.lower() in _MESSAGE_HEADERS for name in msg)


def _payload_bytes(part: Message, fields: _PartFields) -> bytes:
    """The part's body with its transfer encoding undone: get_payload(decode=True), or bytes."""
    # A body that is not transfer-encoded comes back from get_payload(decode=True) as the bytes
    # it was parsed from (its text is those bytes read as ASCII with surrogate escapes, encoded
    # back the same way), so when the parse kept them they are used as they are. The test is on
    # the header as written, where get_payload reads it through compat32 (which turns a value
    # with 8-bit bytes into a Header): no such value can be one of _DECODED_ENCODINGS either way.
    encoding = (fields.transfer_encoding or "").lower()
    if fields.body is not None and encoding not in _DECODED_ENCODINGS:
        return fields.body
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


def _walk(part: Message, parts: _Parts, depth: int = 0, fields: _PartFields | None = None) -> None:
    """Collect the text and attachments of `part`; `fields` are its own when already read."""
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
    if fields is None:
        fields = _PartFields()
        for name, value in part.raw_items():  # one pass; Message.get() rescans every header per call
            fields.note(name.lower(), value)
    raw_type = fields.content_type or ""
    ctype = raw_type.split(";", 1)[0].strip().lower()
    if ctype.count("/") != 1:  # missing or invalid: RFC 2045 says read it as the default type
        ctype = part.get_default_type()
    charset_match = _CHARSET.search(raw_type)
    charset = charset_match[1] if charset_match else None
    raw_disposition = fields.disposition or ""
    disposition = raw_disposition.split(";", 1)[0].strip().lower()
    # get_param() re-parses the header on every call; most parts have no name at all.
    has_name = "name" in raw_disposition.lower() or "name" in raw_type.lower()
    filename = _filename(part) if has_name else None
    is_attachment = disposition == "attachment" or (filename is not None and disposition != "inline")
    if ctype.startswith("multipart/"):
        # The boundary never starts (a truncated or mislabelled message): compat32 leaves the
        # body unparsed. Keep it as text so detectors still see it; meta["defects"] says why.
        parts.plain.append(decode_bytes(_payload_bytes(part, fields), charset))
        return
    if ctype in ("text/plain", "text/html") and not is_attachment:
        text = decode_bytes(_payload_bytes(part, fields), charset)
        (parts.plain if ctype == "text/plain" else parts.html).append(text)
        return
    parts.attachments.append(describe_attachment(filename, ctype, _payload_bytes(part, fields)))


_HEADER_PARSER = BytesHeaderParser(policy=compat32)
# A header as the feed parser reads it (its `headerRE`): a line starting with a name of the
# characters RFC 5322 allows in one and ":", then its continuation lines (starting with a space
# or tab); lines end "\n" or "\r\n".
_PLAIN_HEADER = re.compile(r"(?P<name>[\041-\071\073-\176]+):[ \t]*(?P<value>[^\n]*\n(?:[ \t][^\n]*\n)*)")


def _message_from_bytes(raw: bytes) -> tuple[Message, bytes | None]:
    """compat32's parse, with a shortcut for single-part messages (most mail); and the body's
    bytes when the shortcut was taken (None otherwise).

    The feed parser walks a body line by line even when it will keep it as one string; for a
    message that is not multipart we parse the header block alone and attach the body as
    BytesParser would (ASCII with surrogate escapes), which is the same Message, faster.
    """
    end = _header_end(raw)
    head = raw[:end] if end > 0 else b""
    # A bare CR is a line break to the feed parser but not to _header_end: "\r\r" may end the
    # header block before the first LF pair does, so such mail takes the full parse.
    if head and _no_bare_cr(head) and _single_part_header(head):
        msg = _plain_header_block(head)
        if msg is None:
            msg = _HEADER_PARSER.parsebytes(head)
        # The parser hands a last header line that starts with "From " back to the body, with no
        # defect: then the header parse left text behind, and only the full parse keeps it.
        # (get_payload() rescans the headers, so it is asked only when there is such a line.)
        if not msg.defects and (b"From " not in head or not msg.get_payload()):
            body = raw[end:]
            msg.set_payload(body.decode("ascii", "surrogateescape"))
            return msg, body
    return message_from_bytes(raw), None


def _plain_header_block(head: bytes) -> Message | None:
    """What `_HEADER_PARSER.parsebytes(head)` makes of a header block (`head` ends with its
    blank line and has no bare CR) when every line of it is a plain header or continuation
    line; None otherwise, and the parser itself reads it.

    Speed: the feed parser reads a header block line by line through its streaming buffer and
    its policy's `header_source_parse`, which was about a third of parsing a message. Here one
    regex walks the block header by header (a header line and its continuation lines) and
    gives the name and the value as `header_source_parse` makes them (the name before the first
    ":", the value after it without leading spaces and tabs, continuation lines and their line
    breaks kept but for the last one); each goes to `Message.set_raw`, in order, as in the
    parser. Anything the parser treats specially goes to it: a line it would not take as a
    header (the block then ends early, with a defect), a first line that is a continuation, a
    line starting "From " (an envelope line) or ":" (no name). tests/sources/test_header_block.py
    compares the two on generated blocks and on the dev corpus."""
    text = head.decode("ascii", "surrogateescape")
    msg = Message(policy=compat32)
    end = 0
    for header in _PLAIN_HEADER.finditer(text):
        if header.start() != end:
            return None  # a line that is neither a plain header nor a continuation line
        end = header.end()
        msg.set_raw(header["name"], header["value"].rstrip("\r\n"))
    return msg if end and text[end:] in ("\n", "\r\n") else None


def _header_end(raw: bytes) -> int:
    """Offset just past the blank line that ends the header block; -1 when there is none."""
    lf = raw.find(b"\n\n")
    # Only a CR LF blank line that starts before the first LF LF one matters, so the search for
    # it stops there (it used to scan the whole body of mbox mail, which has no CR at all). One
    # starting at lf - 2 ("\n\r\n\n") ends at lf + 1, hence that bound; none can start at lf - 1.
    crlf = raw.find(b"\n\r\n", 0, len(raw) if lf < 0 else lf + 1)
    if lf < 0 and crlf < 0:
        return -1
    if crlf < 0:
        return lf + 2
    return crlf + 3


def _no_bare_cr(head: bytes) -> bool:
    """Whether every CR in `head` starts a CR LF (most mail has no CR at all: one memchr)."""
    return b"\r" not in head or head.count(b"\r") == head.count(b"\r\n")


def _single_part_header(head: bytes) -> bool:
    """False when the top Content-Type may be multipart/* or message/*, which need the full parse.

    compat32 takes the main type from the Content-Type text as written (ASCII lowercased;
    8-bit bytes become U+FFFD), and it is "multipart" or "message" only when that text starts
    with "multipart/" or "message/". So a header block without either string cannot be one:
    no get_content_maintype() check is needed after the header parse, and multipart mail goes
    straight to the full parse instead of parsing its headers twice. (A "message/" elsewhere,
    say in a Received line, only sends a message to the full parse, which is exact.)
    """
    lowered = head.lower()
    return b"multipart/" not in lowered and b"message/" not in lowered


def parse_email(raw: bytes, source: str, position: str) -> Item | ReadError:
    if not raw or raw.isspace():  # what `not raw.strip()` says, without copying the message
        return ReadError(source, position, "empty message")
    msg, body = _message_from_bytes(raw)
    headers = _read_headers(msg, body)
    if not headers.is_message:
        return ReadError(source, position, "not an email: no RFC 5322 headers (From, To, Date, Subject ...)")
    parts = _Parts()
    _walk(msg, parts, fields=headers.fields)
    return _build_item(headers.found, parts, raw, source, position)


def _build_item(found: dict[str, list[str]], parts: _Parts, data: bytes, source: str, position: str) -> Item:
    sender = first_address(found.get("from", []))
    recipients = unique_addresses(found.get("to", []) + found.get("cc", []) + found.get("bcc", []))
    subject = found.get("subject")
    headers = {name: [decode_clean(v) for v in vals] for name, vals in found.items() if name in KEPT_HEADERS}
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
        sender=sender[1] if sender else None,
        sender_name=(sender[0] or None) if sender else None,
        recipients=recipients,
        subject=decode_clean(subject[0]) if subject else None,
        body=body,
        headers=headers,
        attachments=parts.attachments,
        meta=meta,
    )

"""Journal envelopes: find the original message inside what a journaling mail system sends.

* Microsoft 365 / Exchange journal reports carry the header `X-MS-Journal-Report` and the original
  message as a `message/rfc822` attachment. The original's bytes are what gets archived. The
  report's own text body lists the sender and every recipient the transport delivered to, Bcc
  included ("To:", "Cc:", "Bcc:" or "Recipient:" lines); those are kept as the item's envelope
  recipients, since the original's headers never show a Bcc.
* Google Workspace "also deliver to" (content compliance / routing) sends the original message
  itself, with Google's trace headers and, when the district ticks the option, `X-Gm-Original-To`.
  Nothing to unwrap: it is archived as received.
* Anything else (Postfix `always_bcc`, a plain copy) is archived as received.

The email library finds the attachment; its bytes are then cut from the received bytes at the
boundary the library reports, because re-serialising a parsed message does not give back the
original bytes (folding, line endings), and the archive keeps originals.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

MICROSOFT_JOURNAL = "microsoft-journal"
GOOGLE_COPY = "google-copy"
AS_RECEIVED = "as-received"

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A recipient line of a journal report's text part: "Bcc: a@x", "Recipient: a@x, Expanded: g@x".
_REPORT_RECIPIENT = re.compile(r"^(?:to|cc|bcc|recipient)[ \t]*:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)
# Exchange appends how the recipient was reached ("Expanded: group@x", "Forwarded: user@x"): the
# delivered-to address is the one before it.
_HOW_REACHED = re.compile(r",\s*(?:expanded|forwarded)\s*:.*$", re.IGNORECASE)


@dataclass(frozen=True)
class Unwrapped:
    raw: bytes  # the bytes to archive and scan
    kind: str  # MICROSOFT_JOURNAL, GOOGLE_COPY or AS_RECEIVED
    note: str = ""  # why a journal report was kept whole, when it was
    recipients: tuple[str, ...] = ()  # envelope recipients a journal report lists (Bcc included)


def unwrap(received: bytes) -> Unwrapped:
    """The original message in `received`. Never raises: what cannot be unwrapped is kept whole."""
    end = _HEADER_END.search(received)
    headers = BytesHeaderParser(policy=compat32).parsebytes(received[: end.end()] if end else received)
    if headers.get("X-MS-Journal-Report") is None:
        kind = GOOGLE_COPY if headers.get("X-Gm-Original-To") is not None else AS_RECEIVED
        return Unwrapped(received, kind)
    try:
        original = _attached_original(received)
    except Exception as exc:  # noqa: BLE001 - a malformed report is archived whole, not lost
        return Unwrapped(received, AS_RECEIVED, f"journal report not unwrapped: {type(exc).__name__}: {exc}")
    if original is None:
        return Unwrapped(received, AS_RECEIVED, "journal report without a message/rfc822 attachment")
    try:
        recipients = report_recipients(received)
    except Exception as exc:  # noqa: BLE001 - the original is still archived, its listing noted as lost
        return Unwrapped(original, MICROSOFT_JOURNAL, f"journal report's recipient list unreadable: {exc!r}")
    return Unwrapped(original, MICROSOFT_JOURNAL, recipients=recipients)


def report_recipients(received: bytes) -> tuple[str, ...]:
    """The recipients a journal report's first text part lists, lowercased, in order, once each."""
    message = message_from_bytes(received, policy=compat32)
    top = message.get_payload() if message.is_multipart() else []
    # The report's own parts only: the attached original may hold "To:" lines of its own.
    parts = [p for p in top if isinstance(p, Message)] if isinstance(top, list) else []
    part = next((p for p in parts if p.get_content_type() == "text/plain"), None)
    if part is None:
        return ()
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ()
    try:
        listing = payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        listing = payload.decode("utf-8", "replace")
    found: dict[str, None] = {}
    for m in _REPORT_RECIPIENT.finditer(listing):
        for _, address in getaddresses([_HOW_REACHED.sub("", m.group(1))]):
            if "@" in address:
                found.setdefault(address.strip().lower(), None)
    return tuple(found)


def _attached_original(received: bytes) -> bytes | None:
    message = message_from_bytes(received, policy=compat32)
    boundary = message.get_boundary()
    payload = message.get_payload() if message.is_multipart() else []
    parts = [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
    index = next((i for i, p in enumerate(parts) if p.get_content_type() == "message/rfc822"), None)
    if boundary is None or index is None:
        return None
    raw_parts = _raw_parts(received, boundary.encode("ascii", "replace"))
    if len(raw_parts) != len(parts):  # the library and the cut disagree: trust neither blindly
        attached = parts[index].get_payload()
        inner = attached[0] if isinstance(attached, list) and attached else None
        return bytes(inner.as_bytes()) if isinstance(inner, Message) else None
    part = raw_parts[index]
    split = _HEADER_END.search(part)
    part_headers, body = (part[: split.start()], part[split.end() :]) if split else (part, b"")
    encoding = (
        BytesHeaderParser(policy=compat32).parsebytes(part_headers + b"\r\n\r\n").get("Content-Transfer-Encoding", "")
    )
    if encoding.strip().lower() == "base64":
        try:
            return base64.b64decode(body, validate=False)
        except binascii.Error:
            return None
    return body


def _raw_parts(received: bytes, boundary: bytes) -> list[bytes]:
    """The raw bytes of each body part between the MIME delimiters (RFC 2046 section 5.1.1)."""
    match = _HEADER_END.search(received)
    body = b"\r\n" + (received[match.end() :] if match else b"")
    delimiter = re.compile(rb"\r?\n--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|$)")
    pieces: list[bytes] = []
    last = None
    for m in delimiter.finditer(body):
        if last is not None:
            pieces.append(body[last : m.start()])
        if m.group(1):  # the close delimiter
            break
        nl = body.find(b"\n", m.end())
        last = len(body) if nl < 0 else nl + 1
    return pieces

"""Journal envelopes: the original is found byte for byte, and what is not a report is kept whole."""

from __future__ import annotations

import base64

import pytest

from aupguard.gateway.unwrap import AS_RECEIVED, GOOGLE_COPY, MICROSOFT_JOURNAL, report_recipients, unwrap
from tests.gateway.conftest import LEAK_BODY, message

ORIGINAL = message("story", LEAK_BODY)


def journal_report(attachment: bytes, encoding: str | None = None, header: bool = True) -> bytes:
    cte = f"Content-Transfer-Encoding: {encoding}\r\n" if encoding else ""
    return (
        b"From: Microsoft Outlook <journal@district.example>\r\nTo: archive@district.example\r\n"
        + (b"X-MS-Journal-Report:\r\n" if header else b"")
        + b'Subject: story\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="_rep_"\r\n\r\n'
        b"--_rep_\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"Sender: sam.ortiz@district.example\r\nSubject: story\r\nRecipient: reporter@news.example\r\n\r\n"
        b"--_rep_\r\nContent-Type: message/rfc822\r\n" + cte.encode() + b"\r\n" + attachment + b"\r\n--_rep_--\r\n"
    )


@pytest.mark.parametrize(
    ("received", "kind", "expected"),
    [
        (journal_report(ORIGINAL), MICROSOFT_JOURNAL, ORIGINAL),
        (journal_report(base64.encodebytes(ORIGINAL).replace(b"\n", b"\r\n"), "base64"), MICROSOFT_JOURNAL, ORIGINAL),
        # without the header it is an ordinary message with an attachment: archived as received
        (journal_report(ORIGINAL, header=False), AS_RECEIVED, None),
        (ORIGINAL, AS_RECEIVED, ORIGINAL),
        (b"X-Gm-Original-To: sam.ortiz@district.example\r\n" + ORIGINAL, GOOGLE_COPY, None),
        # a report without the attachment, or cut short, is kept whole rather than lost
        (b"X-MS-Journal-Report:\r\nSubject: x\r\n\r\nno attachment\r\n", AS_RECEIVED, None),
        (journal_report(ORIGINAL)[:300], AS_RECEIVED, None),
    ],
    ids=["ms-report", "ms-report-base64", "not-a-report", "plain", "google-copy", "ms-no-attachment", "ms-truncated"],
)
def test_unwrap(received: bytes, kind: str, expected: bytes | None) -> None:
    result = unwrap(received)
    assert result.kind == kind
    assert result.raw == (expected if expected is not None else received)


def report_with(listing: bytes) -> bytes:
    return journal_report(ORIGINAL).replace(
        b"Sender: sam.ortiz@district.example\r\nSubject: story\r\nRecipient: reporter@news.example\r\n", listing
    )


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        (b"Sender: a@d.example\r\nRecipient: reporter@news.example\r\n", ("reporter@news.example",)),
        # Exchange 2010+ report bodies: To/Cc/Bcc lines, Bcc included; duplicates once; case folded
        (
            b"Sender: a@d.example\r\nTo: One <one@x.example>, two@x.example\r\nCc: ONE@x.example\r\n"
            b"Bcc: hidden@y.example\r\n",
            ("one@x.example", "two@x.example", "hidden@y.example"),
        ),
        # how the recipient was reached is not a recipient
        (b"Recipient: member@d.example, Expanded: staff-list@d.example\r\n", ("member@d.example",)),
        # the sender and the subject are not recipients; nor is a line without an address
        (b"Sender: a@d.example\r\nSubject: To: whom it may concern\r\nTo: undisclosed\r\n", ()),
    ],
    ids=["recipient-line", "to-cc-bcc", "expanded-group", "no-recipients"],
)
def test_the_recipients_a_journal_report_lists(listing: bytes, expected: tuple[str, ...]) -> None:
    assert report_recipients(report_with(listing)) == expected
    assert unwrap(report_with(listing)).recipients == expected


def test_to_lines_inside_the_attached_original_are_not_the_reports_recipients() -> None:
    inner = message("story", "To: someone@else.example\nplease read")
    report = journal_report(inner).replace(b"Content-Type: text/plain; charset=us-ascii", b"Content-Type: text/html")
    assert report_recipients(report) == ()

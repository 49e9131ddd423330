from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import UTC, datetime

import pytest

from aupguard.model import Channel, Item, ReadError
from aupguard.sources import eml
from aupguard.sources.eml import parse_email

from .conftest import make_email


def parse_ok(raw: bytes) -> Item:
    result = parse_email(raw, "test.eml", "")
    assert isinstance(result, Item), result
    return result


def test_plain_message_fields() -> None:
    msg = make_email(to="Parent One <Parent@Example.com>, b@example.com", Cc="c@example.com, parent@example.com")
    msg["Bcc"] = "hidden@example.com"
    item = parse_ok(msg.as_bytes())
    assert item.channel is Channel.EMAIL
    assert item.sender == "pat.teacher@district.k12.ia.us"
    assert item.sender_name == "Pat Teacher"
    assert item.recipients == ["parent@example.com", "b@example.com", "c@example.com", "hidden@example.com"]
    assert item.subject == "Field trip"
    assert item.body.strip() == "See you Friday."
    assert item.sent_at == datetime(2024, 6, 3, 15, 0, tzinfo=UTC)
    assert item.headers["from"] == ["Pat Teacher <pat.teacher@district.k12.ia.us>"]
    assert "bcc" not in item.headers and "subject" not in item.headers
    assert item.id == eml.content_id(msg.as_bytes())


def test_encoded_words_are_decoded_before_and_after_splitting() -> None:
    raw = (
        b"From: =?utf-8?q?Doe=2C_J=C3=BCrgen?= <jd@example.com>\n"
        b"To: =?iso-8859-1?q?Ren=E9e?= <renee@example.com>, x@example.com\n"
        b"Subject: =?utf-8?b?Q2Fmw6k=?= menu\n\nhi\n"
    )
    item = parse_ok(raw)
    assert item.sender_name == "Doe, Jürgen"
    assert item.recipients == ["renee@example.com", "x@example.com"]
    assert item.subject == "Café menu"


def test_raw_8bit_header_is_read_as_utf8() -> None:
    item = parse_ok("From: Zoë <z@example.com>\nSubject: Grüße\n\nbody\n".encode())
    assert item.subject == "Grüße"
    assert item.sender_name == "Zoë"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 4 Jun 2024 08:30:00 +0200", datetime(2024, 6, 4, 6, 30, tzinfo=UTC)),
        ("Tue, 4 Jun 2024 08:30:00 -0000", datetime(2024, 6, 4, 8, 30, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("Wed, 15 Dec 2010    59:10 -0500", None),
        (None, None),
    ],
)
def test_dates(date: str | None, expected: datetime | None) -> None:
    assert parse_ok(make_email(date=date).as_bytes()).sent_at == expected


def test_html_only_body_becomes_text_with_links() -> None:
    msg = make_email()
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Hello &amp; welcome</p>"
        '<p><a href="http://x.example/setup.exe">get it</a></p><script>x()</script></body></html>',
        subtype="html",
    )
    item = parse_ok(msg.as_bytes())
    assert item.body == "Hello & welcome\n\nget it <http://x.example/setup.exe>"
    assert item.meta["body_from_html"] is True


def test_plain_part_preferred_over_html() -> None:
    msg = make_email(body="plain words")
    msg.add_alternative("<p>html words</p>", subtype="html")
    assert parse_ok(msg.as_bytes()).body.strip() == "plain words"


def test_unknown_charset_falls_back_to_utf8() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=x-made-up\n\ncaf\xc3\xa9 \xff\n"
    assert parse_ok(raw).body == "café \ufffd\n"


def _zip_bytes(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"MZ")
    return out.getvalue()


def _tgz_bytes(*names: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name in names:
            info = tarfile.TarInfo(name)
            archive.addfile(info, io.BytesIO(b""))
    return out.getvalue()


def test_attachments_with_archive_members() -> None:
    msg = make_email()
    zipped = _zip_bytes("readme.txt", "bin/setup.exe")
    msg.add_attachment(zipped, maintype="application", subtype="zip", filename="tools.zip")
    msg.add_attachment(_tgz_bytes("a/run.sh"), maintype="application", subtype="gzip", filename="t.tar.gz")
    msg.add_attachment(b"PK\x03\x04broken", maintype="application", subtype="zip", filename="bad.zip")
    msg.add_attachment(
        b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="=?utf-8?q?r=C3=A9sum=C3=A9?=.pdf"
    )
    item = parse_ok(msg.as_bytes())
    by_name = {a.filename: a for a in item.attachments}
    assert by_name["tools.zip"].members == ["readme.txt", "bin/setup.exe"]
    assert by_name["tools.zip"].size == len(zipped)
    assert by_name["tools.zip"].head == zipped[:64]
    assert by_name["t.tar.gz"].members == ["a/run.sh"]
    assert by_name["bad.zip"].members == []
    assert by_name["résumé.pdf"].content_type == "application/pdf"
    assert item.body.strip() == "See you Friday."


def test_rfc2231_filename() -> None:
    msg = make_email()
    msg.add_attachment(b"data", maintype="application", subtype="octet-stream", filename=("utf-8", "", "naïve.bin"))
    assert [a.filename for a in parse_ok(msg.as_bytes()).attachments] == ["naïve.bin"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\x01\x02garbage\xff\xfe\n\x89PNG", "not an email"),
        (b"   \n\n", "empty message"),
        (b"just some words\nof a text file\n", "not an email"),
    ],
)
def test_unreadable_input_is_a_read_error(raw: bytes, reason: str) -> None:
    result = parse_email(raw, "junk", "message 2")
    assert isinstance(result, ReadError)
    assert result.reason.startswith(reason)
    assert (result.source, result.position) == ("junk", "message 2")


def test_truncated_mime_keeps_what_is_there_and_names_the_defect() -> None:
    msg = make_email(body="first part")
    msg.add_attachment(b"x" * 100, maintype="application", subtype="octet-stream", filename="f.bin")
    raw = msg.as_bytes()
    cut = raw[: raw.index(b"Content-Disposition: attachment")]
    item = parse_ok(cut)
    assert "first part" in item.body
    assert "CloseBoundaryNotFoundDefect" in item.meta["defects"]


def test_boundary_that_never_starts_keeps_body_as_text() -> None:
    raw = b"From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=ZZ\n\nleftover text\n"
    item = parse_ok(raw)
    assert item.body.strip() == "leftover text"
    assert "StartBoundaryNotFoundDefect" in item.meta["defects"]


def test_huge_body_is_cut_and_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eml, "MAX_BODY_CHARS", 10)
    item = parse_ok(make_email(body="0123456789abcdef").as_bytes())
    assert item.body == "0123456789"
    assert "cut at 10" in item.meta["body_truncated"]


def test_missing_from_gives_no_sender() -> None:
    item = parse_ok(b"To: a@example.com\nSubject: hi\n\nbody\n")
    assert item.sender is None and item.sender_name is None


@pytest.mark.parametrize(
    "raw",
    [
        make_email(body="plain\nFrom here\n").as_bytes(),
        make_email(body="caf\u00e9 " * 30).as_bytes(),  # utf-8 body, base64 or 8bit
        make_email(body="x" * 100 + "=\n").as_bytes().replace(b"\n", b"\r\n"),
        b"From: a@x.org\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nend\n",
        b"From: a@x.org\nSubject: 8bit \xe9\n\nbody \xff\n",
        b"From: a@x.org\nbroken header line\nTo: b@x.org\n\nbody\n",
        b"From: a@x.org\n",
        b"From: a@x.org\r\nTo: b@x.org,\r\n c@x.org\r\nContent-Type: text/plain;\r\n\tcharset=latin-1\r\n\r\n\xe9\r\n",
        b"From: a@x.org\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nfirst\n--B\n\nsecond\n--B--\n",
        b"From: a@x.org\r\rfirst paragraph\n\nsecond\n",  # old Mac line ends: a bare CR ends a line
        b"From: a@x.org\nContent-Type: text/plain; charset=\xe9\n\nhello\n",  # 8-bit bytes in a charset name
        # Where the header block ends: a CR LF blank line just before or after an LF one.
        b"From: a@x.org\nSubject: s\n\r\n\nbody\n",
        b"From: a@x.org\r\nSubject: s\r\n\nbody\r\n",
        b"From: a@x.org\nSubject: s\n\n\r\nbody\n",
        # The words multipart/ or message/ outside the Content-Type, or in another case.
        b"From: a@x.org\nSubject: about multipart/mixed mail\n\nbody\n",
        b"From: a@x.org\nContent-Type: MULTIPART/Mixed; boundary=B\n\n--B\n\nfirst\n--B--\n",
        b"From: a@x.org\nContent-Type: Message/RFC822\n\nFrom: b@x.org\nSubject: inner\n\ninner body\n",
        b"From: a@x.org\nContent-Type: message /rfc822\n\nnot a message at all\n",
        # Transfer encodings: decoded ones, unknown ones, 8-bit bytes, blanks, two headers.
        b"From: a@x.org\nContent-Transfer-Encoding: BASE64\n\nY2Fmw6k=\n",
        b"From: a@x.org\nContent-Transfer-Encoding: base64 \n\nY2Fmw6k=\n",
        b"From: a@x.org\nContent-Transfer-Encoding: base64\xe9\n\nY2Fmw6k=\n",
        b"From: a@x.org\nContent-Transfer-Encoding: 8bit\nContent-Transfer-Encoding: base64\n\ncaf\xc3\xa9\n",
        b"From: a@x.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n#8V%T\n`\nend\n",
        b"From: a@x.org\nContent-Transfer-Encoding: quoted-printable\nContent-Disposition: attachment\n\nx=41\n",
        # A last header line starting "From " belongs to the body (the feed parser hands it back).
        b"To: a@x.org\nFrom x Mon\n\nbody\n",
    ],
)
def test_single_part_shortcut_gives_the_same_item_as_the_full_parser(
    raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = parse_email(raw, "s", "")
    monkeypatch.setattr(eml, "_message_from_bytes", lambda data: (eml.message_from_bytes(data), None))
    assert fast == parse_email(raw, "s", "")


def test_single_part_mail_takes_the_shortcut_and_multipart_mail_does_not() -> None:
    # The shortcut must stay in use (the test above only shows it is exact when taken).
    assert eml._message_from_bytes(b"From: a@x.org\nSubject: s\n\nbody\n")[1] == b"body\n"
    multipart = b"From: a@x.org\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nfirst\n--B--\n"
    msg, body = eml._message_from_bytes(multipart)
    assert body is None and msg.is_multipart()


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        (b"A: b\n\nbody\n\r\n", 6),
        (b"A: b\r\n\r\nbody\n\n", 8),
        (b"A: b\n\r\n\nbody", 7),  # the CR LF blank line starts first
        (b"A: b\n\n\r\nbody", 6),
        (b"A: b\nno blank line", -1),
    ],
)
def test_header_end_is_the_first_blank_line(raw: bytes, end: int) -> None:
    assert eml._header_end(raw) == end

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from pathlib import Path
from types import SimpleNamespace

import pytest

from aupguard.model import Item, ReadError
from aupguard.sources.msg import OLE_MAGIC, item_from_msg, parse_msg

from .conftest import read_all

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data")) / "email_rfc5322_corpus"


def fake_outlook_message(with_headers: bool) -> SimpleNamespace:
    """The attributes of an extract-msg Message that the converter reads."""
    header = Message()
    if with_headers:
        header["From"] = "Pat Teacher <Pat.Teacher@district.k12.ia.us>"
        header["Date"] = "Mon, 03 Jun 2024 10:00:00 -0500"
        header["Authentication-Results"] = "mx.district; spf=pass"
        header["Received"] = "from somewhere"
    return SimpleNamespace(
        header=header,
        sender="Pat Teacher <pat.teacher@district.k12.ia.us>",
        date=datetime(2024, 6, 3, 10, 0, tzinfo=timezone(timedelta(hours=-5))),
        subject="Grades",
        body="",
        htmlBody=b"<p>See <b>attached</b></p>",
        recipients=[SimpleNamespace(email="Parent@Example.com"), SimpleNamespace(email=None)],
        attachments=[
            SimpleNamespace(longFilename="setup.exe", mimetype=None, data=b"MZ\x90\x00"),
            SimpleNamespace(longFilename=None, shortFilename=None, mimetype=None, data=object()),
        ],
    )


def test_sender_address_from_mapi_properties_when_headers_lack_it() -> None:
    message = fake_outlook_message(with_headers=False)
    message.header["From"] = "Pat Teacher"  # what extract-msg generates: a name, no address
    message.sender = "Pat Teacher"
    streams = {"__substg1.0_0C1F": "/O=DISTRICT/CN=PTEACHER", "__substg1.0_0C1E": "EX",
               "__substg1.0_0065": "Pat.Teacher@District.k12.ia.us", "__substg1.0_0C1A": "Pat Teacher"}  # fmt: skip
    message.getStringStream = streams.get
    item = item_from_msg(message, b"raw", "a.msg", "")
    assert (item.sender, item.sender_name) == ("pat.teacher@district.k12.ia.us", "Pat Teacher")


@pytest.mark.parametrize("with_headers", [True, False])
def test_outlook_message_conversion(with_headers: bool) -> None:
    item = item_from_msg(fake_outlook_message(with_headers), b"raw-bytes", "a.msg", "")
    assert item.sender == "pat.teacher@district.k12.ia.us" and item.sender_name == "Pat Teacher"
    assert item.sent_at == datetime(2024, 6, 3, 15, 0, tzinfo=UTC)
    assert item.recipients == ["parent@example.com"]
    assert item.subject == "Grades"
    assert item.body == "See attached" and item.meta["body_from_html"]
    exe, embedded = item.attachments
    assert (exe.filename, exe.head, exe.size) == ("setup.exe", b"MZ\x90\x00", 4)
    assert embedded.filename == "embedded.msg"
    if with_headers:
        assert item.headers["authentication-results"] == ["mx.district; spf=pass"]
        assert "received" not in item.headers


def test_damaged_msg_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.msg"
    path.write_bytes(OLE_MAGIC + b"\x00" * 600)
    items, errors, count = read_all(path)
    assert (items, count) == ([], 1)
    assert errors[0].reason.startswith("unreadable .msg")
    assert isinstance(parse_msg(b"not ole", "x", ""), ReadError)


def corpus_msg_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.msg")) if CORPUS.exists() else []


@pytest.mark.corpus
@pytest.mark.skipif(not corpus_msg_files(), reason="no .msg files in the dev corpus")
def test_corpus_msg_files() -> None:
    items, errors, count = read_all(*corpus_msg_files())
    assert len(items) + len(errors) == count
    assert all(isinstance(i, Item) and i.raw.startswith(OLE_MAGIC) for i in items)
    assert all(e.reason for e in errors)

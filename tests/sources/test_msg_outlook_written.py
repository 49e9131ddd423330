"""Outlook .msg files written by an independent implementation (aspose-email-foss, MIT), read
back through extract-msg: the dev corpus has no .msg, so the tests make real ones."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from aupguard.model import Item
from aupguard.sources import iter_records, parse_record

msg_writer = pytest.importorskip("aspose.email_foss.msg", reason="aspose-email-foss (test extra) writes .msg files")


def outlook_msg(path: Path) -> Path:
    m = EmailMessage()
    m["From"] = "Sam Ortiz <sam.ortiz@district.example>"
    m["To"] = "Reporter <reporter@news.example>"
    m["Cc"] = "avery.cole@district.example"
    m["Subject"] = "Interview request"
    m["Date"] = "Mon, 05 Oct 2026 10:00:00 +0000"
    m.set_content("You can interview Marisol Lindqvist after practice.")
    m.add_attachment(b"MZ\x90\x00installer", maintype="application", subtype="octet-stream", filename="setup.exe")
    path.write_bytes(msg_writer.MapiMessage.from_email_message(m).to_bytes())
    return path


def test_outlook_msg_becomes_an_item(tmp_path: Path) -> None:
    path = outlook_msg(tmp_path / "interview.msg")
    records = list(iter_records([path]))
    assert len(records) == 1
    item = parse_record(records[0])  # type: ignore[arg-type]
    assert isinstance(item, Item), item
    assert item.sender == "sam.ortiz@district.example"
    assert set(item.recipients) == {"reporter@news.example", "avery.cole@district.example"}
    assert item.subject == "Interview request"
    assert "Marisol Lindqvist" in item.body
    assert item.sent_at is not None and item.sent_at.isoformat().startswith("2026-10-05T10:00")
    (att,) = item.attachments
    assert att.filename == "setup.exe" and att.head.startswith(b"MZ")
    assert item.raw == path.read_bytes()  # the original .msg bytes are what gets archived


def test_truncated_msg_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = outlook_msg(tmp_path / "whole.msg")
    broken = tmp_path / "broken.msg"
    broken.write_bytes(path.read_bytes()[:1500])
    (record,) = list(iter_records([broken]))
    result = parse_record(record)  # type: ignore[arg-type]
    assert not isinstance(result, Item)
    assert result.reason

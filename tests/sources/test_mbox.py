from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.model import ReadError
from aupguard.sources import RawRecord, mbox
from aupguard.sources.mbox import iter_mbox

from .conftest import make_email, read_all


def write_mbox(path: Path, *messages: bytes) -> Path:
    with path.open("wb") as out:
        for number, message in enumerate(messages):
            out.write(f"From sender{number}@example.com Mon Jun  3 10:00:00 2024\n".encode())
            out.write(message.rstrip(b"\n") + b"\n\n")
    return path


def test_messages_positions_and_from_escaping(tmp_path: Path) -> None:
    first = make_email(subject="one").as_bytes()
    second = make_email(subject="two", body="Hello\n>From the office, with love\n>>From twice\n").as_bytes()
    third = make_email(subject="three").as_bytes()
    path = write_mbox(tmp_path / "inbox", first, second, third)
    records = list(iter_mbox(path))
    assert [r.position for r in records] == ["message 1", "message 2", "message 3"]
    assert all(isinstance(r, RawRecord) and r.format == "rfc822" for r in records)
    assert sum(r.nbytes for r in records if isinstance(r, RawRecord)) == path.stat().st_size
    items, errors, count = read_all(path)
    assert (len(items), errors, count) == (3, [], 3)
    assert [i.subject for i in items] == ["one", "two", "three"]
    assert "From the office, with love\n>From twice" in items[1].body
    # Unescaped and without the separator, the message is byte-identical to the original.
    assert items[0].raw == first


def test_from_line_inside_a_paragraph_does_not_split(tmp_path: Path) -> None:
    body = "Notes\nFrom what I heard, the bus leaves at 8.\n"
    path = write_mbox(tmp_path / "box.mbox", make_email(body=body).as_bytes())
    items, errors, count = read_all(path)
    assert count == 1 and not errors
    assert "From what I heard" in items[0].body


def test_separator_like_line_after_blank_line_splits(tmp_path: Path) -> None:
    # mboxo writers do not escape; a "From " line after a blank line is read as a separator.
    path = tmp_path / "box"
    path.write_bytes(b"From a@x Mon Jun  3 10:00:00 2024\nSubject: s\n\nbody\n\nFrom b@x\nSubject: t\n\nmore\n")
    assert [r.position for r in iter_mbox(path)] == ["message 1", "message 2"]


def test_oversized_message_is_an_error_and_reading_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox, "MAX_MESSAGE_BYTES", 500)
    big = make_email(body="x" * 2000).as_bytes()
    path = write_mbox(tmp_path / "box", make_email().as_bytes(), big, make_email(subject="after").as_bytes())
    records = list(iter_mbox(path))
    assert isinstance(records[1], ReadError)
    assert records[1].position == "message 2" and "larger than" in records[1].reason
    assert isinstance(records[2], RawRecord) and b"after" in records[2].raw


def test_ids_are_stable_across_reads(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "box", make_email().as_bytes(), make_email(subject="b").as_bytes())
    first = [i.id for i in read_all(path)[0]]
    second = [i.id for i in read_all(path)[0]]
    assert first == second and len(set(first)) == 2

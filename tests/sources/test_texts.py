from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aupguard.exportfiles import FORMS, mark_length
from aupguard.model import Channel
from aupguard.sources import iter_records, jsonstream

from .conftest import read_all

PER_MESSAGE = (
    "sender,recipients,sent_at,body,thread\n"
    '+1 515 555 0100,+15155550101;(515) 555-0102,2024-05-01T16:30:00-05:00,"Practice moved, gym B",t1\n'
    "coach@district.k12.ia.us,+15155550101,2024-05-02 07:00:00,Bus at 7,\n"
)
PER_RECIPIENT = (
    "message_id,sender,recipient,sent_at,body\n"
    "m1,+15155550100,+15155550101,2024-05-01T16:30:00Z,Game at 6\n"
    "m1,+15155550100,+15155550102,2024-05-01T16:30:00Z,Game at 6\n"
    "m2,+15155550100,+15155550103,2024-05-02T16:30:00Z,Bring water\n"
)


def test_csv_one_row_per_message(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(PER_MESSAGE)
    items, errors, count = read_all(path)
    assert (count, errors) == (2, [])
    first, second = items
    assert first.channel is Channel.TEXT
    assert first.sender == "+15155550100"
    assert first.recipients == ["+15155550101", "+15155550102"]
    assert first.body == "Practice moved, gym B"
    assert first.sent_at == datetime(2024, 5, 1, 21, 30, tzinfo=UTC)
    assert first.meta == {"thread": "t1"}
    assert (first.position, second.position) == ("line 2", "line 3")
    assert second.sender == "coach@district.k12.ia.us"
    assert second.sent_at == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)  # naive = UTC
    header, row = PER_MESSAGE.splitlines(keepends=True)[:2]
    assert first.raw == (header + row).encode()


def test_csv_one_row_per_recipient_groups_adjacent_rows(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(PER_RECIPIENT)
    items, errors, count = read_all(path)
    assert (count, errors) == (2, [])
    assert items[0].recipients == ["+15155550101", "+15155550102"]
    assert items[0].meta == {"message_id": "m1"}
    assert items[1].recipients == ["+15155550103"]
    assert items[1].position == "line 4"


def test_csv_multiline_body_positions(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        'sender,recipients,sent_at,body\na@x.org,b@x.org,2024-01-01T00:00:00Z,"two\nlines"\nc@x.org,d@x.org,bad,x\n'
    )
    items, errors, _ = read_all(path)
    assert items[0].body == "two\nlines"
    assert [(e.position, e.reason) for e in errors] == [("line 4", f"not a date: 'bad' (expected {FORMS})")]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("+15155550100,+15155550101,not a date,hi", f"not a date: 'not a date' (expected {FORMS})"),
        ("+15155550100,+15155550101,,hi", "missing date"),
        (",+15155550101,2024-05-01T10:00:00Z,hi", "no sender"),
        ("+15155550100,+15155550101,2024-05-01T10:00:00Z,  ", "no body"),
        ("+15155550100,,2024-05-01T10:00:00Z,hi", "no recipients"),
    ],
)
def test_bad_rows_become_errors_and_good_rows_still_read(tmp_path: Path, row: str, reason: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"sender,recipients,sent_at,body\n{row}\n+15155550100,+15155550101,2024-05-01T10:00:00Z,ok\n")
    items, errors, count = read_all(path)
    assert [e.reason for e in errors] == [reason]
    assert errors[0].position == "line 2"
    assert [i.body for i in items] == ["ok"]
    assert len(items) + len(errors) == count


def test_csv_with_other_columns_is_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("sourcedId,givenName,familyName\n1,A,B\n")
    items, errors, _ = read_all(path)
    assert items == []
    assert [e.reason for e in errors] == ["not a recognised export: columns sourcedid, givenname, familyname"]


def test_json_array_and_json_lines(tmp_path: Path) -> None:
    rows = [
        {"sender": "+15155550100", "recipients": ["+15155550101"], "sent_at": "2024-05-01T10:00:00Z", "body": "a"},
        {"sender": "+15155550100", "recipients": "+15155550101;+15155550102", "sent_at": "2024-05-01T11:00:00Z",
         "body": "b", "id": "x7", "thread": "t"},
    ]  # fmt: skip
    array = tmp_path / "texts.json"
    array.write_text(json.dumps(rows, indent=2))
    lines = tmp_path / "texts.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n{broken\n")
    items, errors, count = read_all(array)
    assert (count, errors) == (2, [])
    assert [i.position for i in items] == ["record 1", "record 2"]
    assert items[1].recipients == ["+15155550101", "+15155550102"]
    assert items[1].meta == {"id": "x7", "thread": "t"}
    assert json.loads(items[0].raw) == rows[0]
    items, errors, count = read_all(lines)
    assert [i.position for i in items] == ["line 1", "line 2"]
    assert [(e.position, e.reason[:20]) for e in errors] == [("line 4", "not JSON: Expecting ")]


def test_json_per_recipient_objects(tmp_path: Path) -> None:
    rows = [
        {"message_id": 1, "sender": "a@x.org", "recipient": "b@x.org", "sent_at": "2024-05-01T10:00:00", "body": "hi"},
        {"message_id": 1, "sender": "a@x.org", "recipient": "c@x.org", "sent_at": "2024-05-01T10:00:00", "body": "hi"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    items, errors, _ = read_all(path)
    assert not errors
    assert [i.recipients for i in items] == [["b@x.org", "c@x.org"]]


def test_json_array_read_in_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_CHARS", 7)
    rows = [
        {"sender": f"s{n}@x.org", "recipients": ["r@x.org"], "sent_at": "2024-01-01", "body": "é" * n}
        for n in range(1, 30)
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(rows))
    items, errors, _ = read_all(path)
    assert not errors
    assert [i.body for i in items] == [r["body"] for r in rows]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"name": "x"}]', "not a recognised export: keys name"),
        ("[", "not JSON: array ends early after element 0"),
        ("[]", "empty export: no messages"),
        ('{"some": "object"}', "not a recognised export: keys some"),
        ("{nope", "not JSON: Expecting property name"),
    ],
)
def test_unrecognised_json(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    items, errors, _ = read_all(path)
    assert items == [] and len(errors) == 1
    assert errors[0].reason.startswith(reason)


def test_broken_array_after_good_records(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    good = {"sender": "a@x.org", "recipients": ["b@x.org"], "sent_at": "2024-01-01", "body": "hi"}
    path.write_text("[" + json.dumps(good) + ", {oops}]")
    items, errors, _ = read_all(path)
    assert len(items) == 1
    assert errors[0].reason.startswith("JSON array broken: element 2")


def test_bad_first_line_does_not_hide_the_layout(tmp_path: Path) -> None:
    rows = [
        {"message_id": "m", "sender": "a@x.org", "recipient": r, "sent_at": "2024-05-01T10:00:00", "body": "hi"}
        for r in ("b@x.org", "c@x.org")
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("not json\n" + "\n".join(json.dumps(r) for r in rows))
    items, errors, count = read_all(path)
    assert [i.recipients for i in items] == [["b@x.org", "c@x.org"]]
    assert [e.position for e in errors] == ["line 1"]
    assert count == 2


def test_excel_unicode_text_utf16_with_tabs_and_a_resaved_date(tmp_path: Path) -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated, CRLF; a user who
    opened the export in Excel also gets its dates written back as "9/1/2026 10:00 AM"."""
    text = (
        "Sender\tRecipients\tTime\tBody\r\n"
        "+15155550100\t+15155550101\t9/1/2026 10:00 AM\tPractice is moved — gym B\r\n"
        "+15155550100\t+15155550102\t9/2/2026 4:30 PM\tBus at 7\r\n"
    )
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        data = text.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data  # the explicit-order codecs write no mark of their own
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(data)
        items, errors, count = read_all(path)
        assert (count, errors) == (2, [])
        assert [i.body for i in items] == ["Practice is moved — gym B", "Bus at 7"]
        assert [i.sent_at for i in items] == [
            datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
            datetime(2026, 9, 2, 16, 30, tzinfo=UTC),
        ]
        assert items[0].recipients == ["+15155550101"]
        # progress counts each row's bytes in the file's own encoding (the header line and the
        # mark belong to no record, as in a UTF-8 file)
        header = text.splitlines(keepends=True)[0]
        width = "utf-32-le" if encoding == "utf-32" else "utf-16-le"
        assert sum(r.nbytes for r in iter_records([path])) == len(data) - len(header.encode(width)) - mark_length(data)


def test_semicolon_csv_and_the_issue_s_column_names(tmp_path: Path) -> None:
    """Spreadsheets in many locales save ";"; "time" (the name the issue gives), "timestamp" and
    "date" are read as sent_at, "from"/"to"/"text" as sender/recipients/body; Unix time in
    seconds or milliseconds (phone backups) is a time too."""
    path = tmp_path / "texts.csv"
    path.write_text(
        "from;to;timestamp;text\n+15155550100;+15155550101;1788256800000;ms\n+15155550100;+15155550101;1788256800;s\n"
    )
    items, errors, _ = read_all(path)
    assert errors == []
    assert [(i.sender, i.recipients, i.body) for i in items] == [
        ("+15155550100", ["+15155550101"], "ms"),
        ("+15155550100", ["+15155550101"], "s"),
    ]
    assert {i.sent_at for i in items} == {datetime(2026, 9, 1, 10, 0, tzinfo=UTC)}


def test_a_column_under_its_own_name_wins_over_an_alias(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(
        "sender,recipients,date,sent_at,body\n+15155550100,+15155550101,2020-01-01,2024-05-01T10:00:00Z,hi\n"
    )
    items, errors, _ = read_all(path)
    assert errors == []
    assert items[0].sent_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_utf16_json_array_and_lines(tmp_path: Path) -> None:
    rows = [{"sender": "+15155550100", "recipients": ["+15155550101"], "time": 1788256800, "body": "é"}]
    array = tmp_path / "t.json"
    array.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-16"))
    lines = tmp_path / "t2.json"  # JSON Lines saved with a .json name
    lines.write_bytes((json.dumps(rows[0], ensure_ascii=False) + "\n").encode("utf-16"))
    for path in (array, lines):
        items, errors, _ = read_all(path)
        assert errors == []
        assert [(i.body, i.sent_at) for i in items] == [("é", datetime(2026, 9, 1, 10, 0, tzinfo=UTC))]
    # progress counts a JSON line's bytes in the file's own encoding (the mark belongs to no record)
    data = lines.read_bytes()
    assert sum(r.nbytes for r in iter_records([lines])) == len(data) - mark_length(data)

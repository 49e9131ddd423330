"""Android texts saved by SMS Backup & Restore (XML): SMS, group MMS, the phone's own number."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from aupguard.model import Channel
from aupguard.sources.sms_backup import iter_backup

from .conftest import read_all

OWNER = "+15155550199"
HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--File Created By SMS Backup & Restore-->\n"


def sms(address: str, kind: str, body: str, date: str = "1730000000000") -> str:
    return (f'<sms protocol="0" address="{address}" date="{date}" type="{kind}" subject="null" body="{body}" '
            f'read="1" status="-1" locked="0" contact_name="Jordan" />')  # fmt: skip


def mms(box: str, sender: str, to: list[str], text: str, date: str = "1730000300000", media: str = "") -> str:
    addrs = f'<addr address="{sender}" type="137" charset="106" />' + "".join(
        f'<addr address="{t}" type="151" charset="106" />' for t in to
    )
    parts = '<part seq="-1" ct="application/smil" name="null" text="&lt;smil/&gt;" />'
    parts += f'<part seq="0" ct="text/plain" name="null" text="{text}" />' + media
    return f'<mms date="{date}" msg_box="{box}" m_type="128"><parts>{parts}</parts><addrs>{addrs}</addrs></mms>'


def backup(path: Path, *messages: str) -> Path:
    path.write_text(HEAD + f'<smses count="{len(messages)}">\n' + "\n".join(messages) + "\n</smses>\n")
    return path


def test_sms_and_group_mms_become_texts_between_numbers(tmp_path: Path) -> None:
    photo = '<part seq="1" ct="image/jpeg" name="IMG_1.jpg" cl="IMG_1.jpg" data="/9j/4AAQSkZJRgABAQAAAQAB" />'
    path = backup(
        tmp_path / "sms-20241101120000.xml",
        sms("(515) 555-0100", "1", "Coach, is practice on?"),
        sms("+15155550100", "2", "Yes, 4pm", date="1730000100000"),
        sms("+15155550100", "3", "a draft"),
        mms("2", OWNER, ["+15155550100", "515-555-0101"], "Team: practice moved to 4pm", media=photo),
        mms("1", "+15155550101", [OWNER, "+15155550100"], "ok!", date="1730000400000"),
    )
    items, errors, count = read_all(path)
    assert count == 5 and len(items) == 4
    asked, answered, group, reply = items
    assert {i.channel for i in items} == {Channel.TEXT}
    assert (asked.sender, asked.recipients, asked.meta["box"]) == ("+15155550100", [OWNER], "received")
    assert asked.sent_at == datetime(2024, 10, 27, 3, 33, 20, tzinfo=UTC)
    assert (answered.sender, answered.recipients, answered.body) == (OWNER, ["+15155550100"], "Yes, 4pm")
    # the group text: everyone it went to, the layout part dropped, the photo kept by name
    assert (group.sender, group.recipients) == (OWNER, ["+15155550100", "+15155550101"])
    assert group.body == "Team: practice moved to 4pm" and group.meta == {"box": "sent", "kind": "mms"}
    assert [(a.filename, a.content_type) for a in group.attachments] == [("IMG_1.jpg", "image/jpeg")]
    assert (reply.sender, reply.recipients) == ("+15155550101", [OWNER, "+15155550100"])
    assert [(e.position, e.reason) for e in errors] == [("message 3", "a draft, never sent: not read")]
    # the same file read again gives the same ids: a rescan adds nothing
    again, _, _ = read_all(path)
    assert [i.id for i in again] == [i.id for i in items] and len({i.id for i in items}) == 4


def test_the_phones_number_from_the_file_name_or_a_received_mms(tmp_path: Path) -> None:
    named = backup(tmp_path / f"sms-{OWNER}.xml", sms("+15155550100", "2", "hi"))
    (item,), _, _ = read_all(named)
    assert item.sender == OWNER
    # no number in the name: a received MMS addressed to one number names the phone
    inferred = backup(tmp_path / "sms-1.xml", sms("+15155550100", "2", "hi"),
                      mms("1", "+15155550100", ["(515) 555-0177"], "pic"))  # fmt: skip
    items, _, _ = read_all(inferred)
    assert [i.sender for i in items] == ["+15155550177", "+15155550100"]


def test_a_backup_that_never_shows_its_number_is_one_error_saying_how_to_name_it(tmp_path: Path) -> None:
    path = backup(tmp_path / "sms-20241101.xml", sms("+15155550100", "2", "hi"), sms("+15155550100", "1", "yo"))
    items, (error,), count = read_all(path)
    assert items == [] and count == 1
    assert error.position == "" and "sms-+15155550199.xml" in error.reason


def test_bad_messages_are_errors_in_place_and_a_broken_file_keeps_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / f"sms-{OWNER}.xml"
    path.write_text(HEAD + "<smses>\n" + "\n".join([
        sms("+15155550100", "1", "fine"),
        sms("+15155550100", "1", "when?", date="yesterday"),
        sms("null", "2", "to nobody"),
        sms("+15155550100", "9", "odd type"),
        '<mms date="1730000300000" msg_box="1"><parts><part ct="text/plain" text="x" /></parts><addrs /></mms>',
        sms("+15155550100", "2", "still fine"),
        "<sms address='+1515 <broken",
    ]))  # fmt: skip
    items, errors, count = read_all(path)
    assert [i.body for i in items] == ["fine", "still fine"]
    assert count == len(items) + len(errors) == 7
    assert [(e.position, e.reason) for e in errors[:4]] == [
        ("message 2", "not a date: 'yesterday' (expected milliseconds since 1970)"),
        ("message 3", "no address"),
        ("message 4", "unknown sms type '9'"),
        ("message 5", "no sender (no addr of type 137)"),
    ]
    assert errors[4].position == "" and errors[4].reason.startswith("XML broken after message 6: ")


def test_entities_are_refused_not_expanded(tmp_path: Path) -> None:
    bomb = tmp_path / f"sms-{OWNER}.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        f"<smses>{sms('+15155550100', '1', '&b;')}</smses>"
    )
    items, (error,), _ = read_all(bomb)
    assert items == [] and error.reason.startswith("XML broken before the first message: ")
    unnamed = bomb.rename(tmp_path / "sms-20241101.xml")  # the number unknown: still the real reason
    _, (error,), _ = read_all(unnamed)
    assert error.reason.startswith("XML broken before the first message: ")


def test_a_large_backup_is_read_one_message_at_a_time(tmp_path: Path) -> None:
    photo = '<part seq="1" ct="image/jpeg" name="p.jpg" data="' + "A" * 20_000 + '" />'
    path = backup(tmp_path / f"sms-{OWNER}.xml",
                  *(mms("2", OWNER, ["+15155550100"], f"photo {n}", media=photo) for n in range(600)))  # fmt: skip
    assert path.stat().st_size > 12_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_backup(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 600
    assert peak < 3_000_000  # a few messages' worth, not the 12 MB file


def test_an_empty_backup_is_an_error_not_silence(tmp_path: Path) -> None:
    for name in ("sms-20241101.xml", f"sms-{OWNER}.xml"):  # with and without the phone's number
        path = backup(tmp_path / name)
        items, (error,), count = read_all(path)
        assert items == [] and count == 1
        assert error.reason == "an SMS Backup & Restore file with no messages in it"


def test_the_apps_call_log_beside_the_texts_is_named_not_misread(tmp_path: Path) -> None:
    calls = tmp_path / "calls-20241101120000.xml"
    calls.write_text(HEAD + '<calls count="1"><call number="+15155550100" duration="30" date="1730000000000" '
                     'type="1" /></calls>\n')  # fmt: skip
    items, (error,), _ = read_all(calls)
    assert items == [] and error.reason == "an SMS Backup & Restore call log: calls are not messages, not read"

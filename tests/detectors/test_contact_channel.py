"""contact_channel: staff on a personal account talking with students/guardians (either direction)."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.contact_channel import ContactChannelDetector
from aupguard.model import Channel

DETECTOR = ContactChannelDetector()
T, E = Channel.TEXT, Channel.EMAIL
D = "district.k12.ia.us"

MUST_FIRE = [
    # (channel, sender, recipients, [(kind, staff id, counterpart id)])
    (T, "+15155550112", ["+15155550131"], [("contact.personal_account_student", "coach", "jose")]),
    (
        E,
        "chris.kowalski@gmail.com",
        ["maria.nunez@yahoo.com"],
        [("contact.personal_account_guardian", "coach", "jose-mom")],
    ),
    (
        T,
        "+15155550131",
        ["+15155550112"],
        [("contact.personal_account_student", "coach", "jose")],
    ),  # student -> staff
    (T, "+15155550141", ["+15155550122"], [("contact.personal_account_guardian", "sponsor", "jose-mom")]),
    (E, "chris.kowalski@gmail.com", [f"jnunez@{D}"], [("contact.personal_account_student", "coach", "jose")]),
    (
        T,
        "+15155550112",
        ["+15155550131", "+15155550132", "+15155550199"],  # unknown number ignored
        [
            ("contact.personal_account_student", "coach", "jose"),
            ("contact.personal_account_student", "coach", "robert"),
        ],
    ),
    # one signal per counterpart, even when the student is reached at two addresses
    (
        E,
        "chris.kowalski@gmail.com",
        ["josen09@gmail.com", f"jnunez@{D}"],
        [("contact.personal_account_student", "coach", "jose")],
    ),
]


@pytest.mark.parametrize(("channel", "sender", "recipients", "expected"), MUST_FIRE)
def test_must_fire(make_item, ctx: DetectContext, channel, sender, recipients, expected) -> None:
    signals = DETECTOR.detect(make_item("hi", channel=channel, sender=sender, recipients=recipients), ctx)
    got = [(s.kind, s.data["staff_id"], s.data["counterpart_id"]) for s in signals]
    assert got == expected
    for s in signals:
        assert (s.start, s.end) == (-1, -1)
        assert sender in s.text
        assert "personal" in s.explanation


MUST_NOT_FIRE = [
    (E, f"ckowalski@{D}", ["josen09@gmail.com"]),  # staff side is a district account
    (T, "+15155550111", ["+15155550131"]),  # district-issued cell
    (T, "+15155550112", ["+15155550199"]),  # unknown counterpart
    (T, "+15155550199", ["+15155550112"]),  # unknown sender
    (E, "chris.kowalski@gmail.com", [f"amoreno@{D}", f"dwhitfield@{D}"]),  # staff to staff
    (T, "+15155550131", ["+15155550111"]),  # student to the coach's district phone
    (T, "+15155550131", ["+15155550132"]),  # student to student
    (Channel.POST, "+15155550112", ["+15155550131"]),  # not a message channel
]


@pytest.mark.parametrize(("channel", "sender", "recipients"), MUST_NOT_FIRE)
def test_must_not_fire(make_item, ctx: DetectContext, channel, sender, recipients) -> None:
    assert DETECTOR.detect(make_item("hi", channel=channel, sender=sender, recipients=recipients), ctx) == []


def test_explanation_says_direction(make_item, ctx: DetectContext) -> None:
    out = DETECTOR.detect(make_item("hi", channel=T, sender="+15155550131", recipients=["+15155550112"]), ctx)
    assert out[0].text == "+15155550131 -> +15155550112"
    assert "was written to" in out[0].explanation and "José Núñez" in out[0].explanation


def test_recipients_are_looked_up_only_for_a_sender_who_can_pair(make_item, ctx: DetectContext, record_calls) -> None:
    """Staff on a district account pair with no recipient: a list's recipients are not looked up.
    The coach writing from the personal address to the same list does pair, with Jose."""
    looked_up = record_calls(ctx.directory, "account")
    recipients = [f"jnunez@{D}", *(f"parent{n}@example.com" for n in range(20))]
    assert DETECTOR.detect(make_item(channel=E, sender=f"ckowalski@{D}", recipients=recipients), ctx) == []
    assert looked_up == [f"ckowalski@{D}"]
    signals = DETECTOR.detect(make_item(channel=E, sender="chris.kowalski@gmail.com", recipients=recipients), ctx)
    assert [s.data["counterpart_id"] for s in signals] == ["jose"]

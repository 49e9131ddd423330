"""social_media: staff-student connections and social sites started by staff."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.social_media import SocialMediaDetector
from aupguard.model import Channel

DETECTOR = SocialMediaDetector()
C, P = Channel.CONNECTION, Channel.POST


def test_staff_connected_with_student(make_item, ctx: DetectContext) -> None:
    item = make_item(
        channel=C,
        sender="instagram:coachchris",
        recipients=["instagram:josen09"],
        platform="instagram",
        meta={"type": "follow", "name": "Jose N"},
    )
    (signal,) = DETECTOR.detect(item, ctx)
    assert signal.kind == "social.student_connection"
    assert signal.data == {"staff_id": "coach", "student_id": "jose"}
    assert (signal.start, signal.end) == (-1, -1)
    assert "José Núñez" in signal.explanation and "follow" in signal.explanation


def test_a_student_following_staff_is_weaker_evidence_and_says_who_followed(make_item, ctx: DetectContext) -> None:
    def connection(direction: str | None) -> object:
        meta = {"type": "follow", "direction": direction}
        return make_item(channel=C, sender="instagram:coachchris", recipients=["instagram:josen09"],
                         platform="instagram", meta=meta)  # fmt: skip

    (followed,) = DETECTOR.detect(connection("follower"), ctx)
    (follows,) = DETECTOR.detect(connection("following"), ctx)
    assert followed.kind == follows.kind == "social.student_connection"
    assert followed.score < follows.score
    assert followed.explanation.startswith("instagram:josen09, the handle on record for student José Núñez")
    assert "follows" in followed.explanation and "followers list" in followed.explanation
    assert "has an instagram follow with instagram:josen09" in follows.explanation


@pytest.mark.parametrize(
    ("sender", "recipients"),
    [
        ("instagram:stranger", ["instagram:josen09"]),  # owner unknown
        ("instagram:coachchris", ["instagram:someone"]),  # connected handle unknown
        ("instagram:josen09", ["instagram:coachchris"]),  # owner is the student, not staff
        ("instagram:coachchris", []),
        ("+15155550112", ["+15155550131"]),  # phone accounts are not handles
    ],
)
def test_connection_must_not_fire(make_item, ctx: DetectContext, sender: str, recipients: list[str]) -> None:
    assert DETECTOR.detect(make_item(channel=C, sender=sender, recipients=recipients), ctx) == []


def test_site_created_by_staff(make_item, ctx: DetectContext) -> None:
    item = make_item(
        "New page for the team!",
        channel=P,
        sender="instagram:coachchris",
        platform="instagram",
        meta={
            "type": "site_created",
            "site_name": "LHS Soccer Fans",
            "url": "https://instagram.com/lhssoccerfans",
        },
    )
    (signal,) = DETECTOR.detect(item, ctx)
    assert signal.kind == "social.site_created"
    assert "LHS Soccer Fans" in signal.text and "https://instagram.com/lhssoccerfans" in signal.text
    assert signal.data["staff_id"] == "coach"


@pytest.mark.parametrize(
    ("sender", "meta"),
    [
        ("instagram:coachchris", {"type": "post"}),
        ("instagram:stranger", {"type": "site_created", "site_name": "X"}),
        ("instagram:josen09", {"type": "site_created", "site_name": "X"}),  # a student, not staff
    ],
)
def test_site_must_not_fire(make_item, ctx: DetectContext, sender: str, meta: dict) -> None:
    assert DETECTOR.detect(make_item("hello", channel=P, sender=sender, meta=meta), ctx) == []


def test_messages_are_ignored(make_item, ctx: DetectContext) -> None:
    item = make_item("hi", channel=Channel.EMAIL, sender="instagram:coachchris", recipients=["instagram:josen09"])
    assert DETECTOR.detect(item, ctx) == []

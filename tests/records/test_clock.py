"""The records-request clock: Iowa business days, configurable closed/open days, the 7.2 deadlines."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from aupguard.records import clock

CAL = clock.BusinessCalendar()


@pytest.mark.parametrize(
    ("received", "acknowledge_by"),
    [
        (date(2026, 11, 2), date(2026, 11, 3)),  # Monday -> Tuesday
        (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday (weekend skipped)
        (date(2026, 11, 21), date(2026, 11, 23)),  # received on a Saturday: day 0 is still that day
        (date(2026, 11, 10), date(2026, 11, 12)),  # Veterans Day (Iowa legal holiday) skipped
        (date(2026, 11, 25), date(2026, 11, 27)),  # Thanksgiving skipped
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas, then the weekend
        (date(2026, 2, 11), date(2026, 2, 13)),  # Lincoln's Birthday is an Iowa holiday
    ],
)
def test_acknowledgement_is_one_business_day_after_receipt(received: date, acknowledge_by: date) -> None:
    assert clock.deadlines(CAL, received).acknowledge_by == acknowledge_by


def test_district_closed_and_open_days() -> None:
    closed = clock.BusinessCalendar(closed=[date(2026, 11, 27)])  # the day after Thanksgiving
    assert clock.deadlines(closed, date(2026, 11, 25)).acknowledge_by == date(2026, 11, 30)
    open_on_holiday = clock.BusinessCalendar(open_days=[date(2026, 11, 11)])
    assert clock.deadlines(open_on_holiday, date(2026, 11, 10)).acknowledge_by == date(2026, 11, 11)


def test_warning_escalation_and_the_twenty_calendar_days() -> None:
    due = clock.deadlines(CAL, date(2026, 11, 2))
    # 3,4,5,6,9,10 are business days 1-6; 11 is Veterans Day; 12 is day 7; 13,16,17 are 8-10.
    assert due.warn_on == date(2026, 11, 12)
    assert due.escalate_on == date(2026, 11, 17)
    assert due.decide_by == date(2026, 11, 22)  # calendar days, weekend or not
    assert clock.deadlines(CAL, date(2026, 11, 2), extended_until=date(2026, 12, 15)).decide_by == date(2026, 12, 15)
    assert CAL.business_days_between(date(2026, 11, 2), date(2026, 11, 12)) == 7


def request(**kw: object) -> SimpleNamespace:
    base = {
        "closed_at": None,
        "acknowledged_at": None,
        "estimated_minutes": None,
        "fee_estimate_sent_at": None,
        "status": "open",
    }
    return SimpleNamespace(**(base | kw))


@pytest.mark.parametrize(
    ("req", "today", "expected", "absent"),
    [
        (request(), date(2026, 11, 3), "acknowledge by 2026-11-03", "overdue"),
        (request(), date(2026, 11, 4), "acknowledgement overdue", "7 business days"),
        (request(acknowledged_at=1, estimated_minutes=45), date(2026, 11, 3), "fee estimate owed", "acknowledge"),
        (request(acknowledged_at=1, estimated_minutes=20), date(2026, 11, 3), None, "fee estimate"),
        (request(acknowledged_at=1), date(2026, 11, 11), None, "7 business days"),
        (request(acknowledged_at=1), date(2026, 11, 12), "7 business days", "escalate"),
        (request(acknowledged_at=1), date(2026, 11, 17), "escalate", "past the 20"),
        (request(acknowledged_at=1), date(2026, 11, 23), "past the 20-calendar-day limit", "escalate"),
        (request(acknowledged_at=1, closed_at=1), date(2026, 12, 30), None, "past"),
    ],
)
def test_alerts(req: SimpleNamespace, today: date, expected: str | None, absent: str) -> None:
    alerts = clock.alerts(req, clock.deadlines(CAL, date(2026, 11, 2)), today, undecided=1)
    text = " | ".join(alerts)
    if expected:
        assert expected in text
    else:
        assert not any(absent in a for a in alerts) or not alerts
    assert absent not in text

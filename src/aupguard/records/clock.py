"""The records-request clock (domain notes 7.2): business days skip weekends and Iowa legal
holidays (the `holidays` package's US/IA calendar, shipped with it: nothing is downloaded) plus
the district's own closed days; a district may also mark a holiday on which its office is open.

Day 0 is the receipt date. Acknowledge within 1 business day (with a fee estimate when the work
takes 30 minutes or more), warn at 7 business days, escalate and target release at 10, and decide
what is confidential within 20 calendar days unless the requester agreed in writing to more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import holidays
from sqlalchemy import Connection, select

from aupguard.store.records_tables import calendar_days

ACKNOWLEDGE_BUSINESS_DAYS = 1
WARN_BUSINESS_DAYS = 7
ESCALATE_BUSINESS_DAYS = 10
DECIDE_CALENDAR_DAYS = 20
FREE_MINUTES = 30  # Iowa Code 22.3: under 30 minutes, free except copies


class BusinessCalendar:
    def __init__(self, closed: Iterable[date] = (), open_days: Iterable[date] = ()) -> None:
        self.legal = holidays.country_holidays("US", subdiv="IA")
        self.closed = set(closed)
        self.open_days = set(open_days)

    @classmethod
    def from_db(cls, conn: Connection) -> BusinessCalendar:
        rows = list(conn.execute(select(calendar_days)))
        return cls(closed=[r.day for r in rows if r.closed], open_days=[r.day for r in rows if not r.closed])

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.closed:
            return False
        return day in self.open_days or day not in self.legal

    def add_business_days(self, start: date, n: int) -> date:
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end`."""
        return sum(1 for k in range(1, (end - start).days + 1) if self.is_business_day(start + timedelta(days=k)))


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    acknowledge_by: date
    warn_on: date
    escalate_on: date
    decide_by: date

    def as_dict(self) -> dict[str, str]:
        return {k: v.isoformat() for k, v in self.__dict__.items()}


def deadlines(cal: BusinessCalendar, received_on: date, extended_until: date | None = None) -> Deadlines:
    return Deadlines(
        received_on=received_on,
        acknowledge_by=cal.add_business_days(received_on, ACKNOWLEDGE_BUSINESS_DAYS),
        warn_on=cal.add_business_days(received_on, WARN_BUSINESS_DAYS),
        escalate_on=cal.add_business_days(received_on, ESCALATE_BUSINESS_DAYS),
        decide_by=extended_until or received_on + timedelta(days=DECIDE_CALENDAR_DAYS),
    )


def alerts(request: Any, due: Deadlines, today: date, *, undecided: int) -> list[str]:
    """What the custodian must do or has missed, most urgent first."""
    out: list[str] = []
    if request.closed_at is not None:
        return out
    if request.acknowledged_at is None:
        if today > due.acknowledge_by:
            out.append(f"acknowledgement overdue (was due {due.acknowledge_by})")
        else:
            out.append(f"acknowledge by {due.acknowledge_by}")
    if (request.estimated_minutes or 0) >= FREE_MINUTES and request.fee_estimate_sent_at is None:
        out.append("fee estimate owed: the work takes 30 minutes or more (Iowa Code 22.3)")
    if undecided or request.status == "open":
        if today > due.decide_by:
            out.append(f"past the 20-calendar-day limit for the confidentiality decision ({due.decide_by})")
        elif today >= due.escalate_on:
            out.append(f"10 business days: escalate to the custodian or counsel; decide by {due.decide_by}")
        elif today >= due.warn_on:
            out.append(f"7 business days: confidentiality review warning; decide by {due.decide_by}")
    return out

"""Account checks (401.13 procedures: passwords, system administration; 401.13R1 two-factor):
password age, two-factor enrolment, administrators (listed, and unapproved), accounts of people
no longer in the roster, and dormant accounts. Separation of duties is here too."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from aupguard.model import PersonKind, Signal
from aupguard.posture.checks.context import CheckContext, matches_any
from aupguard.posture.evidence import Observation, evidence_item, signal
from aupguard.posture.readers.accounts import AccountRecord
from aupguard.posture.readers.activity import ActivityEvent
from aupguard.posture.readers.operations import DutyAssignment

CHECK = "posture_accounts"


def check_accounts(records: list[AccountRecord], ctx: CheckContext) -> list[Observation]:
    out = []
    for rec in records:
        signals = account_signals(rec, ctx)
        if signals:
            item = evidence_item(
                [rec.lines],
                kind=f"{rec.platform}-users",
                at=ctx.as_of,
                address=rec.email,
                summary=f"{rec.platform} account {rec.email}",
            )
            out.append(Observation(item, signals))
    return out


def account_signals(rec: AccountRecord, ctx: CheckContext) -> list[Signal]:
    s = ctx.settings
    person = ctx.person(rec.email) or ctx.person(rec.person_id)
    pid = person.id if person else None
    if person is not None and person.kind == PersonKind.STUDENT:
        return []  # students' accounts are outside a staff policy
    if rec.org_unit and "student" in rec.org_unit.lower():
        return []
    out: list[Signal] = []
    facts: dict[str, Any] = {"email": rec.email, "platform": rec.platform}
    if rec.suspended:
        if rec.admin:  # a suspended admin still holds the role: list it for review
            out.append(
                signal(
                    CHECK,
                    "posture.admin_account",
                    f"{rec.email} holds administrator rights (suspended)",
                    text=rec.email,
                    person_id=pid,
                    **facts,
                )
            )
        return out
    if rec.last_password_change is not None:
        age = (ctx.as_of - rec.last_password_change).days
        if age > s.max_password_age_days:
            out.append(
                signal(
                    CHECK,
                    "posture.password_age",
                    f"password last changed {rec.last_password_change:%Y-%m-%d}, {age} days ago "
                    f"(maximum {s.max_password_age_days})",
                    text=rec.email,
                    person_id=pid,
                    age_days=age,
                    **facts,
                )
            )
    if rec.platform in s.secure_platforms and rec.two_factor_enrolled is False:
        out.append(
            signal(
                CHECK,
                "posture.two_factor_missing",
                f"{rec.email} is not enrolled in two-step verification on {rec.platform}, "
                "a platform the district marks as holding secure information",
                text=rec.email,
                person_id=pid,
                **facts,
            )
        )
    if rec.admin:
        out.append(
            signal(
                CHECK,
                "posture.admin_account",
                f"{rec.email} holds administrator rights",
                text=rec.email,
                person_id=pid,
                **facts,
            )
        )
        if not matches_any(rec.email, s.approved_admins):
            out.append(
                signal(
                    CHECK,
                    "posture.admin_unapproved",
                    f"{rec.email} holds administrator rights but is not on the approved administrator list",
                    text=rec.email,
                    person_id=pid,
                    **facts,
                )
            )
    if person is None or not person.active:
        why = "no person in the directory" if person is None else "the person is no longer active in the roster"
        out.append(
            signal(
                CHECK,
                "posture.departed_active",
                f"{rec.email} is an active account but {why}",
                text=rec.email,
                person_id=pid,
                **facts,
            )
        )
    dormant_since = ctx.as_of - timedelta(days=s.dormant_days)
    if rec.never_signed_in or (rec.last_sign_in is not None and rec.last_sign_in < dormant_since):
        when = "never signed in" if rec.never_signed_in else f"last signed in {rec.last_sign_in:%Y-%m-%d}"
        out.append(
            signal(
                CHECK,
                "posture.dormant_account",
                f"{rec.email} {when} (dormant after {s.dormant_days} days)",
                text=rec.email,
                person_id=pid,
                **facts,
            )
        )
    return out


def check_duties(assignments: list[DutyAssignment], ctx: CheckContext) -> list[Observation]:
    """Each person holding both duties of a pair in `separation_of_duties`."""
    held: dict[str, list[DutyAssignment]] = defaultdict(list)
    for a in assignments:
        person = ctx.person(a.person)
        held[person.id if person else a.person.lower()].append(a)
    out = []
    for key, rows in sorted(held.items()):
        duties = {r.duty for r in rows}
        person = ctx.directory.person(key)
        for first, second in ctx.settings.separation_of_duties:
            pair = (first.lower(), second.lower())
            if set(pair) <= duties:
                lines = [r.lines for r in rows if r.duty in pair]
                name = person.display_name if person else key
                sig = signal(
                    "posture_duties",
                    "posture.duty_conflict",
                    f"{name} holds both {pair[0]} and {pair[1]}, which must be separated",
                    text=f"{pair[0]} + {pair[1]}",
                    person_id=person.id if person else None,
                    holder=key,
                    duties=list(pair),
                )
                item = evidence_item(
                    lines,
                    kind="duties",
                    at=ctx.as_of,
                    address=None,
                    summary=f"duties of {name}: {', '.join(sorted(duties))}",
                )
                out.append(Observation(item, [sig]))
    return out


# Admin audit events that make someone an administrator (the assignee is USER_EMAIL).
ADMIN_GRANTS = ("ASSIGN_ROLE", "GRANT_ADMIN_PRIVILEGE", "GRANT_DELEGATED_ADMIN_PRIVILEGES")


def check_account_events(events: list[ActivityEvent], ctx: CheckContext) -> list[Observation]:
    """Changes between two user exports: 2-Step Verification turned off, admin roles granted."""
    out = []
    for e in events:
        signals: list[Signal] = []
        if e.application == "user_accounts" and e.name == "2sv_disable" and "google" in ctx.settings.secure_platforms:
            who = e.actor
            person = ctx.person(who)
            signals.append(
                signal(
                    CHECK,
                    "posture.two_factor_missing",
                    f"{who} turned 2-Step Verification off",
                    text=who,
                    person_id=person.id if person else None,
                    email=who,
                    platform="google",
                )
            )
        elif e.application == "admin" and e.name in ADMIN_GRANTS and e.parameters.get("USER_EMAIL"):
            who = str(e.parameters["USER_EMAIL"]).lower()
            person = ctx.person(who)
            pid = person.id if person else None
            role = e.parameters.get("ROLE_NAME") or "administrator"
            signals.append(
                signal(
                    CHECK,
                    "posture.admin_account",
                    f"{who} was given the {role} role by {e.actor or '?'}",
                    text=who,
                    person_id=pid,
                    email=who,
                    role=role,
                )
            )
            if not matches_any(who, ctx.settings.approved_admins):
                signals.append(
                    signal(
                        CHECK,
                        "posture.admin_unapproved",
                        f"{who} was given the {role} role but is not on the approved administrator list",
                        text=who,
                        person_id=pid,
                        email=who,
                        role=role,
                    )
                )
        if signals:
            item = evidence_item(
                [e.lines], kind=f"{e.platform}-activity", at=e.at or ctx.as_of, address=who, summary=f"{e.name}: {who}"
            )
            out.append(Observation(item, signals))
    return out

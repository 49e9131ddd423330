"""Remote access, shared accounts and mailbox access, from Reports API events (hand-written in
the API's schema, and the dev-data events) and an Entra sign-in log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aupguard.model import ReadError
from aupguard.posture.checks.accounts import check_account_events
from aupguard.posture.checks.signins import check_mailbox, check_signins
from aupguard.posture.readers.activity import read_entra_signins, read_google_activity
from tests.conftest import dev_data
from tests.posture.conftest import DOMAIN, context, email, write

SCHOOL = "198.51.100.0/24"
LOCATIONS = [
    {"cidr": "192.0.2.0/24", "name": "Des Moines office", "latitude": 41.59, "longitude": -93.62},
    {"cidr": "198.18.0.0/24", "name": "Paris partner", "latitude": 48.85, "longitude": 2.35},
]


def activity(time: str, who: str, ip: str, name: str = "login_success", app: str = "login", **params: Any) -> dict:
    return {
        "kind": "admin#reports#activity",
        "id": {"time": time, "uniqueQualifier": "1", "applicationName": app, "customerId": "C01"},
        "actor": {"callerType": "USER", "email": who, "profileId": "1"},
        "ipAddress": ip,
        "events": [
            {
                "type": "login" if app == "login" else "EMAIL_SETTINGS",
                "name": name,
                "parameters": [{"name": k, "value": v} for k, v in params.items()],
            }
        ],
    }


def reports_file(tmp_path: Path, activities: list[dict], ndjson: bool = False) -> Path:
    if ndjson:
        return write(tmp_path / "events.ndjson", "".join(json.dumps(a) + "\n" for a in activities))
    return write(tmp_path / "events.json", json.dumps({"kind": "admin#reports#activities", "items": activities}))


CASES = [
    # (name, activities, expected {(kind, person)})
    ("on site only", [activity("2026-10-05T14:00:00Z", email("t1"), "198.51.100.7")], set()),
    ("off site", [activity("2026-10-05T23:00:00Z", email("t1"), "203.0.113.9")], {("posture.offsite_signin", "t1")}),
    (
        "failed off-site sign-in is not access",
        [activity("2026-10-05T23:00:00Z", email("t1"), "203.0.113.9", name="login_failure")],
        set(),
    ),
    (
        "two off-site sign-ins one day: one finding",
        [
            activity("2026-10-05T16:00:00Z", email("t2"), "203.0.113.9"),
            activity("2026-10-05T22:00:00Z", email("t2"), "203.0.113.9"),
        ],
        {("posture.offsite_signin", "t2")},
    ),
    (
        "school then elsewhere minutes later",
        [
            activity("2026-10-05T14:00:00Z", email("t1"), "198.51.100.7"),
            activity("2026-10-05T14:05:00Z", email("t1"), "203.0.113.9"),
        ],
        {("posture.offsite_signin", "t1"), ("posture.concurrent_signin", "t1")},
    ),
    (
        "school then elsewhere hours later",
        [
            activity("2026-10-05T14:00:00Z", email("t1"), "198.51.100.7"),
            activity("2026-10-05T23:05:00Z", email("t1"), "203.0.113.9"),
        ],
        {("posture.offsite_signin", "t1")},
    ),
    (
        "Des Moines then Paris an hour later",
        [
            activity("2026-10-05T14:00:00Z", email("td"), "192.0.2.10"),
            activity("2026-10-05T15:00:00Z", email("td"), "198.18.0.20"),
        ],
        {("posture.offsite_signin", "td"), ("posture.impossible_travel", "td")},
    ),
    (
        "Des Moines then Paris two days later",
        [
            activity("2026-10-05T14:00:00Z", email("td"), "192.0.2.10"),
            activity("2026-10-07T15:00:00Z", email("td"), "198.18.0.20"),
        ],
        {("posture.offsite_signin", "td")},
    ),
]


@pytest.mark.parametrize(("name", "events", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("ndjson", [False, True])
def test_signins(tmp_path: Path, name: str, events: list[dict], expected: set, ndjson: bool) -> None:
    errors: list[ReadError] = []
    read = read_google_activity(reports_file(tmp_path, events, ndjson), errors)
    assert errors == [] and len(read) == len(events)
    ctx = context(district_networks=[SCHOOL], network_locations=LOCATIONS)
    found = {(s.kind, s.data.get("staff_id")) for o in check_signins(read, ctx) for s in o.signals}
    assert found == expected


def test_without_district_networks_offsite_is_not_judged(tmp_path: Path) -> None:
    events = read_google_activity(
        reports_file(tmp_path, [activity("2026-10-05T23:00:00Z", email("t1"), "203.0.113.9")]), []
    )
    assert check_signins(events, context()) == []


def test_broken_lines_are_errors_with_line_numbers(tmp_path: Path) -> None:
    good = json.dumps(activity("2026-10-05T23:00:00Z", email("t1"), "203.0.113.9"))
    path = write(tmp_path / "e.ndjson", f"{good}\n{{not json\n[1, 2]\n{json.dumps({'id': {}})}\n")
    errors: list[ReadError] = []
    assert len(read_google_activity(path, errors)) == 1
    assert [e.position for e in errors] == ["line 2", "line 3", "line 4"]


def test_dev_data_login_events() -> None:
    path = dev_data("gworkspace_audit_events", "elastic_integrations", "test-login.log")
    errors: list[ReadError] = []
    events = read_google_activity(path, errors)
    assert errors == [] and len(events) == len(path.read_text().splitlines())
    found = check_signins(events, context(district_networks=["10.0.0.0/8"]))
    assert {(s.kind, s.data["who"]) for o in found for s in o.signals} == {("posture.offsite_signin", "foo@bar.com")}
    assert check_signins(events, context(district_networks=["67.43.156.0/24"])) == []


def test_dev_data_panther_events_read_or_recorded() -> None:
    path = dev_data("gworkspace_audit_events", "panther_gsuite_rule_tests.jsonl")
    errors: list[ReadError] = []
    events = read_google_activity(path, errors)
    lines = len(path.read_text().splitlines())
    assert len({e.lines.line for e in events}) + len(errors) == lines
    # Role assignment and settings events are not mailbox access.
    assert check_mailbox(events, context()) == []


ENTRA_SIGNINS = """Date (UTC),Request ID,User,Username,User ID,Application,IP address,Location,Status,Sign-in error code
2026-10-05T23:00:00Z,r1,Sam Ortiz,t1@{d},u1,Office 365,203.0.113.9,"Des Moines, Iowa, US",Success,0
2026-10-05T23:10:00Z,r2,Sam Ortiz,t1@{d},u1,Office 365,203.0.113.10,"Des Moines, Iowa, US",Failure,50126
2026-10-05T13:00:00Z,r3,Lee Park,t2@{d},u2,Office 365,198.51.100.8,"Ames, Iowa, US",Success,0
not a date,r4,Lee Park,t2@{d},u2,Office 365,198.51.100.8,,Success,0
"""


def test_entra_signin_log(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    events = read_entra_signins(write(tmp_path / "signins.csv", ENTRA_SIGNINS.format(d=DOMAIN)), errors)
    assert [e.position for e in errors] == ["line 5"]
    found = {
        (s.kind, s.data["staff_id"])
        for o in check_signins(events, context(district_networks=[SCHOOL]))
        for s in o.signals
    }
    assert found == {("posture.offsite_signin", "t1")}


MAILBOX = [
    # (event, expected (kind, grantee person, mailbox))
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="ADD_DELEGATE",
            app="admin",
            USER_EMAIL=email("prin"),
            DELEGATE=email("t1"),
        ),
        ("posture.mailbox_delegation", "t1", email("prin")),
    ),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="CREATE_EMAIL_MONITOR",
            app="admin",
            USER_EMAIL=email("t2"),
            DESTINATION_USER_EMAIL=email("td"),
        ),
        ("posture.mailbox_delegation", "td", email("t2")),
    ),
    (
        activity(
            "2026-10-05T14:00:00Z", email("t1"), "198.51.100.7", name="view", app="gmail", mailbox_owner=email("t2")
        ),
        ("posture.mailbox_access", "t1", email("t2")),
    ),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="REMOVE_DELEGATE",
            app="admin",
            USER_EMAIL=email("prin"),
            DELEGATE=email("t1"),
        ),
        None,
    ),
    (
        activity(
            "2026-10-05T14:00:00Z", email("t1"), "198.51.100.7", name="view", app="gmail", mailbox_owner=email("t1")
        ),
        None,
    ),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="ASSIGN_ROLE",
            app="admin",
            USER_EMAIL=email("t1"),
            ROLE_NAME="Help desk",
        ),
        None,
    ),
]


@pytest.mark.parametrize(("event", "expected"), MAILBOX)
def test_mailbox_access(tmp_path: Path, event: dict, expected: tuple | None) -> None:
    events = read_google_activity(reports_file(tmp_path, [event]), [])
    found = [
        (s.kind, s.data.get("staff_id"), s.data["mailbox"]) for o in check_mailbox(events, context()) for s in o.signals
    ]
    assert found == ([expected] if expected else [])


ACCOUNT_EVENTS = [
    (
        activity("2026-10-05T14:00:00Z", email("t1"), "198.51.100.7", name="2sv_disable", app="user_accounts"),
        {("posture.two_factor_missing", "t1")},
    ),
    (activity("2026-10-05T14:00:00Z", email("t1"), "198.51.100.7", name="2sv_enroll", app="user_accounts"), set()),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="ASSIGN_ROLE",
            app="admin",
            USER_EMAIL=email("t2"),
            ROLE_NAME="Help Desk Admin",
        ),
        {("posture.admin_account", "t2"), ("posture.admin_unapproved", "t2")},
    ),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("sup"),
            "198.51.100.7",
            name="ASSIGN_ROLE",
            app="admin",
            USER_EMAIL=email("td"),
            ROLE_NAME="Super Admin",
        ),
        {("posture.admin_account", "td")},
    ),
    (
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="UNASSIGN_ROLE",
            app="admin",
            USER_EMAIL=email("t2"),
            ROLE_NAME="Help Desk Admin",
        ),
        set(),
    ),
]


@pytest.mark.parametrize(("event", "expected"), ACCOUNT_EVENTS)
def test_account_events(tmp_path: Path, event: dict, expected: set) -> None:
    events = read_google_activity(reports_file(tmp_path, [event]), [])
    ctx = context(approved_admins=[email("td")])
    assert {(s.kind, s.data.get("staff_id")) for o in check_account_events(events, ctx) for s in o.signals} == expected


def test_dev_data_two_step_disabled_and_admin_role_assigned() -> None:
    path = dev_data("gworkspace_audit_events", "panther_gsuite_rule_tests.jsonl")
    events = read_google_activity(path, [])
    found = {(s.kind, s.data["email"]) for o in check_account_events(events, context()) for s in o.signals}
    assert found == {
        ("posture.two_factor_missing", "some.user@somedomain.com"),  # GSuite.TwoStepVerification
        ("posture.admin_account", "bob@example.com"),  # Standard.AdminRoleAssigned
        ("posture.admin_unapproved", "bob@example.com"),
    }

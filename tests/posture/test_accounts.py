"""Account checks: password age, two-factor, administrators, departed staff, dormant accounts,
separation of duties — must fire and must not fire, on exports in their real layouts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aupguard.model import ReadError
from aupguard.posture.checks.accounts import account_signals, check_duties
from aupguard.posture.readers.accounts import read_entra_users, read_google_users, read_platform_users
from aupguard.posture.readers.operations import read_duties
from tests.directory.test_google_workspace_import import HEADER
from tests.posture.conftest import DOMAIN, context, email, write

# Rows of a Google Admin console "Download users" export (plus the Admin column some tools add).
ROWS = {
    "old-password": {"Last Password Change? ": "2025/01/02 10:00:00", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "fresh-password": {
        "Last Password Change? ": "2026/09/01 10:00:00",
        "2sv Enrollment Status [READ ONLY]": "Enrolled",
    },
    "no-2sv": {"2sv Enrollment Status [READ ONLY]": "Not Enrolled"},
    "no-2sv-suspended": {"2sv Enrollment Status [READ ONLY]": "Not Enrolled", "Status [READ ONLY]": "Suspended"},
    "student-no-2sv": {"2sv Enrollment Status [READ ONLY]": "Not Enrolled", "Org Unit Path [Required]": "/Students"},
    "approved-admin": {"Admin": "TRUE", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "unapproved-admin": {"Admin": "TRUE", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "departed": {"2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "unknown-person": {"2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "dormant": {"Last Sign In [READ ONLY]": "2026/05/01 08:00:00", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "never": {"Last Sign In [READ ONLY]": "Never logged in", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
    "recent": {"Last Sign In [READ ONLY]": "2026/10/14 08:00:00", "2sv Enrollment Status [READ ONLY]": "Enrolled"},
}
# Which directory person each row's address belongs to.
OWNER = {
    "old-password": "t1",
    "fresh-password": "td",
    "no-2sv": "t1",
    "no-2sv-suspended": "t2",
    "student-no-2sv": "s1",
    "approved-admin": "td",
    "unapproved-admin": "t2",
    "departed": "gone",
    "unknown-person": "stranger",
    "dormant": "t2",
    "never": "prin",
    "recent": "t1",
}
EXPECTED = {
    "old-password": {"posture.password_age"},
    "fresh-password": set(),
    "no-2sv": {"posture.two_factor_missing"},
    "no-2sv-suspended": set(),
    "student-no-2sv": set(),
    "approved-admin": {"posture.admin_account"},
    "unapproved-admin": {"posture.admin_account", "posture.admin_unapproved"},
    "departed": {"posture.departed_active"},
    "unknown-person": {"posture.departed_active"},
    "dormant": {"posture.dormant_account"},
    "never": {"posture.dormant_account"},
    "recent": set(),
}


def google_export(path: Path, names: list[str]) -> Path:
    header = [*HEADER, "Admin"]
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, header, restval="")
        writer.writeheader()
        for name in names:
            row = {
                "First Name [Required]": name,
                "Last Name [Required]": "X",
                "Org Unit Path [Required]": "/Staff",
                "Status [READ ONLY]": "Active",
                "Email Address [Required]": email(OWNER[name]),
                "Last Sign In [READ ONLY]": "2026/10/14 08:00:00",
            }
            row.update(ROWS[name])
            writer.writerow(row)
    return path


@pytest.mark.parametrize("name", list(ROWS))
def test_google_account_row(tmp_path: Path, name: str) -> None:
    errors: list[ReadError] = []
    (record,) = read_google_users(google_export(tmp_path / "users.csv", [name]), errors)
    assert errors == []
    ctx = context(approved_admins=[email("td")], max_password_age_days=365, dormant_days=90)
    kinds = {s.kind for s in account_signals(record, ctx)}
    assert kinds == EXPECTED[name]
    # The evidence is the export's header and this account's row.
    assert record.lines.text.splitlines()[0].startswith("First Name [Required]")
    assert email(OWNER[name]) in record.lines.text.splitlines()[1]


def test_two_factor_only_on_platforms_marked_secure(tmp_path: Path) -> None:
    (record,) = read_google_users(google_export(tmp_path / "users.csv", ["no-2sv"]), [])
    assert {s.kind for s in account_signals(record, context(secure_platforms=["sis"]))} == set()


ENTRA = """userPrincipalName,userDisplayName,isAdmin,isMfaRegistered,isMfaCapable,accountEnabled,lastSignInDateTime
t1@{d},Sam Ortiz,False,False,False,True,2026-10-14T07:50:00Z
td@{d},Tess Dunn,True,True,True,True,2026-10-14T07:50:00Z
t2@{d},Lee Park,False,False,False,False,2026-10-01T07:50:00Z
not-an-address,Broken,False,False,False,True,
"""


def test_entra_registration_details(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    records = read_entra_users(write(tmp_path / "mfa.csv", ENTRA.format(d=DOMAIN)), errors)
    assert [e.position for e in errors] == ["line 5"] and "not-an-address" in errors[0].reason
    ctx = context(approved_admins=[email("td")], secure_platforms=["entra"])
    kinds = {r.email: {s.kind for s in account_signals(r, ctx)} for r in records}
    assert kinds == {
        email("t1"): {"posture.two_factor_missing"},
        email("td"): {"posture.admin_account"},
        email("t2"): set(),  # disabled account
    }


# A student information system's user report, in the plain platform-users layout.
SIS_USERS = """Platform,Email,Two Factor,Admin,Active,Last Login
sis,t1@{d},No,No,Yes,2026-10-14 07:50
SIS,td@{d},yes,yes,yes,2026-10-14 07:50
sis,t2@{d},no,no,no,2026-10-01 07:50
,prin@{d},no,no,yes,2026-10-14 07:50
sis,nobody,no,no,yes,2026-10-14 07:50
"""


def test_platform_users_for_the_sis(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    records = read_platform_users(write(tmp_path / "sis.csv", SIS_USERS.format(d=DOMAIN)), errors)
    assert [(e.position, "platform" in e.reason or "address" in e.reason) for e in errors] == [
        ("line 5", True),
        ("line 6", True),
    ]
    ctx = context(approved_admins=[email("td")], secure_platforms=["sis"])
    kinds = {r.email: {s.kind for s in account_signals(r, ctx)} for r in records}
    assert kinds == {
        email("t1"): {"posture.two_factor_missing"},
        email("td"): {"posture.admin_account"},
        email("t2"): set(),  # inactive account
    }
    # Not marked secure: the same export raises nothing about two-factor sign-in.
    assert all("posture.two_factor_missing" not in {s.kind for s in account_signals(r, context())} for r in records)


DUTIES = """person,duty,system
td@{d},backup_admin,Veeam
td@{d},audit_log_admin,Google Workspace
t1,request_payment,Finance
t1,approve_payment,Finance
t2,backup_admin,Veeam
prin,approve_payment,Finance
,backup_admin,Veeam
"""


def test_separation_of_duties(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    rows = read_duties(write(tmp_path / "duties.csv", DUTIES.format(d=DOMAIN)), errors)
    assert [e.position for e in errors] == ["line 8"]
    ctx = context(separation_of_duties=[["backup_admin", "audit_log_admin"], ["request_payment", "approve_payment"]])
    found = {(o.signals[0].data["staff_id"], tuple(o.signals[0].data["duties"])) for o in check_duties(rows, ctx)}
    assert found == {("td", ("backup_admin", "audit_log_admin")), ("t1", ("request_payment", "approve_payment"))}
    assert check_duties(rows, context()) == []  # no matrix, no conflict

"""Google Workspace "Download users" importer."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from aupguard.directory.google_workspace import read_workspace_users, workspace_header_key
from aupguard.model import PersonKind

HEADER = [
    "First Name [Required]", "Last Name [Required]", "Email Address [Required]", "Password [Required]",
    "Password Hash Function [UPLOAD ONLY]", "Org Unit Path [Required]", "New Primary Email [UPLOAD ONLY]",
    "Recovery Email", "Home Secondary Email", "Work Secondary Email",
    "Recovery Phone [MUST BE IN THE E.164 FORMAT]", "Work Phone", "Home Phone", "Mobile Phone",
    "Work Address", "Home Address", "Employee ID", "Employee Type", "Employee Title", "Manager Email",
    "Department", "Cost Center", "Building ID", "Floor Name", "Floor Section",
    "Change Password at Next Sign-In", "New Status [UPLOAD ONLY]",
    "Advanced Protection Program enrollment", "Status [READ ONLY]", "Last Sign In [READ ONLY]",
    "Email Usage [READ ONLY]", "2sv Enrollment Status [READ ONLY]", "2sv Enforcement Status [READ ONLY]",
    "Last Password Change? ",
]  # fmt: skip


def write_export(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_header_key_drops_brackets_case_and_question_mark() -> None:
    assert workspace_header_key("Recovery Phone [MUST BE IN THE E.164 FORMAT]") == "recovery phone"
    assert workspace_header_key("Last Password Change? ") == "last password change"
    assert workspace_header_key("EMAIL ADDRESS [required]") == "email address"


def test_staff_rows_become_people_accounts_and_posture(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "users.csv",
        [
            {
                "First Name [Required]": "Dana",
                "Last Name [Required]": "Reyes",
                "Email Address [Required]": "DReyes@pccsd.example.org",
                "Org Unit Path [Required]": "/Staff/HS",
                "Recovery Email": "dana.reyes@gmail.com",
                "Work Phone": "515-555-0110",
                "Mobile Phone": "(515) 555-0111",
                "Employee ID": "E-7",
                "Employee Title": "Teacher",
                "Status [READ ONLY]": "Active",
                "Last Sign In [READ ONLY]": "2026/10/01 14:03:22",
                "2sv Enrollment Status [READ ONLY]": "Not Enrolled",
                "2sv Enforcement Status [READ ONLY]": "Not Enforced",
            },
            {
                "First Name [Required]": "Lee",
                "Last Name [Required]": "Ng",
                "Email Address [Required]": "lng@pccsd.example.org",
                "Org Unit Path [Required]": "/Students/HS",
                "Status [READ ONLY]": "Suspended",
                "Last Sign In [READ ONLY]": "Never logged in",
                "2sv Enrollment Status [READ ONLY]": "Enrolled",
            },
        ],  # fmt: skip
    )
    batch, posture = read_workspace_users(export)

    assert batch.problems == []
    assert batch.district_domains == {"pccsd.example.org"}
    dana, lee = batch.people
    assert (dana.id, dana.kind, dana.title, dana.active) == ("E-7", PersonKind.STAFF, "Teacher", True)
    assert (lee.id, lee.kind, lee.active) == ("lng@pccsd.example.org", PersonKind.STUDENT, False)
    accounts = {a.address: (a.person_id, a.kind, a.district) for a in batch.accounts}
    assert accounts["dreyes@pccsd.example.org"] == ("E-7", "email", True)
    assert accounts["dana.reyes@gmail.com"] == ("E-7", "email", False)
    assert accounts["+15155550110"] == ("E-7", "phone", True)
    assert accounts["+15155550111"] == ("E-7", "phone", False)
    assert posture[0]["two_sv_enrolled"] is False and posture[0]["two_sv_enforced"] is False
    assert posture[0]["last_sign_in"] == datetime(2026, 10, 1, 14, 3, 22, tzinfo=UTC)
    assert posture[0]["org_unit"] == "/Staff/HS" and posture[0]["suspended"] is False
    assert posture[1]["suspended"] is True and posture[1]["never_signed_in"] is True
    assert posture[1]["last_sign_in"] is None and posture[1]["two_sv_enrolled"] is True


def test_missing_and_extra_columns_are_tolerated(tmp_path: Path) -> None:
    header = ["email address", "First Name", "Some New Column [READ ONLY]"]
    export = write_export(
        tmp_path / "u.csv",
        [{"email address": "a@d.example", "First Name": "A", "Some New Column [READ ONLY]": "x"}],
        header,
    )
    batch, posture = read_workspace_users(export)
    assert batch.problems == [] and batch.people[0].given_name == "A"
    assert posture[0]["two_sv_enrolled"] is None and posture[0]["status"] is None


def test_bad_rows_are_problems(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "u.csv",
        [
            {"Email Address [Required]": "not-an-email"},
            {"Email Address [Required]": "ok@d.example", "Home Phone": "12"},
            {"Email Address [Required]": "ok@d.example"},
        ],
    )
    batch, posture = read_workspace_users(export)
    reasons = [(p.line, p.reason.split(":")[0].split(" '")[0]) for p in batch.problems]
    assert reasons == [
        (2, "invalid email address"),
        (3, "invalid phone in home phone"),
        (4, "duplicate person id"),
    ]
    assert [p.id for p in batch.people] == ["ok@d.example"] and len(posture) == 1


def test_export_without_email_column_is_one_problem(tmp_path: Path) -> None:
    export = tmp_path / "u.csv"
    export.write_text("First Name,Last Name\nA,B\n")
    batch, posture = read_workspace_users(export)
    assert [p.line for p in batch.problems] == [1] and posture == [] and batch.people == []

"""Google Workspace "Download users" CSV importer (Admin console > Directory > Users).

It gives two things: directory records (a staff member's district email, title, phones, personal
recovery addresses) and account posture (2-Step Verification, last sign-in, suspension, org
unit) for the posture checks. Headers are matched ignoring case and the bracketed suffixes the
console adds ("Email Address [Required]" == "email address"), so older and newer exports, and
ones with columns removed, read the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aupguard.directory.addresses import email_domain, normalize_email, normalize_phone
from aupguard.directory.batch import DirectoryBatch, ImportProblem
from aupguard.directory.csv_rows import CsvRow, parse_bool, read_rows
from aupguard.exportfiles import open_text
from aupguard.model import Account, Person, PersonKind

# Extra columns a person's personal (non-district) contact lives in, with the Account kind.
PERSONAL_EMAIL_COLUMNS = ("recovery email", "home secondary email")
PERSONAL_PHONE_COLUMNS = ("recovery phone", "home phone", "mobile phone")
DISTRICT_PHONE_COLUMNS = ("work phone",)

# Sign-in times as the console writes them; "Never logged in" and blanks mean None.
_SIGN_IN_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%m/%d/%Y %H:%M:%S")


def workspace_header_key(header: str) -> str:
    """ "Recovery Phone [MUST BE IN THE E.164 FORMAT]" -> "recovery phone";
    "Last Password Change? " -> "last password change"."""
    key = re.sub(r"\[[^\]]*\]", "", header)
    return " ".join(key.replace("?", " ").split()).lower()


def read_workspace_users(path: str | Path) -> tuple[DirectoryBatch, list[dict[str, Any]]]:
    """Read a Workspace users export: (directory batch, one posture dict per account).

    Person ids are the Employee ID when given, else the primary email; the primary email is
    also emitted as a district Account so the store can link the row to the roster person
    who owns that address.
    """
    path = Path(path)
    batch = DirectoryBatch(source=str(path))
    posture: list[dict[str, Any]] = []
    try:
        stream = open_text(path)
    except OSError as exc:
        batch.problems.append(ImportProblem(str(path), 0, f"cannot open Workspace export: {exc}"))
        return batch, posture
    rows: list[CsvRow] = []
    with stream:
        for row in read_rows(stream, str(path), batch.problems, ("email address",), workspace_header_key):
            batch.rows_read += 1
            rows.append(row)
    # Every primary address in a tenant's export belongs to one of the district's domains.
    batch.district_domains = {d for r in rows if (d := email_domain(normalize_email(r.get("email address"))))}
    seen_ids: set[str] = set()
    for row in rows:
        email = normalize_email(row.get("email address"))
        if email_domain(email) is None:
            batch.problems.append(ImportProblem(str(path), row.line, f"invalid email address {email!r}"))
            continue
        person = _person(row, email)
        if person.id in seen_ids:
            batch.problems.append(ImportProblem(str(path), row.line, f"duplicate person id {person.id!r}"))
            continue
        seen_ids.add(person.id)
        batch.people.append(person)
        batch.accounts.append(Account(email, "email", person.id, True))
        _contact_accounts(row, person.id, batch, str(path))
        posture.append(_posture(row, email, person.id))
    return batch, posture


def _person(row: CsvRow, email: str) -> Person:
    org_unit = row.get("org unit path")
    # Districts put student accounts under a "Students" org unit; everyone else is staff.
    is_student = "student" in org_unit.lower()
    return Person(
        id=row.get("employee id") or email,
        kind=PersonKind.STUDENT if is_student else PersonKind.STAFF,
        given_name=row.get("first name"),
        family_name=row.get("last name"),
        title=row.get("employee title") or None,
        identifier=row.get("employee id") or None,
        active=row.get("status").lower() != "suspended",
    )


def _contact_accounts(row: CsvRow, person_id: str, batch: DirectoryBatch, file: str) -> None:
    for column in PERSONAL_EMAIL_COLUMNS + ("work secondary email",):
        value = row.get(column)
        if not value:
            continue
        address = normalize_email(value)
        domain = email_domain(address)
        if domain is None:
            batch.problems.append(ImportProblem(file, row.line, f"invalid email in {column}: {value!r}"))
            continue
        batch.accounts.append(Account(address, "email", person_id, domain in batch.district_domains))
    seen: set[str] = set()
    for column in DISTRICT_PHONE_COLUMNS + PERSONAL_PHONE_COLUMNS:
        value = row.get(column)
        if not value:
            continue
        number = normalize_phone(value)
        if number is None:
            batch.problems.append(ImportProblem(file, row.line, f"invalid phone in {column}: {value!r}"))
            continue
        if number not in seen:
            seen.add(number)
            batch.accounts.append(Account(number, "phone", person_id, column in DISTRICT_PHONE_COLUMNS))


def _posture(row: CsvRow, email: str, person_id: str) -> dict[str, Any]:
    status = row.get("status") or row.get("new status")
    return {
        "email": email,
        "person_id": person_id,
        "line": row.line,
        "org_unit": row.get("org unit path") or None,
        "status": status.lower() or None,  # "active" | "suspended" | None when not exported
        "suspended": status.lower() == "suspended" if status else None,
        "last_sign_in": _sign_in(row.get("last sign in")),
        "last_sign_in_text": row.get("last sign in") or None,  # as exported, when unparseable
        "never_signed_in": "never" in row.get("last sign in").lower(),
        "two_sv_enrolled": _flag(row.get("2sv enrollment status")),
        "two_sv_enforced": _flag(row.get("2sv enforcement status")),
        "last_password_change": _sign_in(row.get("last password change")),
        "advanced_protection": _flag(row.get("advanced protection program enrollment")),
        # The users export has no admin column; some tools add "Admin" / "Is Admin".
        "admin": _flag(row.get("admin") or row.get("is admin") or row.get("admin role")),
        "employee_type": row.get("employee type") or None,
        "title": row.get("employee title") or None,
        "email_usage": row.get("email usage") or None,
    }


def _flag(value: str) -> bool | None:
    """ "Enrolled"/"Not Enrolled", "Enforced"/"Not Enforced", "TRUE"/"FALSE" -> bool."""
    v = value.strip().lower()
    if not v:
        return None
    if v.startswith(("not ", "un")) or v in {"disabled", "off", "none"}:
        return False
    if v in {"enrolled", "enforced", "enabled", "on", "admin", "super admin"}:
        return True
    return parse_bool(v)


def _sign_in(value: str) -> datetime | None:
    v = value.strip()
    if not v or "never" in v.lower():
        return None
    for fmt in _SIGN_IN_FORMATS:
        try:
            return datetime.strptime(v, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""Account exports: Google Workspace "Download users" CSV and Microsoft Entra user lists.

Google: the directory importer (`directory.google_workspace`) already reads the export and its
posture columns; this module adds the source lines each account came from. Entra: the "User
registration details" CSV (Entra admin center > Protection > Authentication methods > User
registration details > Download), whose columns follow Microsoft Graph's userRegistrationDetails
(userPrincipalName, isAdmin, isMfaRegistered, ...), optionally joined with a users list
(accountEnabled, lastPasswordChangeDateTime, signInActivity/lastSignInDateTime).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aupguard.directory.addresses import normalize_email
from aupguard.directory.google_workspace import read_workspace_users
from aupguard.exportfiles import parse_time
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines
from aupguard.posture.readers.tabular import Row, read_csv, truthy


@dataclass(slots=True)
class AccountRecord:
    platform: str  # "google" | "entra" | a platform-users row's own platform ("sis", ...)
    email: str
    lines: SourceLines
    person_id: str | None = None  # the export's own id (Employee ID), when it has one
    suspended: bool | None = None
    last_sign_in: datetime | None = None
    never_signed_in: bool = False
    last_password_change: datetime | None = None
    two_factor_enrolled: bool | None = None
    two_factor_enforced: bool | None = None
    admin: bool | None = None
    org_unit: str | None = None


def read_google_users(path: Path, errors: list[ReadError]) -> list[AccountRecord]:
    batch, posture = read_workspace_users(path)
    errors.extend(ReadError(p.file, f"line {p.line}", p.reason) for p in batch.problems)
    by_line = {row.lines.line: row.lines for row in read_csv(path, [])}
    out = []
    for p in posture:
        lines = by_line.get(p["line"]) or SourceLines(str(path), p["line"], p["email"])
        out.append(
            AccountRecord(
                platform="google",
                email=p["email"],
                lines=lines,
                person_id=p["person_id"],
                suspended=p["suspended"],
                last_sign_in=p["last_sign_in"],
                never_signed_in=bool(p["never_signed_in"]),
                last_password_change=p["last_password_change"],
                two_factor_enrolled=p["two_sv_enrolled"],
                two_factor_enforced=p["two_sv_enforced"],
                admin=p["admin"],
                org_unit=p["org_unit"],
            )
        )
    return out


_UPN = ("userprincipalname", "upn", "username", "user")


def read_entra_users(path: Path, errors: list[ReadError]) -> list[AccountRecord]:
    out = []
    for row in read_csv(path, errors, required=(_UPN,)):
        email = normalize_email(row.pick(*_UPN))
        if "@" not in email:
            errors.append(ReadError(row.lines.source, row.lines.position, f"invalid user principal name {email!r}"))
            continue
        out.append(_entra_record(row, email))
    return out


_PLATFORM_EMAIL = ("email", "mail", "emailaddress", "userprincipalname", "username", "user", "login")


def read_platform_users(path: Path, errors: list[ReadError]) -> list[AccountRecord]:
    """A plain CSV of accounts on any other platform the district runs (the student information
    system above all, whose user reports differ by vendor): one row per account with `platform`
    (e.g. sis), the user's e-mail address, and what is known of `two_factor` (yes/no), `admin`,
    `active` or `suspended`, `last_sign_in`, `password_last_changed`, `org_unit`."""
    out = []
    for row in read_csv(path, errors, required=(("platform",), _PLATFORM_EMAIL)):
        platform = row.pick("platform").strip().lower()
        email = normalize_email(row.pick(*_PLATFORM_EMAIL))
        if not platform:
            errors.append(ReadError(row.lines.source, row.lines.position, "no platform named (e.g. sis)"))
            continue
        if "@" not in email:
            errors.append(ReadError(row.lines.source, row.lines.position, f"invalid e-mail address {email!r}"))
            continue
        active = truthy(row.pick("active", "enabled"))
        suspended = truthy(row.pick("suspended", "disabled", "locked"))
        sign_in = row.pick("lastsignin", "lastlogin", "lastsignindatetime", "lastlogintime")
        out.append(
            AccountRecord(
                platform=platform,
                email=email,
                lines=row.lines,
                person_id=row.pick("employeeid", "personid", "staffid") or None,
                suspended=suspended if suspended is not None else (None if active is None else not active),
                last_sign_in=parse_time(sign_in),
                never_signed_in=sign_in.lower().startswith("never"),
                last_password_change=parse_time(
                    row.pick("passwordlastchanged", "lastpasswordchange", "passwordlastset")
                ),
                two_factor_enrolled=truthy(row.pick("twofactor", "mfa", "2fa", "twofactorenrolled", "mfaenrolled")),
                admin=truthy(row.pick("admin", "isadmin", "administrator")),
                org_unit=row.pick("orgunit", "department", "building") or None,
            )
        )
    return out


def _entra_record(row: Row, email: str) -> AccountRecord:
    enabled = truthy(row.pick("accountenabled", "blocksignin"))
    if row.values.get("blocksignin") not in (None, ""):
        enabled = None if enabled is None else not enabled  # "Block sign in" is the inverse
    sign_in = row.pick("lastsignindatetime", "signinactivitylastsignindatetime", "lastsignin", "lastsignindate")
    mfa = truthy(row.pick("ismfaregistered", "mfaregistered", "mfastatus", "multifactorauthstatus"))
    if mfa is None and row.pick("mfastatus", "multifactorauthstatus"):
        # The legacy per-user MFA export says Disabled / Enabled / Enforced.
        mfa = row.pick("mfastatus", "multifactorauthstatus").lower() in ("enabled", "enforced")
    return AccountRecord(
        platform="entra",
        email=email,
        lines=row.lines,
        person_id=row.pick("employeeid") or None,
        suspended=None if enabled is None else not enabled,
        last_sign_in=parse_time(sign_in),
        never_signed_in=sign_in.lower().startswith("never"),
        last_password_change=parse_time(
            row.pick("lastpasswordchangedatetime", "lastpasswordchange", "passwordlastset")
        ),
        two_factor_enrolled=mfa,
        two_factor_enforced=None,  # enforcement is a Conditional Access policy, not in this export
        admin=truthy(row.pick("isadmin", "admin")),
        org_unit=row.pick("department") or None,
    )

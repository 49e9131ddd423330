"""Directory exports of the sample district: OneRoster 1.2, Workspace users, people CSV, district.yaml."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from demo_district.people import (
    BUILDINGS,
    DISTRICT,
    DOMAIN,
    STUDENT_DOMAIN,
    District,
    national,
)


def write_csv(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


STAMP = "2026-08-15T06:00:00.000Z"


def write_roster(d: District, out: Path) -> None:
    r = out / "roster"
    files = ["academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "roles", "users"]
    manifest = [["manifest.version", "1.0"], ["oneroster.version", "1.2"], ["source.systemName", "PCCSD SIS"]]
    manifest += [[f"file.{f}", "bulk"] for f in files]
    write_csv(r / "manifest.csv", ["propertyName", "value"], manifest)
    orgs = [["org-pccsd", "active", STAMP, DISTRICT, "district", "IA-4120", ""]]
    orgs += [[bid, "active", STAMP, name, "school", short, "org-pccsd"] for bid, name, short, _ in BUILDINGS]
    write_csv(
        r / "orgs.csv",
        ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
        orgs,
    )
    sessions = [
        ["as-2027", "active", STAMP, "2026-2027", "schoolYear", "2026-08-20", "2027-05-28", "", "2027"],
        ["as-fall26", "active", STAMP, "Fall 2026", "semester", "2026-08-20", "2026-12-22", "as-2027", "2027"],
    ]
    write_csv(
        r / "academicSessions.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
        sessions,
    )
    users_header = [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "resourceSourcedIds",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ]
    users, roles = [], []
    for p in d.everyone():
        if p.kind == "volunteer":
            continue
        agents = (
            p.guardian_of if p.kind == "guardian" else [g.id for g in d.guardians.values() if p.id in g.guardian_of]
        )
        enabled = "FALSE" if p.id == "stf-028" else "TRUE"
        username = p.email.split("@")[0] if p.kind != "guardian" else ""
        org = p.building or "org-pccsd"
        users.append(
            [
                p.id,
                "active",
                STAMP,
                enabled,
                username,
                "",
                p.given,
                p.family,
                "",
                p.identifier,
                p.email,
                "",
                p.phone,
                ",".join(agents),
                p.grade,
                "",
                p.identifier,
                "",
                "",
                "",
                "",
                org,
                "",
            ]
        )
        if p.kind == "student":
            role = "student"
        elif p.kind == "guardian":
            role = "parent"
        elif "principal" in p.roles:
            role = "principal"
        elif "teacher" in p.roles:
            role = "teacher"
        else:
            role = "administrator" if p.building is None else "aide"
        roles.append([f"role-{p.id}", "active", STAMP, p.id, "primary", role, "", "", org, ""])
    write_csv(r / "users.csv", users_header, users)
    write_csv(
        r / "roles.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "userSourcedId",
            "roleType",
            "role",
            "beginDate",
            "endDate",
            "orgSourcedId",
            "userProfileSourcedId",
        ],
        roles,
    )
    demo = [
        [s.id, "active", STAMP, s.birth.isoformat() if s.birth else "", "female" if s.sex == "F" else "male"]
        for s in d.students.values()
    ]
    write_csv(r / "demographics.csv", ["sourcedId", "status", "dateLastModified", "birthDate", "sex"], demo)
    courses, classes, enrollments = [], [], []
    for cid, title, bld, teacher, members in d.classes:
        course = cid.replace("cls", "crs")
        courses.append([course, "active", STAMP, "as-2027", title.split(" - ")[0], course.upper(), "", bld, "", ""])
        classes.append(
            [cid, "active", STAMP, title, "", course, cid.upper(), "scheduled", "", bld, "as-fall26", "", "", ""]
        )
        enrollments.append([f"enr-{cid}-{teacher}", "active", STAMP, cid, bld, teacher, "teacher", "true", "", ""])
        enrollments += [[f"enr-{cid}-{m}", "active", STAMP, cid, bld, m, "student", "false", "", ""] for m in members]
    write_csv(
        r / "courses.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
            "subjects",
            "subjectCodes",
        ],
        courses,
    )
    write_csv(
        r / "classes.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "grades",
            "courseSourcedId",
            "classCode",
            "classType",
            "location",
            "schoolSourcedId",
            "termSourcedIds",
            "subjects",
            "subjectCodes",
            "periods",
        ],
        classes,
    )
    write_csv(
        r / "enrollments.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
            "beginDate",
            "endDate",
        ],
        enrollments,
    )


WORKSPACE_HEADER = [
    "First Name [Required]",
    "Last Name [Required]",
    "Email Address [Required]",
    "Password [Required]",
    "Password Hash Function [UPLOAD ONLY]",
    "Org Unit Path [Required]",
    "New Primary Email [UPLOAD ONLY]",
    "Recovery Email",
    "Home Secondary Email",
    "Work Secondary Email",
    "Recovery Phone [MUST BE IN THE E.164 FORMAT]",
    "Work Phone",
    "Home Phone",
    "Mobile Phone",
    "Work Address",
    "Home Address",
    "Employee ID",
    "Employee Type",
    "Employee Title",
    "Manager Email",
    "Department",
    "Cost Center",
    "Building ID",
    "Floor Name",
    "Floor Section",
    "Change Password at Next Sign-In",
    "New Status [UPLOAD ONLY]",
    "Advanced Protection Program enrollment",
    "Status [READ ONLY]",
    "Last Sign In [READ ONLY]",
    "Email Usage [READ ONLY]",
    "2sv Enrollment Status [READ ONLY]",
    "2sv Enforcement Status [READ ONLY]",
    "Last Password Change? ",
]
NO_2SV = {"stf-011", "stf-021", "stf-024", "stf-030", "stf-033"}


def write_workspace(d: District, out: Path, rng: random.Random) -> None:
    short = {b[0]: b[2] for b in BUILDINGS}
    rows = []
    for s in d.staff.values():
        ou = f"/Staff/{short[s.building]}" if s.building else "/Staff/District Office"
        suspended = s.id == "stf-028"
        last = (
            "Never logged in"
            if s.id == "stf-034"
            else f"2026/11/{rng.randint(10, 19):02d} {rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}:00"
        )
        two_sv = "Not Enrolled" if s.id in NO_2SV else "Enrolled"
        enforced = "Not Enforced" if s.id in NO_2SV else "Enforced"
        rows.append(
            [
                s.given,
                s.family,
                s.email,
                "****",
                "",
                ou,
                "",
                s.personal_email,
                "",
                "",
                "",
                national(s.phone),
                "",
                national(s.personal_phone) if s.personal_phone else "",
                "",
                "",
                s.identifier,
                "Employee",
                s.title,
                "" if "superintendent" in s.roles else f"kholt@{DOMAIN}",
                "",
                "",
                "",
                "",
                "",
                "False",
                "",
                "False",
                "Suspended" if suspended else "Active",
                last,
                f"{rng.randint(50, 4000)}MB",
                two_sv,
                enforced,
                f"2026/0{rng.randint(1, 8)}/{rng.randint(10, 28)} 08:00:00",
            ]
        )
    write_csv(out / "accounts" / "users.csv", WORKSPACE_HEADER, rows)


PEOPLE_HEADER = [
    "id",
    "kind",
    "given_name",
    "family_name",
    "preferred_name",
    "title",
    "roles",
    "buildings",
    "district_email",
    "personal_email",
    "district_phone",
    "personal_phone",
    "handles",
    "home_address",
    "birth_date",
    "identifier",
    "guardian_of",
    "groups",
]


def write_people(d: District, out: Path) -> None:
    memberships: dict[str, list[str]] = {}
    for gid, (_, _, _, members) in d.groups.items():
        for pid, role in members.items():
            memberships.setdefault(pid, []).append(f"{gid}={role}")
    rows = [
        ["", "building", name, "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]
        for _, name, _, _ in BUILDINGS
    ]
    for row, (bid, *_rest) in zip(rows, BUILDINGS, strict=True):
        row[0] = bid
    rows += [
        [gid, "group", name, "", "", kind, "", bld, "", "", "", "", "", "", "", "", "", ""]
        for gid, (name, kind, bld, _) in d.groups.items()
    ]
    for s in d.staff.values():
        rows.append(
            [
                s.id,
                "staff",
                s.given,
                s.family,
                "",
                s.title,
                ";".join(s.roles),
                s.building or "",
                s.email,
                s.personal_email,
                s.phone,
                s.personal_phone,
                ";".join(s.handles),
                s.address,
                "",
                s.identifier,
                "",
                ";".join(memberships.get(s.id, [])),
            ]
        )
    for v in d.volunteers.values():
        rows.append(
            [
                v.id,
                "volunteer",
                v.given,
                v.family,
                "",
                v.title,
                ";".join(v.roles),
                v.building or "",
                v.email,
                v.personal_email,
                "",
                v.personal_phone,
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    # Students: what the roster lacks (home address, social handles, team and club memberships).
    for s in d.students.values():
        rows.append(
            [
                s.id,
                "student",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                ";".join(s.handles),
                s.address,
                "",
                "",
                "",
                ";".join(memberships.get(s.id, [])),
            ]
        )
    write_csv(out / "people.csv", PEOPLE_HEADER, rows)


def write_district_yaml(out: Path, d: District) -> None:
    lines = [
        f"name: {DISTRICT}",
        "short_name: PCCSD",
        "state: IA",
        "timezone: America/Chicago",
        "domains:",
        f"  - {DOMAIN}",
        f"  - {STUDENT_DOMAIN}",
        "buildings:",
    ]
    for bid, name, short, grades in BUILDINGS:
        lines += [
            f"  - id: {bid}",
            f"    name: {name}",
            f"    short_name: {short}",
            f"    grades: [{', '.join(grades)}]",
        ]
    lines += [
        "policy: 401.13",
        "# Consents already granted, so the demo shows findings a permission covers.",
        "permissions:",
        "  - kind: personal_phone_contact",
        "    grantee: stf-014",
        "    approver: stf-005",
        "    valid_from: 2026-09-01",
        "    valid_until: 2027-06-01",
        f"    scope: {{phones: ['{d.staff['stf-014'].personal_phone}']}}",
        "    reason: Yearbook deadlines; the principal allows texting families from a personal phone this year.",
        "",
    ]
    (out / "district.yaml").write_text("\n".join(lines), encoding="utf-8")

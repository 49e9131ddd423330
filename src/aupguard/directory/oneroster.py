"""OneRoster 1.1 / 1.2 CSV importer (a folder of CSV files or a .zip of them).

What it reads: orgs.csv (schools become buildings), users.csv (+ roles.csv in 1.2), classes.csv
and enrollments.csv (classes become groups), demographics.csv (birth dates). academicSessions.csv
and courses.csv are only checked, because nothing in the directory needs them. Unknown and
vendor `ext_` columns are ignored. Every row that cannot be used becomes an ImportProblem with
file and line; the importer never raises for bad input.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from aupguard.directory.addresses import email_domain, normalize_email, normalize_phone
from aupguard.directory.batch import DirectoryBatch, ImportProblem
from aupguard.directory.csv_rows import CsvRow, ExportFolder, parse_bool, parse_date, read_rows, split_list
from aupguard.model import Account, Building, Group, Person, PersonKind

# OneRoster role -> (kind, role kept in Person.roles). 1.1 and 1.2 vocabularies together.
STAFF_ROLES = {
    "teacher": "teacher",
    "aide": "aide",
    "administrator": "administrator",
    "districtadministrator": "administrator",
    "siteadministrator": "administrator",
    "systemadministrator": "administrator",
    "principal": "principal",
    "counselor": "counselor",
    "proctor": "proctor",
}
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
STUDENT_ROLES = {"student"}
# Enrollment role -> group role (Group.members values).
ENROLLMENT_ROLES = {"student": "student", "teacher": "teacher", "aide": "teacher", "proctor": "teacher"}

# Files whose absence is worth a problem: without them the import is mostly empty.
EXPECTED_FILES = ("orgs.csv", "users.csv")
# Every file name of the OneRoster 1.1 and 1.2 CSV bindings; another .csv in the export is
# reported (a non-standard export is the likeliest reason for an empty import).
KNOWN_FILES = {
    "manifest.csv", "orgs.csv", "users.csv", "roles.csv", "userprofiles.csv", "classes.csv",
    "courses.csv", "academicsessions.csv", "enrollments.csv", "demographics.csv", "resources.csv",
    "classresources.csv", "courseresources.csv", "lineitems.csv", "results.csv", "categories.csv",
    "scorescales.csv", "lineitemlearningobjectiveids.csv", "lineitemscorescales.csv",
    "resultlearningobjectiveids.csv", "resultscorescales.csv", "assessmentlineitems.csv",
    "assessmentresults.csv",
}  # fmt: skip


def read_oneroster(path: str | Path) -> DirectoryBatch:
    """Read a OneRoster CSV export (folder or .zip) into a DirectoryBatch."""
    path = Path(path)
    batch = DirectoryBatch(source=str(path))
    try:
        folder = ExportFolder(path)
    except (OSError, zipfile.BadZipFile) as exc:
        batch.problems.append(ImportProblem(str(path), 0, f"cannot open OneRoster export: {exc}"))
        return batch
    try:
        _RosterReader(folder, batch).read()
    finally:
        folder.close()
    return batch


def oneroster_version(path: str | Path) -> str | None:
    """ "1.1" or "1.2" as the manifest says, else as the users.csv headers suggest."""
    problems: list[ImportProblem] = []
    try:
        folder = ExportFolder(Path(path))
    except (OSError, zipfile.BadZipFile):
        return None
    try:
        return _RosterReader(folder, DirectoryBatch(source=str(path))).version(problems)
    finally:
        folder.close()


@dataclass
class _UserRoles:
    roles: list[str] = field(default_factory=list)  # OneRoster role names, lowercased
    orgs: list[str] = field(default_factory=list)


class _RosterReader:
    def __init__(self, folder: ExportFolder, batch: DirectoryBatch) -> None:
        self.folder = folder
        self.batch = batch
        self.manifest: dict[str, str] = {}
        self.orgs: dict[str, str] = {}  # sourcedId -> type
        self.buildings: dict[str, Building] = {}
        self.people: dict[str, Person] = {}
        self.groups: dict[str, Group] = {}
        self.deleted_classes: set[str] = set()  # enrollments in these are skipped, not reported
        # Emails wait until every user is read: whether one is a district address depends on
        # the district domains, inferred from all staff emails.
        self.emails: list[tuple[str, str, int, str]] = []  # (address, person id, line, file)

    # ------------------------------------------------------------------ plumbing

    def problem(self, name: str, line: int, reason: str) -> None:
        self.batch.problems.append(ImportProblem(self.folder.label(name), line, reason))

    def open(self, name: str, problems: list[ImportProblem]) -> TextIO | None:
        """The file as text, or None (with a problem) when a damaged zip member cannot be read."""
        try:
            return self.folder.open(name)
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            problems.append(ImportProblem(self.folder.label(name), 0, f"cannot read file: {exc}"))
            return None

    def rows(self, name: str, required: tuple[str, ...] = ()) -> Iterator[CsvRow]:
        if not self.folder.has(name) or (stream := self.open(name, self.batch.problems)) is None:
            return
        with stream:
            for row in read_rows(stream, self.folder.label(name), self.batch.problems, required):
                self.batch.rows_read += 1
                yield row

    def version(self, problems: list[ImportProblem]) -> str | None:
        if self.folder.has("manifest.csv") and (stream := self.open("manifest.csv", problems)) is not None:
            with stream:
                for row in read_rows(stream, self.folder.label("manifest.csv"), problems):
                    self.manifest[row.get("propertyname").lower()] = row.get("value")
        declared = self.manifest.get("oneroster.version")
        if declared:
            return declared
        if self.folder.has("roles.csv"):
            return "1.2"
        if self.folder.has("users.csv") and (stream := self.open("users.csv", problems)) is not None:
            with stream:
                header = stream.readline().lower()
            if "usermasteridentifier" in header or "preferredgivenname" in header:
                return "1.2"
            if "role" in header:
                return "1.1"
        return None

    # ------------------------------------------------------------------ the files

    def read(self) -> None:
        self.version(self.batch.problems)
        for name in EXPECTED_FILES:
            mode = self.manifest.get(f"file.{name.removesuffix('.csv').lower()}", "")
            if not self.folder.has(name) and mode.lower() != "absent":
                self.problem(name, 0, f"{name} is missing from the export")
        for name in self.folder.names():
            if name.lower().endswith(".csv") and name.lower() not in KNOWN_FILES:
                self.problem(name, 0, "not a OneRoster file name; ignored")
        self.read_orgs()
        user_roles = self.read_roles_file()
        self.read_users(user_roles)
        self.finish_emails()
        self.read_demographics()
        self.read_classes()
        self.read_enrollments()
        self.check_sessions_and_courses()
        self.batch.people = list(self.people.values())
        self.batch.buildings = list(self.buildings.values())
        self.batch.groups = list(self.groups.values())

    def read_orgs(self) -> None:
        for row in self.rows("orgs.csv", ("sourcedid", "name", "type")):
            sid, kind = row.get("sourcedid"), row.get("type").lower()
            if not sid:
                self.problem("orgs.csv", row.line, "org without sourcedId")
                continue
            self.orgs[sid] = kind
            if kind == "school" and row.get("status").lower() != "tobedeleted":
                self.buildings[sid] = Building(id=sid, name=row.get("name"))

    def read_roles_file(self) -> dict[str, _UserRoles]:
        """1.2 keeps roles in roles.csv (one row per user, role and org)."""
        out: dict[str, _UserRoles] = {}
        for row in self.rows("roles.csv", ("usersourcedid", "role")):
            if row.get("status").lower() == "tobedeleted":
                continue
            uid, role = row.get("usersourcedid"), row.get("role").lower()
            if not uid or not role:
                self.problem("roles.csv", row.line, "role row without userSourcedId or role")
                continue
            entry = out.setdefault(uid, _UserRoles())
            entry.roles.append(role)
            if row.get("orgsourcedid"):
                entry.orgs.append(row.get("orgsourcedid"))
        return out

    def read_users(self, roles_file: dict[str, _UserRoles]) -> None:
        agents: list[tuple[str, list[str]]] = []
        for row in self.rows("users.csv", ("sourcedid", "givenname", "familyname")):
            sid = row.get("sourcedid")
            if not sid:
                self.problem("users.csv", row.line, "user without sourcedId")
                continue
            if sid in self.people:
                self.problem("users.csv", row.line, f"duplicate user sourcedId {sid!r}")
                continue
            roles = _roles_in_row(row)
            if sid in roles_file:
                roles.roles += roles_file[sid].roles
                roles.orgs += roles_file[sid].orgs
            person = self.person_from(row, roles)
            if person is None:
                continue
            self.people[sid] = person
            self.add_phones(row, person)
            if row.get("email"):
                self.emails.append((normalize_email(row.get("email")), sid, row.line, "users.csv"))
            agent_ids = split_list(row.get("agentsourcedids"), ",;")
            if agent_ids:
                agents.append((sid, agent_ids))
        self.link_guardians(agents)

    def person_from(self, row: CsvRow, roles: _UserRoles) -> Person | None:
        if not roles.roles:
            self.problem("users.csv", row.line, "user has no role (role column or roles.csv)")
            return None
        kind: PersonKind | None = None
        kept: list[str] = []
        for role in roles.roles:
            if role in STUDENT_ROLES:
                kind = kind or PersonKind.STUDENT
            elif role in GUARDIAN_ROLES:
                kind = kind or PersonKind.GUARDIAN
            elif role in STAFF_ROLES:
                kind = PersonKind.STAFF  # a staff role wins: a teacher who is also a parent is staff
                if STAFF_ROLES[role] not in kept:
                    kept.append(STAFF_ROLES[role])
            else:
                self.problem("users.csv", row.line, f"unknown role {role!r}")
                return None
        assert kind is not None
        org_ids = split_list(row.get("orgsourcedids"), ",;") + roles.orgs
        if row.get("primaryorgsourcedid"):
            org_ids.insert(0, row.get("primaryorgsourcedid"))
        # Only schools are buildings; the district org and departments are not.
        buildings = [o for o in dict.fromkeys(org_ids) if o in self.buildings or not self.orgs]
        enabled = parse_bool(row.get("enableduser"))
        active = enabled is not False and row.get("status").lower() != "tobedeleted"
        grades = split_list(row.get("grades"), ",;")
        person = Person(
            id=row.get("sourcedid"),
            kind=kind,
            given_name=row.get("givenname"),
            family_name=row.get("familyname"),
            middle_name=row.get("middlename") or None,
            preferred_name=row.get("preferredgivenname") or row.get("preferredfirstname") or None,
            roles=kept,
            building_ids=buildings,
            identifier=row.get("identifier") or row.get("usermasteridentifier") or None,
            grade=grades[0] if grades else None,
            active=active,
        )
        if "principal" in kept:
            for bid in buildings:
                if bid in self.buildings and person.id not in self.buildings[bid].principal_ids:
                    self.buildings[bid].principal_ids.append(person.id)
        return person

    def add_phones(self, row: CsvRow, person: Person) -> None:
        # `phone` of a staff member is taken as the work line; `sms` is a cell phone, which is
        # personal unless the district says otherwise (people CSV can correct it).
        seen: set[str] = set()
        for column in ("phone", "sms"):
            value = row.get(column)
            if not value:
                continue
            number = normalize_phone(value)
            if number is None:
                self.problem("users.csv", row.line, f"invalid phone number in {column}: {value!r}")
                continue
            if number in seen:
                continue
            seen.add(number)
            district = person.kind == PersonKind.STAFF and column == "phone"
            self.batch.accounts.append(Account(number, "phone", person.id, district))

    def link_guardians(self, agents: list[tuple[str, list[str]]]) -> None:
        """agentSourcedIds point both ways: a student lists guardians, a guardian lists students."""
        for sid, agent_ids in agents:
            me = self.people[sid]
            for aid in agent_ids:
                other = self.people.get(aid)
                if other is None:
                    self.problem("users.csv", 0, f"user {sid!r} names unknown agent {aid!r}")
                elif me.kind == PersonKind.GUARDIAN and other.kind == PersonKind.STUDENT:
                    _add_once(me.guardian_of, aid)
                elif me.kind == PersonKind.STUDENT and other.kind == PersonKind.GUARDIAN:
                    _add_once(other.guardian_of, sid)

    def finish_emails(self) -> None:
        staff_domains = Counter(
            d
            for address, pid, _, _ in self.emails
            if self.people[pid].kind == PersonKind.STAFF and (d := email_domain(address))
        )
        if staff_domains:
            top = staff_domains.most_common(1)[0][0]
            # Student mail often lives on a sub-domain (students.district.org): also district.
            every = {email_domain(a) for a, _, _, _ in self.emails}
            self.batch.district_domains = {top} | {d for d in every if d and d.endswith("." + top)}
        owners: dict[str, str] = {}
        for address, pid, line, name in self.emails:
            domain = email_domain(address)
            if domain is None:
                self.problem(name, line, f"invalid email address {address!r}")
                continue
            if address in owners:
                self.problem(name, line, f"email {address!r} already belongs to user {owners[address]!r}")
                continue
            owners[address] = pid
            district = domain in self.batch.district_domains
            self.batch.accounts.append(Account(address, "email", pid, district))

    def read_demographics(self) -> None:
        for row in self.rows("demographics.csv", ("sourcedid",)):
            person = self.people.get(row.get("sourcedid"))
            if person is None:
                self.problem("demographics.csv", row.line, f"unknown user {row.get('sourcedid')!r}")
                continue
            value = row.get("birthdate")
            if not value:
                continue
            try:
                person.birth_date = parse_date(value)
            except ValueError:
                self.problem("demographics.csv", row.line, f"bad birthDate {value!r}")

    def read_classes(self) -> None:
        for row in self.rows("classes.csv", ("sourcedid", "title")):
            sid = row.get("sourcedid")
            if not sid:
                self.problem("classes.csv", row.line, "class without sourcedId")
                continue
            if row.get("status").lower() == "tobedeleted":
                self.deleted_classes.add(sid)
                continue
            school = row.get("schoolsourcedid") or None
            if school and self.orgs and school not in self.orgs:
                self.problem("classes.csv", row.line, f"class {sid!r} names unknown school {school!r}")
            self.groups[sid] = Group(id=sid, name=row.get("title"), kind="class", building_id=school)

    def read_enrollments(self) -> None:
        for row in self.rows("enrollments.csv", ("classsourcedid", "usersourcedid", "role")):
            if row.get("status").lower() == "tobedeleted" or row.get("classsourcedid") in self.deleted_classes:
                continue
            group = self.groups.get(row.get("classsourcedid"))
            role = ENROLLMENT_ROLES.get(row.get("role").lower())
            if group is None:
                self.problem("enrollments.csv", row.line, f"unknown class {row.get('classsourcedid')!r}")
            elif row.get("usersourcedid") not in self.people:
                self.problem("enrollments.csv", row.line, f"unknown user {row.get('usersourcedid')!r}")
            elif role is None:
                self.problem("enrollments.csv", row.line, f"unknown enrollment role {row.get('role')!r}")
            else:
                group.members[row.get("usersourcedid")] = role

    def check_sessions_and_courses(self) -> None:
        for row in self.rows("academicSessions.csv", ("sourcedid", "title", "startdate", "enddate")):
            for column in ("startdate", "enddate"):
                try:
                    parse_date(row.get(column))
                except ValueError:
                    self.problem("academicSessions.csv", row.line, f"bad {column} {row.get(column)!r}")
        for row in self.rows("courses.csv", ("sourcedid", "title")):
            if not row.get("sourcedid"):
                self.problem("courses.csv", row.line, "course without sourcedId")


def _roles_in_row(row: CsvRow) -> _UserRoles:
    """Roles written on the users.csv row: 1.1 `role`, or a `roles` cell that REST-style
    exports fill with a JSON list ([{"role": "teacher", "org": {"sourcedId": ...}}])."""
    out = _UserRoles()
    if row.get("role"):
        out.roles.append(row.get("role").lower())
    cell = row.get("roles")
    if not cell:
        return out
    try:
        parsed = json.loads(cell)
    except ValueError:
        found = re.findall(r"role\"?\s*[:=]\s*\"?([A-Za-z]+)", cell) or split_list(cell, ",;|")
        out.roles += [r.lower() for r in found]
        return out
    for entry in parsed if isinstance(parsed, list) else [parsed]:
        if isinstance(entry, str):
            out.roles.append(entry.lower())
        elif isinstance(entry, dict) and isinstance(entry.get("role"), str):
            out.roles.append(entry["role"].lower())
            org = entry.get("org") or entry.get("orgSourcedId")
            org_id = org.get("sourcedId") if isinstance(org, dict) else org
            if isinstance(org_id, str) and org_id:
                out.orgs.append(org_id)
    return out


def _add_once(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)

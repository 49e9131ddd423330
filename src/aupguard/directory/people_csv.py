"""The people CSV: what rosters and Workspace lack (volunteers, personal phones and emails,
social handles, coaches and sponsors, teams and clubs, principals). Layout: docs/directory.md.

One file holds people, buildings (kind=building) and groups (kind=group). Only `id` and `kind`
are required; a cell left empty changes nothing, so a short row can add one phone number to a
person the roster already knows.
"""

from __future__ import annotations

from pathlib import Path

from aupguard.directory.addresses import email_domain, normalize_email, normalize_handle, normalize_phone
from aupguard.directory.batch import DirectoryBatch, ImportProblem
from aupguard.directory.csv_rows import CsvRow, parse_date, read_rows, split_list
from aupguard.exportfiles import open_text
from aupguard.model import Account, Building, Group, Person, PersonKind

PERSON_KINDS = {k.value: k for k in PersonKind}
GROUP_KINDS = {"team", "club", "class"}
GROUP_ROLES = {"coach", "sponsor", "student", "guardian", "teacher"}


def read_people_csv(path: str | Path) -> DirectoryBatch:
    path = Path(path)
    reader = _PeopleReader(DirectoryBatch(source=str(path)), str(path))
    try:
        stream = open_text(path)
    except OSError as exc:
        reader.problem(0, f"cannot open people CSV: {exc}")
        return reader.batch
    with stream:
        rows = list(read_rows(stream, str(path), reader.batch.problems, ("id", "kind")))
    reader.batch.rows_read = len(rows)
    reader.read(rows)
    return reader.batch


class _PeopleReader:
    def __init__(self, batch: DirectoryBatch, file: str) -> None:
        self.batch = batch
        self.file = file
        self.people: dict[str, Person] = {}
        self.buildings: dict[str, Building] = {}
        self.groups: dict[str, Group] = {}

    def problem(self, line: int, reason: str) -> None:
        self.batch.problems.append(ImportProblem(self.file, line, reason))

    def read(self, rows: list[CsvRow]) -> None:
        # Buildings and groups first: person rows refer to them wherever they sit in the file.
        for row in rows:
            kind = row.get("kind").lower()
            if not row.get("id"):
                self.problem(row.line, "row without id")
            elif kind == "building":
                self.add_building(row)
            elif kind == "group":
                self.add_group(row)
            elif kind not in PERSON_KINDS:
                self.problem(row.line, f"unknown kind {row.get('kind')!r}")
        for row in rows:
            if row.get("id") and row.get("kind").lower() in PERSON_KINDS:
                self.add_person(row)
        self.batch.people = list(self.people.values())
        self.batch.buildings = list(self.buildings.values())
        self.batch.groups = list(self.groups.values())

    def add_building(self, row: CsvRow) -> None:
        if row.get("id") in self.buildings:
            self.problem(row.line, f"duplicate building id {row.get('id')!r}")
            return
        self.buildings[row.get("id")] = Building(id=row.get("id"), name=row.get("given_name"))

    def add_group(self, row: CsvRow) -> None:
        gid, kind = row.get("id"), row.get("title").lower()
        if gid in self.groups:
            self.problem(row.line, f"duplicate group id {gid!r}")
            return
        if kind not in GROUP_KINDS:
            self.problem(row.line, f"group {gid!r}: title must be the group kind (team/club), got {kind!r}")
            return
        buildings = split_list(row.get("buildings"))
        self.groups[gid] = Group(gid, row.get("given_name"), kind, buildings[0] if buildings else None)

    def building(self, bid: str) -> Building:
        """A building defined in this file, or a partial one (empty name: the store keeps the
        name an earlier import gave) for a building the roster defines."""
        return self.buildings.setdefault(bid, Building(id=bid, name=""))

    def add_person(self, row: CsvRow) -> None:
        pid = row.get("id")
        if pid in self.people:
            self.problem(row.line, f"duplicate person id {pid!r}")
            return
        person = Person(
            id=pid,
            kind=PERSON_KINDS[row.get("kind").lower()],
            given_name=row.get("given_name"),
            family_name=row.get("family_name"),
            preferred_name=row.get("preferred_name") or None,
            title=row.get("title") or None,
            roles=[r.lower() for r in split_list(row.get("roles"))],
            building_ids=split_list(row.get("buildings")),
            home_address=row.get("home_address") or None,
            identifier=row.get("identifier") or None,
            guardian_of=split_list(row.get("guardian_of")),
        )
        if row.get("birth_date"):
            try:
                person.birth_date = parse_date(row.get("birth_date"))
            except ValueError:
                self.problem(row.line, f"bad birth_date {row.get('birth_date')!r}")
        self.people[pid] = person
        if "principal" in person.roles:
            for bid in person.building_ids:
                b = self.building(bid)
                if pid not in b.principal_ids:
                    b.principal_ids.append(pid)
        self.add_memberships(row, pid)
        self.add_accounts(row, pid)

    def add_memberships(self, row: CsvRow, pid: str) -> None:
        for entry in split_list(row.get("groups")):
            gid, _, role = entry.partition("=")
            gid, role = gid.strip(), role.strip().lower()
            if role not in GROUP_ROLES:
                self.problem(row.line, f"group membership {entry!r}: role must be one of {sorted(GROUP_ROLES)}")
                continue
            # A group the roster defines gets a partial record (empty name/kind keep the stored ones).
            group = self.groups.setdefault(gid, Group(id=gid, name="", kind=""))
            group.members[pid] = role

    def add_accounts(self, row: CsvRow, pid: str) -> None:
        for column, district in (("district_email", True), ("personal_email", False)):
            for value in split_list(row.get(column)):
                address = normalize_email(value)
                domain = email_domain(address)
                if domain is None:
                    self.problem(row.line, f"invalid email in {column}: {value!r}")
                    continue
                if district:
                    self.batch.district_domains.add(domain)
                self.batch.accounts.append(Account(address, "email", pid, district))
        for column, district in (("district_phone", True), ("personal_phone", False)):
            for value in split_list(row.get(column)):
                number = normalize_phone(value)
                if number is None:
                    self.problem(row.line, f"invalid phone in {column}: {value!r}")
                    continue
                self.batch.accounts.append(Account(number, "phone", pid, district))
        for value in split_list(row.get("handles")):
            platform, sep, handle = value.partition(":")
            if not sep or not platform.strip() or not handle.strip().lstrip("@"):
                self.problem(row.line, f"handle {value!r} is not platform:handle")
                continue
            address = normalize_handle(platform, handle)
            self.batch.accounts.append(Account(address, "handle", pid, False, platform.strip().lower()))

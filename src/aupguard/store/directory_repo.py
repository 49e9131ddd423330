"""Storing directory batches (re-import updates, never duplicates) and loading the index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from aupguard.directory.batch import DirectoryBatch, ImportProblem
from aupguard.directory.index import Directory
from aupguard.model import Account, Building, Group, Person, PersonKind
from aupguard.store import settings_repo
from aupguard.store.tables import accounts, buildings, group_members, groups, import_problems, people

_PERSON_FIELDS = [
    "kind", "given_name", "family_name", "preferred_name", "middle_name", "roles", "title",
    "building_ids", "identifier", "birth_date", "grade", "home_address", "guardian_of", "active",
]  # fmt: skip
_LIST_FIELDS = {"roles", "building_ids", "guardian_of"}


def _person_row(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind.value,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "preferred_name": p.preferred_name,
        "middle_name": p.middle_name,
        "roles": list(p.roles),
        "title": p.title,
        "building_ids": list(p.building_ids),
        "identifier": p.identifier,
        "birth_date": p.birth_date,
        "grade": p.grade,
        "home_address": p.home_address,
        "guardian_of": list(p.guardian_of),
        "active": p.active,
    }


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Fields the new export leaves empty keep their stored value; lists are unioned."""
    out: dict[str, Any] = {}
    for field in _PERSON_FIELDS:
        value = new[field]
        if field in _LIST_FIELDS:
            merged = list(old[field] or [])
            merged += [v for v in value if v not in merged]
            out[field] = merged
        elif field == "active":
            out[field] = value
        elif value in (None, ""):
            out[field] = old[field]
        else:
            out[field] = value
    return out


def _resolve_ids(conn: Connection, batch: DirectoryBatch) -> dict[str, str]:
    """Map batch person ids onto stored ids when a known account address says they are the same.

    Exports name people differently (OneRoster sourcedId, Workspace employee id or email); the
    shared district email address is what ties them together.
    """
    known = {
        row.address: row.person_id
        for row in conn.execute(
            select(accounts.c.address, accounts.c.person_id).where(
                accounts.c.address.in_([a.address for a in batch.accounts])
            )
        )
    }
    mapping: dict[str, str] = {}
    for acct in batch.accounts:
        stored = known.get(acct.address)
        if stored and stored != acct.person_id:
            mapping.setdefault(acct.person_id, stored)
    return mapping


def upsert(engine: Engine, batch: DirectoryBatch, importer: str) -> dict[str, int]:
    """Store a batch; returns counts of added and updated records."""
    now = datetime.now(UTC)
    counts = {"people_added": 0, "people_updated": 0, "accounts": 0, "groups": 0, "buildings": 0}
    with engine.begin() as conn:
        remap = _resolve_ids(conn, batch) if batch.accounts else {}
        pid = lambda x: remap.get(x, x)  # noqa: E731
        for b in batch.buildings:
            _upsert_building(conn, b)
            counts["buildings"] += 1
        for p in batch.people:
            row = _person_row(p)
            row["id"] = pid(p.id)
            row["guardian_of"] = [pid(s) for s in row["guardian_of"]]
            old = conn.execute(select(people).where(people.c.id == row["id"])).mappings().first()
            if old is None:
                conn.execute(people.insert().values(**row, updated_at=now))
                counts["people_added"] += 1
            else:
                merged = _merge(dict(old), row)
                if PersonKind(old["kind"]) != PersonKind.STAFF and row["kind"] == "staff":
                    merged["kind"] = old["kind"]  # a Workspace account doesn't make a student staff
                conn.execute(people.update().where(people.c.id == row["id"]).values(**merged, updated_at=now))
                counts["people_updated"] += 1
        known_people = set(conn.execute(select(people.c.id)).scalars())
        for a in batch.accounts:
            owner = pid(a.person_id)
            if owner not in known_people:
                batch.problems.append(
                    ImportProblem(batch.source, 0, f"account {a.address} names unknown person {owner!r}")
                )
                continue
            values = {"kind": a.kind, "person_id": owner, "district": a.district, "platform": a.platform}
            if conn.execute(select(accounts.c.address).where(accounts.c.address == a.address)).first():
                conn.execute(accounts.update().where(accounts.c.address == a.address).values(**values))
            else:
                conn.execute(accounts.insert().values(address=a.address, **values))
            counts["accounts"] += 1
        for g in batch.groups:
            _upsert_group(conn, g, pid, known_people, batch)
            counts["groups"] += 1
        if batch.district_domains:
            domains = set(settings_repo.get(conn, "district_domains", []))
            settings_repo.put(conn, "district_domains", sorted(domains | batch.district_domains))
        if batch.problems:
            conn.execute(
                import_problems.insert(),
                [
                    {"importer": importer, "file": p.file, "line": p.line, "reason": p.reason, "recorded_at": now}
                    for p in batch.problems
                ],
            )
    return counts


def _upsert_building(conn: Connection, b: Building) -> None:
    old = conn.execute(select(buildings).where(buildings.c.id == b.id)).mappings().first()
    if old is None:
        conn.execute(buildings.insert().values(id=b.id, name=b.name, principal_ids=list(b.principal_ids)))
        return
    principals = list(old["principal_ids"]) + [p for p in b.principal_ids if p not in old["principal_ids"]]
    conn.execute(
        buildings.update().where(buildings.c.id == b.id).values(name=b.name or old["name"], principal_ids=principals)
    )


def _upsert_group(conn: Connection, g: Group, pid: Any, known: set[str], batch: DirectoryBatch) -> None:
    old = conn.execute(select(groups).where(groups.c.id == g.id)).mappings().first()
    if old is None:
        conn.execute(groups.insert().values(id=g.id, name=g.name, kind=g.kind, building_id=g.building_id))
    else:
        conn.execute(
            groups.update()
            .where(groups.c.id == g.id)
            .values(
                name=g.name or old["name"], kind=g.kind or old["kind"], building_id=g.building_id or old["building_id"]
            )
        )
    for member, role in g.members.items():
        person = pid(member)
        if person not in known:
            batch.problems.append(ImportProblem(batch.source, 0, f"group {g.id} names unknown person {person!r}"))
            continue
        key = (group_members.c.group_id == g.id) & (group_members.c.person_id == person)
        if conn.execute(select(group_members.c.role).where(key)).first():
            conn.execute(group_members.update().where(key).values(role=role))
        else:
            conn.execute(group_members.insert().values(group_id=g.id, person_id=person, role=role))


def load(engine: Engine) -> Directory:
    """The whole directory as a read-only index for one scan."""
    with engine.connect() as conn:
        persons = [
            Person(
                id=r.id,
                kind=PersonKind(r.kind),
                given_name=r.given_name,
                family_name=r.family_name,
                preferred_name=r.preferred_name,
                middle_name=r.middle_name,
                roles=list(r.roles),
                title=r.title,
                building_ids=list(r.building_ids),
                identifier=r.identifier,
                birth_date=r.birth_date,
                grade=r.grade,
                home_address=r.home_address,
                guardian_of=list(r.guardian_of),
                active=r.active,
            )  # fmt: skip
            for r in conn.execute(select(people))
        ]
        blds = [Building(r.id, r.name, list(r.principal_ids)) for r in conn.execute(select(buildings))]
        grps = {r.id: Group(r.id, r.name, r.kind, r.building_id) for r in conn.execute(select(groups))}
        for r in conn.execute(select(group_members)):
            grps[r.group_id].members[r.person_id] = r.role
        accts = [
            Account(r.address, r.kind, r.person_id, r.district, r.platform) for r in conn.execute(select(accounts))
        ]
        domains = settings_repo.get(conn, "district_domains", [])
    # One picture of who is principal where, however the exports said it: a role in the people
    # CSV joins the building's list, and a building's listed principal holds the role and building.
    by_id = {b.id: b for b in blds}
    people_by_id = {p.id: p for p in persons}
    for p in persons:
        if "principal" in p.roles:
            for bid in p.building_ids:
                if bid in by_id and p.id not in by_id[bid].principal_ids:
                    by_id[bid].principal_ids.append(p.id)
    for b in blds:
        for pid in b.principal_ids:
            principal = people_by_id.get(pid)
            if principal is not None:
                if "principal" not in principal.roles:
                    principal.roles.append("principal")
                if b.id not in principal.building_ids:
                    principal.building_ids.append(b.id)
    return Directory.build(persons, blds, grps.values(), accts, domains)

"""The one-page posture summary: per clause, its posture rules with open and covered findings,
the people they concern (by building for training), and the latest import of each source kind.
Used by `aupguard posture` and by the console."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select

from aupguard.posture.kinds import POSTURE_SIGNAL_KINDS
from aupguard.store.posture_tables import posture_imports
from aupguard.store.tables import findings
from aupguard.workspace import Workspace

# Rules whose findings are listed with the people they concern per building.
BY_BUILDING = ("posture_training",)


def posture_rules(pack: Any) -> list[Any]:
    return [r for r in pack.active_rules() if set(r.detectors) & set(POSTURE_SIGNAL_KINDS)]


def summarize(ws: Workspace, person_ids: Collection[str] | None = None) -> dict[str, Any]:
    """The summary; with `person_ids`, counting only findings about those people (the console
    scopes a principal to the people of their buildings)."""
    pack = ws.current_pack()
    rules = posture_rules(pack)
    directory = ws.directory()
    ids = [r.id for r in rules]
    with ws.engine.connect() as conn:
        counted = select(findings.c.rule_id, findings.c.status, findings.c.person_id, func.count()).where(
            findings.c.rule_id.in_(ids)
        )
        if person_ids is not None:
            counted = counted.where(findings.c.person_id.in_(sorted(person_ids)))
        rows = conn.execute(counted.group_by(findings.c.rule_id, findings.c.status, findings.c.person_id)).all()
        imports = conn.execute(select(posture_imports).order_by(posture_imports.c.id)).mappings().all()
    status: dict[str, Counter[str]] = defaultdict(Counter)
    people: dict[str, set[str]] = defaultdict(set)
    buildings: dict[str, Counter[str]] = defaultdict(Counter)
    for rule_id, st, person_id, n in rows:
        status[rule_id][st] += n
        if person_id and st in ("open", "confirmed"):
            people[rule_id].add(person_id)
            person = directory.person(person_id)
            for b in (person.building_ids if person else []) or ["(no building)"]:
                name = directory.buildings[b].name if b in directory.buildings else b
                buildings[rule_id][name] += 1
    clauses: dict[str, dict[str, Any]] = {}
    for r in rules:
        clause_id = pack.canonical_clause_id(r.clause)
        entry = clauses.setdefault(clause_id, {"clause": clause_id, "text": pack.clause(clause_id).text, "rules": []})
        entry["rules"].append(
            {
                "rule": r.id,
                "title": r.title,
                "severity": str(r.severity),
                "open": status[r.id]["open"],
                "covered": status[r.id]["covered"],
                "confirmed": status[r.id]["confirmed"],
                "dismissed": status[r.id]["dismissed"],
                "people": len(people[r.id]),
                "by_building": dict(sorted(buildings[r.id].items())) if set(r.detectors) & set(BY_BUILDING) else {},
            }
        )
    latest: dict[str, dict[str, Any]] = {}
    for imp in imports:
        latest[imp["kind"]] = {
            "kind": imp["kind"],
            "imported_at": imp["imported_at"].isoformat(),
            "as_of": imp["as_of"].isoformat(),
            "paths": list(imp["paths"]),
            **dict(imp["counts"]),
        }
    return {"clauses": list(clauses.values()), "imports": list(latest.values())}

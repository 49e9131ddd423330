"""Dashboard figures: findings over time by clause and by building, open cases by age,
permissions expiring soon. A principal sees their buildings only."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aupguard.console import charts
from aupguard.console.auth import User
from aupguard.console.requests import expiring_soon
from aupguard.console.roles import Role
from aupguard.directory.index import Directory
from aupguard.model import Permission
from aupguard.store import findings_repo
from aupguard.store.tables import aware
from aupguard.workspace import Workspace

AGE_BUCKETS = [(7, "under 1 week"), (30, "1-4 weeks"), (90, "1-3 months"), (10**6, "over 3 months")]


@dataclass
class Dashboard:
    months: list[str]
    by_clause: dict[str, list[int]]
    by_building: list[tuple[str, int]]
    case_ages: list[tuple[str, int]]
    expiring: list[Permission]
    clause_chart: str
    building_chart: str
    age_chart: str


def _visible(user: User, directory: Directory, row: dict[str, Any]) -> bool:
    if user.role != Role.PRINCIPAL:
        return True
    person = directory.person(row["person_id"])
    return person is not None and bool(set(person.building_ids) & set(user.building_ids))


def build(ws: Workspace, user: User, directory: Directory, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    rows = [r for r in findings_repo.query_findings(ws.engine) if _visible(user, directory, r)]
    month_of = {r["id"]: (r["item_time"] or aware(r["created_at"]) or now).strftime("%Y-%m") for r in rows}
    months = sorted(set(month_of.values()))[-12:]
    top_level: Counter[str] = Counter(
        r["clause_id"].split("/")[0] + "/" + r["clause_id"].split("/")[1]
        if r["clause_id"].count("/")
        else r["clause_id"]
        for r in rows
    )
    by_clause: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
    for r in rows:
        m = month_of[r["id"]]
        if m in months:
            group = "/".join(r["clause_id"].split("/")[:2])
            by_clause[group][months.index(m)] += 1
    by_clause = {k: by_clause[k] for k in sorted(by_clause, key=lambda k: -top_level[k])}
    buildings: Counter[str] = Counter()
    for r in rows:
        person = directory.person(r["person_id"])
        names = [
            directory.buildings[b].name for b in (person.building_ids if person else []) if b in directory.buildings
        ]
        for name in names or ["(no building / unknown)"]:
            buildings[name] += 1
    open_by_person: dict[str, datetime] = {}
    for r in rows:
        if r["status"] == "open":
            key = r["person_id"] or "unattributed"
            created = aware(r["created_at"]) or now
            open_by_person[key] = min(open_by_person.get(key, created), created)
    ages: Counter[str] = Counter()
    for created in open_by_person.values():
        days = (now - created).days
        ages[next(label for limit, label in AGE_BUCKETS if days < limit)] += 1
    case_ages = [(label, ages[label]) for _, label in AGE_BUCKETS]
    by_building = sorted(buildings.items())
    return Dashboard(
        months,
        by_clause,
        by_building,
        case_ages,
        expiring_soon(ws.engine, now),
        charts.stacked_bars("Findings per month by clause", months, by_clause),
        charts.horizontal_bars("Findings by building", by_building),
        charts.horizontal_bars("Open cases by age", case_ages),
    )

"""`aupguard demo`: a workspace with the bundled sample district, scanned, with a summary."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from aupguard import config, scanning
from aupguard.archive import search
from aupguard.cli import app, err, out, state
from aupguard.model import Permission
from aupguard.posture.demo import import_demo_posture_summary
from aupguard.store import directory_repo, findings_repo, permissions_repo, settings_repo
from aupguard.workspace import Workspace


def demo_district_dir() -> Path:
    with as_file(files("aupguard.demo") / "district") as path:
        return Path(path)


def load_demo_district(ws: Workspace, district: Path) -> None:
    from aupguard.directory.google_workspace import read_workspace_users
    from aupguard.directory.oneroster import read_oneroster
    from aupguard.directory.people_csv import read_people_csv

    info = yaml.safe_load((district / "district.yaml").read_text(encoding="utf-8"))
    with ws.engine.begin() as conn:
        settings_repo.put(conn, "district_name", info.get("name", "Sample district"))
        domains = set(settings_repo.get(conn, "district_domains", [])) | set(info.get("domains", []))
        settings_repo.put(conn, "district_domains", sorted(domains))
    _record_permissions(ws, info.get("permissions", []))
    for importer, batch in (
        ("roster", read_oneroster(district / "roster")),
        ("accounts", read_workspace_users(district / "accounts" / "users.csv")[0]),
        ("people", read_people_csv(district / "people.csv")),
    ):
        directory_repo.upsert(ws.engine, batch, importer)
        if batch.problems:
            err.print(f"[yellow]{importer}: {len(batch.problems)} problem(s) in the sample data[/yellow]")


def _record_permissions(ws: Workspace, entries: list[dict[str, Any]]) -> None:
    """The sample district's consents, recorded once however often the demo runs."""
    known = {(p.kind, p.grantee_id, p.valid_from.date()) for p in permissions_repo.all_permissions(ws.engine)}
    for e in entries:
        start = datetime.combine(e["valid_from"], time(0), tzinfo=UTC)
        if (e["kind"], e["grantee"], start.date()) in known:
            continue
        end = datetime.combine(e["valid_until"], time(0), tzinfo=UTC) if e.get("valid_until") else None
        permissions_repo.add(
            ws.engine,
            Permission(
                e["kind"], e["grantee"], e["approver"], start, end, scope=e.get("scope", {}), reason=e.get("reason", "")
            ),  # fmt: skip
        )


@app.command()
def demo(
    workers: int | None = typer.Option(None, "--workers", help="Processes for the scan (default: CPU cores)."),
) -> None:
    """Create a workspace with the bundled sample district, scan its messages and summarize."""
    ws = Workspace.init(state.home)
    district = demo_district_dir()
    out.print(f"Workspace: [bold]{ws.root}[/bold]")
    out.print("Loading the sample district (Prairie Creek CSD: fictional people) ...")
    load_demo_district(ws, district)
    directory = ws.directory()
    out.print(f"  {len(directory.people)} people, {len(directory.buildings)} buildings, {len(directory.groups)} groups")
    out.print("Scanning its mail, texts and social posts ...")
    counts = scanning.scan(ws, [district / "messages"], workers=workers or config.workers())
    out.print(f"  {counts.items} items, {counts.errors} read errors, {counts.findings} findings "
              f"({counts.covered} covered) in {counts.stage_seconds.get('total', 0):.1f}s")  # fmt: skip
    out.print(import_demo_posture_summary(ws, district / "posture"))
    search.catch_up(ws.engine)  # ready for `aupguard archive search` and the console's search
    print_summary(ws)
    _print_demo_users(ws)
    out.print("\nNext steps:")
    out.print("  aupguard findings                  list findings (filters: --clause --person --building --status)")
    out.print("  aupguard show FINDING_ID           the message, the evidence, the clause and what covers it")
    out.print("  aupguard permit grant --help       record a consent; covered findings follow")
    out.print("  aupguard posture                   accounts, access and operations, per clause")
    out.print('  aupguard archive search WORDS --reason "..."   search the archive (audited)')
    out.print("  aupguard serve                     the review console on http://127.0.0.1:8000/")
    out.print(f"  (workspace: {ws.root}; set AUPGUARD_HOME or --home to use another)")


def _print_demo_users(ws: Workspace) -> None:
    """Console users for the sample district, one per role, with their one-time passwords."""
    from aupguard.console.demo_users import ensure_demo_users

    table = Table(title="Review console users (one-time passwords: each chooses their own at first sign-in)")
    for col in ("user", "role", "one-time password"):
        table.add_column(col)
    for username, role, password in ensure_demo_users(ws.engine):
        table.add_row(username, role, password or "(already set up; `aupguard users reset` gives a new one)")
    out.print(table)


def print_summary(ws: Workspace) -> None:
    rows = findings_repo.query_findings(ws.engine)
    directory = ws.directory()
    pack = ws.current_pack()
    by_clause: Counter[tuple[str, str]] = Counter((r["clause_id"], r["status"]) for r in rows)
    table = Table(title="Findings per clause")
    table.add_column("clause", no_wrap=True)
    table.add_column("text", no_wrap=True, overflow="ellipsis", max_width=70)
    for col in ("open", "covered", "other"):
        table.add_column(col, justify="right")
    for clause_id in sorted({c for c, _ in by_clause}):
        text = pack.clause(clause_id).text if pack.has_clause(clause_id) else ""
        other = sum(n for (c, s), n in by_clause.items() if c == clause_id and s not in ("open", "covered"))
        table.add_row(clause_id, text, str(by_clause[(clause_id, "open")]),
                      str(by_clause[(clause_id, "covered")]), str(other))  # fmt: skip
    out.print(table)
    by_building: Counter[str] = Counter()
    for r in rows:
        person = directory.person(r["person_id"])
        names = [
            directory.buildings[b].name for b in (person.building_ids if person else []) if b in directory.buildings
        ]
        for name in names or ["(no building / unknown sender)"]:
            by_building[name] += 1
    table = Table(title="Findings per building")
    table.add_column("building")
    table.add_column("findings", justify="right")
    for name, n in sorted(by_building.items()):
        table.add_row(name, str(n))
    out.print(table)

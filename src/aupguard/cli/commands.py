"""`aupguard init`, `findings`, `show` and `errors`."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text
from sqlalchemy import select

from aupguard.cli import app, err, fail, open_workspace, out, state
from aupguard.cli.output import FindingWriter, finding_json
from aupguard.cli.scan_cmd import Format, at_or_above
from aupguard.directory.addresses import normalize_address
from aupguard.directory.index import Directory
from aupguard.model import Channel, FindingStatus, Item, Severity
from aupguard.store import audit_repo, findings_repo, permissions_repo
from aupguard.store.tables import finding_events, items, scan_errors
from aupguard.workspace import Workspace


@app.command()
def init() -> None:
    """Create an empty workspace (database, archive folder, a copy of the default policy pack)."""
    ws = Workspace.init(state.home)
    out.print(f"Workspace ready at [bold]{ws.root}[/bold] (database: {ws.db_url.split('://')[0]}).")
    out.print("Next: `aupguard import roster PATH`, then `aupguard scan PATH`.")


def resolve_person(directory: Directory, value: str) -> list[str]:
    """Person ids for an id, an address (email/phone/handle) or a name; [] when nobody matches."""
    if value in directory.people:
        return [value]
    person = directory.person_at(normalize_address(value))
    if person:
        return [person.id]
    wanted = value.casefold()
    return [p.id for p in directory.people.values() if p.display_name.casefold() == wanted or
            f"{p.given_name} {p.family_name}".casefold() == wanted]  # fmt: skip


@app.command()
def findings(
    clause: str | None = typer.Option(None, help="Clause id, or a prefix such as 401.13R1/prohibited."),
    person: str | None = typer.Option(None, help="Person id, address or name."),
    building: str | None = typer.Option(None, help="Building id or name."),
    status: FindingStatus | None = typer.Option(None, help="open, covered, dismissed or confirmed."),
    severity: Severity | None = typer.Option(None, help="This severity or above."),
    rule: str | None = typer.Option(None, help="Rule id."),
    limit: int = typer.Option(200, help="At most this many (0: all)."),
    format: Format = typer.Option(Format.table, "--format", "-f"),
) -> None:
    """List stored findings, newest first, with filters."""
    ws = open_workspace()
    directory = ws.directory()
    person_ids: list[str] | None = None
    if person:
        person_ids = resolve_person(directory, person)
        if not person_ids:
            raise fail(f"nobody in the directory matches {person!r}")
    if building:
        bids = [b.id for b in directory.buildings.values() if building in (b.id, b.name)]
        if not bids:
            raise fail(f"no building {building!r}; known: {', '.join(sorted(directory.buildings)) or 'none'}")
        in_building = [p.id for p in directory.people.values() if set(p.building_ids) & set(bids)]
        person_ids = in_building if person_ids is None else [p for p in person_ids if p in in_building]
    rows = findings_repo.query_findings(
        ws.engine,
        clause=clause,
        person_ids=person_ids,
        status=status.value if status else None,
        severities=at_or_above(severity) if severity else None,
        rule=rule,
        limit=limit or None,
    )
    audit_repo.record(ws.engine, "findings.search", reason=None, filters={
        "clause": clause, "person": person, "building": building, "status": status and status.value,
        "severity": severity and severity.value, "rule": rule}, results=len(rows))  # fmt: skip
    writer = FindingWriter(format.value, out, table_limit=limit or 10**9)
    writer.write(rows)
    writer.finish(title=f"{len(rows)} findings")


def _highlighted(text: str, spans: list[tuple[int, int]]) -> Text:
    rich_text = Text(text)
    for start, end in spans:
        if 0 <= start < end <= len(text):
            rich_text.stylize("bold black on yellow", start, end)
    return rich_text


@app.command()
def show(
    finding: int = typer.Argument(..., help="Finding id (from `aupguard findings`)."),
    reason: str | None = typer.Option(None, help="Why you are opening it (written to the audit log)."),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """Show a finding: the item with the evidence highlighted, the clause, and what would cover it."""
    ws = open_workspace()
    rows = findings_repo.query_findings(ws.engine, ids=[finding])
    if not rows:
        raise fail(f"no finding {finding}")
    row = rows[0]
    audit_repo.record(ws.engine, "finding.view", target=f"finding:{finding}", reason=reason)
    with ws.engine.connect() as conn:
        item_row = conn.execute(select(items).where(items.c.id == row["item_id"])).first()
        events = conn.execute(
            select(finding_events).where(finding_events.c.finding_id == finding).order_by(finding_events.c.id)
        ).all()
    assert item_row is not None
    item = findings_repo.item_from_row(item_row)
    pack = ws.current_pack()
    clause = pack.clause(row["clause_id"]) if pack.has_clause(row["clause_id"]) else None
    rule = next((r for r in pack.rules if r.id == row["rule_id"]), None)
    kinds = list(rule.covered_by) if rule and rule.covered_by else []
    permission = permissions_repo.get(ws.engine, row["permission_id"]) if row["permission_id"] else None
    if format == Format.json:
        doc: dict[str, Any] = finding_json(row)
        doc["item_detail"] = {"channel": item.channel.value, "sender": item.sender, "recipients": item.recipients,
                              "subject": item.subject, "text": item.text}  # fmt: skip
        doc["clause_text"] = clause.text if clause else None
        doc["covered_by_kinds"] = kinds
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
        return
    directory = ws.directory()
    who = directory.person(row["person_id"])
    out.print(Panel.fit(
        f"[bold]Finding {finding}[/bold]  {row['severity']} · {row['status']} · rule {row['rule_id']}\n"
        f"About: {who.display_name + ' (' + who.id + ')' if who else row['person_id'] or 'unknown sender'}\n"
        f"Reviewer: {_name(directory, row['reviewer'])}\n"
        f"Source: {row['source'][0]} {row['source'][1]}".rstrip()
    ))  # fmt: skip
    when = item.sent_at.isoformat() if item.sent_at else "(undated)"
    out.print(f"[bold]{item.channel.value}[/bold] " + escape(f"{_who_to_whom(item)}  {when}"))
    spans = [(s.start, s.end) for s in row["evidence"]]
    out.print(Panel(_highlighted(item.text, spans), title="item (evidence highlighted)"))
    out.print("[bold]Evidence[/bold]")
    for s in row["evidence"]:
        where = f"[{s.start}:{s.end}]" if s.start >= 0 else "(metadata)"
        out.print(escape(f"  • {s.detector}/{s.kind} {where} score {s.score:.2f}: {s.text!r}\n    {s.explanation}"))
    if clause:
        out.print(Panel(clause.text, title=f"clause {clause.id}"))
    if permission:
        out.print(f"Covered by permission {permission.id} ({permission.kind}, approved by {permission.approver_id}).")
    elif kinds:
        names = ", ".join(f"{k} ({_approver(pack, k)})" for k in kinds)
        out.print(f"A permission of kind {names} granted to this person would cover it: `aupguard permit grant ...`")
    else:
        out.print("No permission can cover this rule: it goes to review.")
    if events:
        out.print("[bold]History[/bold]")
        for e in events:
            out.print(f"  {e.at:%Y-%m-%d %H:%M} {e.from_status or '-'} -> {e.to_status} by {e.actor}: {e.reason}")


def _who_to_whom(item: Item) -> str:
    """The head of an item shown: who wrote to whom; for an entry of a followers list, who
    follows whom (the list's owner is the item's sender, the follower its recipient)."""
    others = ", ".join(item.recipients) or "-"
    if item.channel == Channel.CONNECTION and item.meta.get("direction") == "follower":
        return f"{others} follows {item.sender} (the owner's followers list)"
    return f"from {item.sender or '(no sender)'} to {others}"


def _name(directory: Directory, ref: str | None) -> str:
    if not ref:
        return "-"
    p = directory.person(ref)
    return f"{p.display_name} ({p.id})" if p else ref


def _approver(pack: Any, kind: str) -> str:
    known = {k.id: k for k in pack.permission_kinds}
    return "approved by " + " or ".join(known[kind].approver_roles) if kind in known else "unknown kind"


@app.command()
def errors(limit: int = typer.Option(100, help="At most this many (0: all).")) -> None:
    """List input records that could not be read, with file, position and reason (those that
    still stand: a record a later scan reads, or a file it reads at all, drops its error)."""
    ws = open_workspace()
    with ws.engine.connect() as conn:
        q = select(scan_errors).order_by(scan_errors.c.id)
        if limit:
            q = q.limit(limit)
        rows = conn.execute(q).all()
    if not rows:
        err.print("No read errors recorded.")
    for r in rows:
        out.print(f"{r.source}{' ' + r.position if r.position else ''}: {r.reason}", markup=False)

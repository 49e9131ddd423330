"""`aupguard archive`: verify the hash chain, anchor its head, search and open archived items."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from aupguard.archive import chain, search
from aupguard.archive.verify import verify as verify_archive
from aupguard.cli import app, err, fail, open_workspace, out
from aupguard.cli.commands import resolve_person
from aupguard.cli.scan_cmd import parse_when
from aupguard.directory.index import Directory
from aupguard.model import Channel
from aupguard.store import audit_repo
from aupguard.workspace import Workspace

archive_app = typer.Typer(help="Tamper evidence, search and inspection of the archive.", no_args_is_help=True)
app.add_typer(archive_app, name="archive")


@archive_app.command("verify")
def verify(
    anchor: Path | None = typer.Option(
        None, help="A head written by `archive anchor`: check the chain still holds it."
    ),
    skip_blobs: bool = typer.Option(False, "--skip-blobs", help="Do not read the blobs (rows and chain only; faster)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Recompute the chain, every item row, every blob and the audit log; name the first broken link.

    Exit status 0 when everything agrees, 1 when something was changed behind aupguard's back."""
    ws = open_workspace()
    anchored = _read_anchor(anchor) if anchor else None
    report = verify_archive(ws.engine, None if skip_blobs else ws.blobs, anchor=anchored)
    audit_repo.record(
        ws.engine,
        "archive.verify",
        target="archive",
        ok=report.ok,
        problems=len(report.problems),
        head=report.head.as_dict(),
    )
    if json_out:
        out.print_json(data=report.as_dict())
    else:
        out.print(
            f"{report.links} links, {report.items} items, {report.blobs_checked} blobs, "
            f"{report.audit_entries} audit entries, {report.tombstones} tombstones; "
            f"head #{report.head.seq} {report.head.hash}"
        )
        first = report.first_broken
        if first is None:
            out.print("[green]ok[/green]: everything recomputes")
        else:
            where = f"link #{first.seq}" if first.seq is not None else "outside the chain"
            out.print(f"[red]first broken link[/red]: {where}: {first.message}")
            for p in report.problems[:50]:
                out.print(f"  {p.kind}: {p.message}")
            if len(report.problems) > 50:
                out.print(f"  ... and {len(report.problems) - 50} more (--json lists them all)")
    if not report.ok:
        raise typer.Exit(1)


def _read_anchor(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        int(data["seq"]), str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"{path} is not an anchor written by `aupguard archive anchor`: {exc}") from exc
    return dict(data)


@archive_app.command("anchor")
def anchor(
    out_file: Path | None = typer.Option(
        None, "--out", help="Write the head to this file (JSON) instead of printing it."
    ),
) -> None:
    """Print or write the chain head, to keep outside the system (board minutes, a timestamp service).

    `archive verify --anchor FILE` later shows whether anything before it was rewritten."""
    ws = open_workspace()
    with ws.engine.connect() as conn:
        head = chain.head(conn)
    data = {"workspace": str(ws.root), **head.as_dict()}
    text = json.dumps(data, indent=2)
    if out_file:
        out_file.write_text(text + "\n", encoding="utf-8")
        err.print(f"head #{head.seq} written to {out_file}")
    else:
        out.print(text, markup=False, highlight=False)
    audit_repo.record(
        ws.engine, "archive.anchor", target=f"link:{head.seq}", hash=head.hash, file=str(out_file) if out_file else None
    )


def build_query(
    ws: Workspace,
    directory: Directory,
    text: str,
    person: str | None,
    building: str | None,
    since: str | None,
    until: str | None,
    channel: Channel | None,
    clause: str | None,
    has_finding: bool | None,
    limit: int,
) -> search.SearchQuery:
    """The CLI's filters as a SearchQuery (shared with `request scope` and `hold add`)."""
    q = search.SearchQuery(
        text=text,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        channel=channel.value if channel else None,
        clause=clause,
        has_finding=has_finding,
        limit=limit,
    )
    with ws.engine.connect() as conn:
        if person:
            ids = resolve_person(directory, person)
            addresses = search.addresses_of_people(conn, ids) if ids else []
            if "@" in person or person.startswith("+"):
                addresses.append(person.lower())  # an address nobody in the directory holds
            if not addresses:
                raise fail(f"--person {person!r}: no such person or address in the directory")
            q.addresses, q.described["person"] = addresses, ids or person
        if building:
            match = [b.id for b in directory.buildings.values() if building in (b.id, b.name)]
            if not match:
                raise fail(f"--building {building!r}: no such building")
            members = search.people_in_building(conn, match[0])
            found = search.addresses_of_people(conn, members)
            q.addresses = sorted(set(found) & set(q.addresses)) if q.addresses is not None else found
            q.described["building"] = match[0]
    return q


@archive_app.command("search")
def search_cmd(
    text: str = typer.Argument("", help='Words (ANDed), "a phrase", OR, -exclude.'),
    reason: str = typer.Option(..., help="Why you search (recorded in the audit log with what was found)."),
    person: str | None = typer.Option(None, help="Sent by or to this person (id, address or name)."),
    building: str | None = typer.Option(None, help="Sent by or to anyone in this building (id or name)."),
    since: str | None = typer.Option(None, help="Sent on or after (date or date-time)."),
    until: str | None = typer.Option(None, help="Sent before (date or date-time, exclusive)."),
    channel: Channel | None = typer.Option(None, help="email, text, post, connection or log."),
    clause: str | None = typer.Option(None, help="Items with a finding citing this clause (or one under it)."),
    has_finding: bool | None = typer.Option(
        None, "--has-finding/--no-finding", help="Only items with / without findings."
    ),
    limit: int = typer.Option(50, help="At most this many, newest first."),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines, one item per line."),
) -> None:
    """Search the archive (full text and filters); the search is audited."""
    ws = open_workspace()
    q = build_query(ws, ws.directory(), text, person, building, since, until, channel, clause, has_finding, limit)
    try:
        hits = search.audited_search(ws.engine, q, actor=audit_repo.current_actor(), reason=reason)
    except search.SearchError as exc:
        raise fail(str(exc)) from exc
    if json_out:
        for h in hits:
            row = {
                "item_id": h.item_id,
                "sent_at": h.sent_at.isoformat() if h.sent_at else None,
                "channel": h.channel,
                "sender": h.sender,
                "subject": h.subject,
                "snippet": h.snippet,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table("item", "sent", "channel", "from", "subject / text")
    for h in hits:
        table.add_row(
            h.item_id[:12],
            h.sent_at.strftime("%Y-%m-%d %H:%M") if h.sent_at else "",
            h.channel,
            h.sender or "",
            h.subject or h.snippet[:80],
        )
    out.print(table)
    err.print(f"{len(hits)} items" + (" (limit reached)" if len(hits) == limit else ""))


@archive_app.command("open")
def open_item(
    item: str = typer.Argument(..., help="Item id (or its first 12 or more characters)."),
    reason: str = typer.Option(..., help="Why you open it (recorded in the audit log)."),
    raw: bool = typer.Option(False, "--raw", help="Write the original bytes to stdout."),
) -> None:
    """Print an archived item (original bytes with --raw); the opening is audited."""
    from sqlalchemy import select

    from aupguard.store.tables import items

    ws = open_workspace()
    if len(item) < 12:
        raise fail("give at least 12 characters of the item id")
    with ws.engine.connect() as conn:
        ids = list(conn.scalars(select(items.c.id).where(items.c.id.like(f"{item}%")).limit(2)))
    if len(ids) != 1:
        raise fail(f"{item!r} matches {len(ids)} items")
    audit_repo.record(ws.engine, "archive.open", target=f"item:{ids[0]}", reason=reason, raw=raw)
    data = ws.blobs.get(ids[0])
    if raw:
        sys.stdout.buffer.write(data)
    else:
        out.print(data.decode("utf-8", "replace"), markup=False, highlight=False)


@archive_app.command("adopt")
def adopt() -> None:
    """Chain items stored before the records migration (they are reported as unchained until then)."""
    from sqlalchemy import select

    from aupguard.store.records_tables import archive_entries
    from aupguard.store.tables import items

    ws = open_workspace()
    added = 0
    with ws.engine.begin() as conn:
        unchained = (
            select(items)
            .select_from(items.outerjoin(archive_entries, archive_entries.c.item_id == items.c.id))
            .where(archive_entries.c.item_id.is_(None))
        )
        rows = [dict(r) for r in conn.execute(unchained).mappings()]
        for start in range(0, len(rows), 1000):
            added += len(chain.record_items(conn, rows[start : start + 1000]))
    audit_repo.record(ws.engine, "archive.adopt", target="archive", items=added)
    out.print(f"{added} items added to the chain")


@archive_app.command("reindex")
def reindex() -> None:
    """Rebuild the full-text search indexes from the items (when `archive verify` says they drifted)."""
    ws = open_workspace()
    search.rebuild_index(ws.engine)
    audit_repo.record(ws.engine, "archive.reindex", target="archive")
    out.print("search indexes rebuilt")


@archive_app.command("index")
def index() -> None:
    """Index items stored since the last search now (a search does it first anyway; run it after a
    large scan so the first search is quick)."""
    ws = open_workspace()
    done = search.catch_up(ws.engine)
    out.print(f"{done} items indexed")

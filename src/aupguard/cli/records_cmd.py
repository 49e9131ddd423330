"""`aupguard request | retention | hold | dispose`: public-records requests and the records schedule."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import select

from aupguard.cli import app, fail, open_workspace, out
from aupguard.cli.archive_cmd import build_query
from aupguard.cli.commands import resolve_person
from aupguard.cli.scan_cmd import parse_when
from aupguard.model import Channel
from aupguard.records import codes, disposition, holds, package, requests, retention
from aupguard.store import audit_repo
from aupguard.store.records_tables import calendar_days, redactions, request_items
from aupguard.workspace import Workspace

request_app = typer.Typer(
    help="Public-records requests (Iowa Code chapter 22): clock, scope, decisions, release.", no_args_is_help=True
)
retention_app = typer.Typer(
    help="Retention classes (never below their floors) and each item's class.", no_args_is_help=True
)
hold_app = typer.Typer(help="Legal holds: suspend disposal by person, date range, query or case.", no_args_is_help=True)
dispose_app = typer.Typer(
    help="Disposition: propose items past retention; another person approves.", no_args_is_help=True
)
app.add_typer(request_app, name="request")
app.add_typer(retention_app, name="retention")
app.add_typer(hold_app, name="hold")
app.add_typer(dispose_app, name="dispose")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _actor() -> str:
    return audit_repo.current_actor()


def _guard(exc: Exception) -> typer.Exit:
    return fail(str(exc))


def _request_item(ws: Workspace, request_id: int, prefix: str) -> str:
    with ws.engine.connect() as conn:
        ids = list(
            conn.scalars(
                select(request_items.c.item_id)
                .where(request_items.c.request_id == request_id, request_items.c.item_id.like(f"{prefix}%"))
                .limit(2)
            )
        )
    if len(ids) != 1:
        raise fail(f"{prefix!r} matches {len(ids)} items of request {request_id}")
    return ids[0]


# ----------------------------------------------------------------------------- request


@request_app.command("new")
def request_new(
    requester: str = typer.Option(..., help="Who asks (a name, an organisation, or 'anonymous'); no reason is needed."),
    channel: str = typer.Option(..., help="in_person, writing, phone or electronic."),
    description: str = typer.Option(..., help="What is asked for, in the requester's words."),
    received: str | None = typer.Option(None, help="Day 0: the receipt date (default today)."),
    contact: str | None = typer.Option(None, help="How to reach the requester."),
) -> None:
    """Log a request on receipt and print its deadlines."""
    ws = open_workspace()
    try:
        rid = requests.intake(
            ws.engine,
            requester=requester,
            channel=channel,
            description=description,
            received_on=_day(received, "--received") or date.today(),
            actor=_actor(),
            contact=contact,
        )
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    state = requests.status(ws.engine, rid)
    out.print(
        f"request {rid} logged; acknowledge by {state['deadlines']['acknowledge_by']}, "
        f"decide confidentiality by {state['deadlines']['decide_by']}"
    )


@request_app.command("list")
def request_list() -> None:
    """Open requests, oldest first, with what is due."""
    ws = open_workspace()
    table = Table("id", "received", "requester", "status", "decide by", "alerts")
    for r in requests.list_open(ws.engine):
        state = requests.status(ws.engine, r.id)
        table.add_row(
            str(r.id),
            r.received_on.isoformat(),
            r.requester,
            r.status,
            state["deadlines"]["decide_by"],
            "; ".join(state["alerts"]),
        )
    out.print(table)


@request_app.command("show")
def request_show(
    request_id: int = typer.Argument(...),
    today: str | None = typer.Option(None, help="Judge the deadlines as of this day (default today)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Deadlines, alerts, decisions so far and redactions to decide."""
    ws = open_workspace()
    try:
        state = requests.status(ws.engine, request_id, _day(today, "--today"))
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    audit_repo.record(ws.engine, "request.view", target=f"request:{request_id}")
    if json_out:
        out.print_json(data=state)
        return
    out.print(
        f"request {state['id']} from {state['requester']} ({state['channel']}), received {state['received_on']}: "
        f"{state['description']}"
    )
    out.print(
        f"status {state['status']}; {state['business_days_elapsed']} business days elapsed; deadlines: "
        + ", ".join(f"{k} {v}" for k, v in state["deadlines"].items() if k != "received_on")
    )
    out.print(f"items: {state['items'] or 'none yet'}; redactions to decide: {state['redactions_to_decide']}")
    for alert in state["alerts"]:
        out.print(f"[yellow]![/yellow] {alert}")


@request_app.command("ack")
def request_ack(request_id: int = typer.Argument(...), note: str = typer.Option("", help="What was sent.")) -> None:
    """Record the acknowledgement sent to the requester."""
    ws = open_workspace()
    try:
        requests.acknowledge(ws.engine, request_id, actor=_actor(), note=note)
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(f"request {request_id} acknowledged")


@request_app.command("estimate")
def request_estimate(
    request_id: int = typer.Argument(...),
    minutes: int = typer.Option(..., help="Staff time the work takes."),
    rate: float = typer.Option(..., help="Actual hourly cost of the staff doing it, in dollars."),
    pages: int = typer.Option(0, help="Copies."),
    per_page: float = typer.Option(0.0, help="Cost per copied page, in dollars."),
) -> None:
    """Record the fee estimate given to the requester (free under 30 minutes except copies)."""
    ws = open_workspace()
    try:
        fee = requests.estimate(
            ws.engine,
            request_id,
            minutes=minutes,
            hourly_rate_cents=round(rate * 100),
            pages=pages,
            per_page_cents=round(per_page * 100),
            actor=_actor(),
        )
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(f"fee estimate for request {request_id}: ${fee / 100:.2f}")


@request_app.command("extend")
def request_extend(
    request_id: int = typer.Argument(...),
    until: str = typer.Option(..., help="The later decision date the requester agreed to."),
    reason: str = typer.Option(..., help="The requester's written agreement (where it is kept)."),
) -> None:
    """Record the requester's written agreement to a later decision date."""
    ws = open_workspace()
    day = _day(until, "--until")
    assert day is not None
    try:
        requests.extend(ws.engine, request_id, day, actor=_actor(), reason=reason)
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(f"request {request_id}: decision due by {day}")


@request_app.command("scope")
def request_scope(
    request_id: int = typer.Argument(...),
    text: str = typer.Argument("", help='Words (ANDed), "a phrase", OR, -exclude.'),
    person: str | None = typer.Option(None, help="Sent by or to this person (id, address or name)."),
    building: str | None = typer.Option(None, help="Sent by or to anyone in this building."),
    since: str | None = typer.Option(None, help="Sent on or after."),
    until: str | None = typer.Option(None, help="Sent before (exclusive)."),
    channel: Channel | None = typer.Option(None),
    clause: str | None = typer.Option(None),
) -> None:
    """Add the items a search finds to the request and propose roster redactions (audited)."""
    ws = open_workspace()
    directory = ws.directory()
    q = build_query(ws, directory, text, person, building, since, until, channel, clause, None, 0)
    try:
        result = requests.set_scope(ws.engine, directory, request_id, q, actor=_actor())
    except (requests.RequestError, ValueError) as exc:
        raise _guard(exc) from exc
    out.print(
        f"{result['found']} items found, {result['added']} added; {result['proposed_redactions']} redactions proposed"
    )


@request_app.command("redactions")
def request_redactions(request_id: int = typer.Argument(...)) -> None:
    """Redactions of a request: proposed, confirmed and rejected."""
    ws = open_workspace()
    audit_repo.record(ws.engine, "request.redactions.view", target=f"request:{request_id}")
    table = Table("id", "item", "text", "what", "code", "status", "by")
    with ws.engine.connect() as conn:
        for r in conn.execute(
            select(redactions).where(redactions.c.request_id == request_id).order_by(redactions.c.id)
        ):
            table.add_row(str(r.id), r.item_id[:12], r.text, r.kind, r.code, r.status, r.decided_by or r.proposed_by)
    out.print(table)


@request_app.command("redaction")
def request_redaction(
    redaction_id: int = typer.Argument(...),
    confirm: bool = typer.Option(..., "--confirm/--reject", help="Confirm or reject a proposed redaction."),
) -> None:
    """Confirm or reject one proposed redaction."""
    ws = open_workspace()
    try:
        requests.decide_redaction(ws.engine, redaction_id, confirm, actor=_actor())
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(f"redaction {redaction_id} {'confirmed' if confirm else 'rejected'}")


@request_app.command("redact")
def request_redact(
    request_id: int = typer.Argument(...),
    item: str = typer.Argument(..., help="Item id (12 or more characters)."),
    text: str = typer.Option(..., help="The text to redact (every occurrence in the item)."),
    code: str = typer.Option(..., help=f"Legal basis: {', '.join(codes.CODES)}."),
    kind: str = typer.Option(..., help="What it is, without saying it (goes into the redaction log)."),
    why: str = typer.Option("", help="Your note (kept internally)."),
) -> None:
    """Add a redaction by hand."""
    ws = open_workspace()
    try:
        rid = requests.add_redaction(
            ws.engine, request_id, _request_item(ws, request_id, item), text, code, actor=_actor(), kind=kind, why=why
        )
    except ValueError as exc:
        raise _guard(exc) from exc
    out.print(f"redaction {rid} added")


@request_app.command("decide")
def request_decide(
    request_id: int = typer.Argument(...),
    item: str = typer.Argument(..., help="Item id (12 or more characters)."),
    decision: str = typer.Argument(..., help="release, redact or withhold."),
    code: str | None = typer.Option(None, help=f"Legal basis for redact/withhold: {', '.join(codes.CODES)}."),
    note: str | None = typer.Option(None),
) -> None:
    """Decide one item: release, redact or withhold (with a legal basis code)."""
    ws = open_workspace()
    try:
        requests.decide_item(
            ws.engine, request_id, _request_item(ws, request_id, item), decision, actor=_actor(), code=code, note=note
        )
    except ValueError as exc:
        raise _guard(exc) from exc
    out.print(f"{item[:12]}: {decision}" + (f" ({code})" if code else ""))


@request_app.command("package")
def request_package(
    request_id: int = typer.Argument(...),
    out_file: Path = typer.Option(..., "--out", help="The ZIP to write."),
) -> None:
    """Write the release package: redacted PDFs, manifest with hashes, redaction log."""
    ws = open_workspace()
    try:
        result = package.build(ws.engine, request_id, out_file, actor=_actor())
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(
        f"{out_file}: {result.released} documents, {result.withheld} withheld, {result.redactions} redaction entries"
    )


@request_app.command("close")
def request_close(request_id: int = typer.Argument(...), note: str = typer.Option("")) -> None:
    """Close a request (its items are no longer held by it)."""
    ws = open_workspace()
    try:
        requests.close(ws.engine, request_id, actor=_actor(), note=note)
    except requests.RequestError as exc:
        raise _guard(exc) from exc
    out.print(f"request {request_id} closed")


@request_app.command("calendar")
def request_calendar(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    closed: bool = typer.Option(..., "--closed/--open", help="The office is closed (not a business day) or open."),
    note: str = typer.Option("", help="Why (e.g. 'day after Thanksgiving')."),
) -> None:
    """Mark a day closed or open for the business-day clock (beyond the built-in Iowa holidays)."""
    ws = open_workspace()
    when = _day(day, "DAY")
    with ws.engine.begin() as conn:
        conn.execute(calendar_days.delete().where(calendar_days.c.day == when))
        conn.execute(calendar_days.insert().values(day=when, closed=closed, note=note))
        audit_repo.record_in(conn, "records.calendar", target=f"day:{when}", reason=note, closed=closed)
    out.print(f"{when}: {'closed' if closed else 'open'}")


# ----------------------------------------------------------------------------- retention


@retention_app.command("classes")
def retention_classes_cmd() -> None:
    """The retention classes, their periods and floors."""
    ws = open_workspace()
    with ws.engine.begin() as conn:
        known = retention.classes(conn)
    table = Table("class", "name", "keep (days)", "floor", "from", "basis")
    for c in known.values():
        keep = "never purged here" if c.no_purge else ("permanent" if c.days is None else str(c.days))
        table.add_row(c.id, c.name, keep, "permanent" if c.floor_days is None else str(c.floor_days), c.starts, c.basis)
    out.print(table)


@retention_app.command("set")
def retention_set(
    class_id: str = typer.Argument(...),
    days: int | None = typer.Option(None, help="New period in days (omit with --permanent)."),
    permanent: bool = typer.Option(False, "--permanent", help="Keep permanently."),
    reason: str = typer.Option(..., help="Why (e.g. the board policy that sets it)."),
) -> None:
    """Change a class's period; never below its floor."""
    if (days is None) != permanent:
        raise fail("give either --days N or --permanent")
    ws = open_workspace()
    try:
        retention.set_class_days(ws.engine, class_id, days, actor=_actor(), reason=reason)
    except retention.RetentionError as exc:
        raise _guard(exc) from exc
    out.print(f"{class_id}: {'permanent' if days is None else f'{days} days'}")


@retention_app.command("rule")
def retention_rule(
    match: str = typer.Option(..., help="channel, rule, clause or case."),
    value: str = typer.Option(..., help="e.g. email, a rule id, a clause id, or a finding status for case."),
    class_id: str = typer.Option(..., "--class", help="The class it gives."),
    reason: str = typer.Option(...),
) -> None:
    """Add a rule choosing a class (the longest applicable retention wins)."""
    ws = open_workspace()
    try:
        retention.add_rule(ws.engine, match, value, class_id, actor=_actor(), reason=reason)
    except retention.RetentionError as exc:
        raise _guard(exc) from exc
    out.print(f"{match}={value} -> {class_id}")


@retention_app.command("assign")
def retention_assign() -> None:
    """Give every item a class by the rules (items classed by hand are left alone)."""
    ws = open_workspace()
    counts = retention.assign(ws.engine, actor=_actor())
    out.print(f"{counts['assigned']} items classed, {counts['raised']} raised to a longer class")


@retention_app.command("reclassify")
def retention_reclassify(
    item_ids: list[str] = typer.Argument(..., help="Full item ids."),
    class_id: str = typer.Option(..., "--class"),
    reason: str = typer.Option(...),
) -> None:
    """Set the class of items by hand, with a recorded reason."""
    ws = open_workspace()
    try:
        n = retention.reclassify(ws.engine, item_ids, class_id, actor=_actor(), reason=reason)
    except retention.RetentionError as exc:
        raise _guard(exc) from exc
    out.print(f"{n} items now {class_id}")


# ----------------------------------------------------------------------------- holds


@hold_app.command("add")
def hold_add(
    name: str = typer.Option(..., help="The matter, e.g. 'Smith v. District'."),
    reason: str = typer.Option(...),
    person: str | None = typer.Option(None, help="Hold everything sent by or to this person (id, address or name)."),
    address: list[str] = typer.Option([], help="An address to hold (repeatable)."),
    since: str | None = typer.Option(None, help="Sent on or after."),
    until: str | None = typer.Option(None, help="Sent before (exclusive)."),
    query: str | None = typer.Option(None, help="Full-text query."),
    finding: list[int] = typer.Option([], help="A case: the finding ids under review (repeatable)."),
) -> None:
    """Place a legal hold (criteria combine: person AND dates AND query; a case's findings add)."""
    ws = open_workspace()
    person_id = None
    if person:
        ids = resolve_person(ws.directory(), person)
        if len(ids) != 1:
            raise fail(f"--person {person!r} matches {len(ids)} people")
        person_id = ids[0]
    try:
        hid = holds.add(
            ws.engine,
            name,
            reason=reason,
            actor=_actor(),
            person_id=person_id,
            addresses=address,
            date_from=parse_when(since, "--since"),
            date_until=parse_when(until, "--until"),
            query=query,
            finding_ids=finding,
        )
    except holds.HoldError as exc:
        raise _guard(exc) from exc
    out.print(f"hold {hid} placed")


@hold_app.command("list")
def hold_list() -> None:
    """Active holds."""
    ws = open_workspace()
    table = Table("id", "name", "person", "addresses", "from", "until", "query", "findings", "since")
    with ws.engine.connect() as conn:
        for h in holds.active(conn):
            table.add_row(
                str(h.id),
                h.name,
                h.person_id or "",
                ", ".join(h.addresses),
                str(h.date_from or ""),
                str(h.date_until or ""),
                h.query or "",
                ", ".join(map(str, h.finding_ids)),
                f"{h.created_at:%Y-%m-%d} by {h.created_by}",
            )
    out.print(table)


@hold_app.command("release")
def hold_release(
    hold_id: int = typer.Argument(...), reason: str = typer.Option(..., help="The recorded decision.")
) -> None:
    """Release a hold (a recorded decision)."""
    ws = open_workspace()
    try:
        holds.release(ws.engine, hold_id, actor=_actor(), reason=reason)
    except holds.HoldError as exc:
        raise _guard(exc) from exc
    out.print(f"hold {hold_id} released")


# ----------------------------------------------------------------------------- disposition


@dispose_app.command("propose")
def dispose_propose(
    as_of: str | None = typer.Option(None, help="Judge retention as of this date (default now)."),
) -> None:
    """Propose a batch of every item past retention and not held."""
    ws = open_workspace()
    batch, count = disposition.propose(ws.engine, actor=_actor(), as_of=parse_when(as_of, "--as-of"))
    out.print(f"batch {batch}: {count} items proposed for disposal" if batch else "nothing is due")


@dispose_app.command("list")
def dispose_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """Disposition batches and their decisions."""
    ws = open_workspace()
    rows = disposition.batches(ws.engine)
    if json_out:
        out.print(json.dumps(rows, default=str, indent=2), markup=False, highlight=False)
        return
    table = Table("batch", "items", "status", "proposed", "decided", "reason")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["items"]),
            r["status"],
            f"{r['proposed_at']:%Y-%m-%d} by {r['proposed_by']}",
            f"{r['decided_at']:%Y-%m-%d} by {r['decided_by']}" if r["decided_at"] else "",
            r["reason"] or "",
        )
    out.print(table)


@dispose_app.command("approve")
def dispose_approve(
    batch_id: int = typer.Argument(...),
    reason: str = typer.Option(...),
    approver: str | None = typer.Option(None, help="Who approves, if not this account (must not be the proposer)."),
) -> None:
    """Approve a batch: delete its items (rows, index, blobs), leaving chained tombstones."""
    ws = open_workspace()
    try:
        result = disposition.approve(ws.engine, ws.blobs, batch_id, actor=approver or _actor(), reason=reason)
    except disposition.DispositionError as exc:
        raise _guard(exc) from exc
    out.print(f"{result['disposed']} items disposed of; {len(result['kept_by_hold'])} kept by a hold made since")


@dispose_app.command("reject")
def dispose_reject(batch_id: int = typer.Argument(...), reason: str = typer.Option(...)) -> None:
    """Reject a batch; its items stay."""
    ws = open_workspace()
    try:
        disposition.reject(ws.engine, batch_id, actor=_actor(), reason=reason)
    except disposition.DispositionError as exc:
        raise _guard(exc) from exc
    out.print(f"batch {batch_id} rejected")

"""The records section of the console: audited archive search, public-records requests, legal
holds, disposition and the archive's status, for the records custodian and the superintendent
(or designee); search and status also for the Technology Director.

Every page calls the same library functions as `aupguard archive` / `request` / `hold` /
`dispose`, so the rules live in one place: `search.audited_search` records who searched, why,
for what and what was found; opening an item records `archive.open` with the reason, as
`aupguard archive open` does; `disposition.approve` refuses the proposer; `package.build` refuses
undecided items and unconfirmed proposals. What this module adds is the console's own rule of
separation of duties: nobody acts on a records request they filed themselves.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, desc, func, select

from aupguard.archive import chain, search
from aupguard.console.auth import Session, User
from aupguard.console.roles import Capability
from aupguard.directory.index import Directory
from aupguard.model import Channel
from aupguard.records import clock, codes, disposition, holds, package, requests
from aupguard.records.backup import restore_history
from aupguard.store import audit_repo
from aupguard.store.records_tables import legal_holds, redactions, request_events, request_items
from aupguard.store.tables import audit_log, items
from aupguard.web.render import NavItem, page
from aupguard.web.routes_api import ApiError
from aupguard.web.security import RowId, guarded, signed_in, workspace
from aupguard.workspace import Workspace

router = APIRouter()
NAV = [
    NavItem("Archive", "/archive", Capability.ARCHIVE_SEARCH),
    NavItem("Records", "/records", Capability.RECORDS),
]

OPEN_ACTION = "archive.open"  # the action `aupguard archive open` records
MAX_SHOWN_BYTES = 200_000  # an opened item's text shown on the page (attachments can be large)
REVIEW_BODY_CHARS = 4000  # body text shown per item on a request's review page
ITEM_ID = re.compile(r"^[0-9a-f]{64}$")

Text = Annotated[str, Form(max_length=2000)]
OptText = Annotated[str, Form(max_length=2000)]


class FormProblem(ValueError):
    """A filter or field the user gave that cannot be used; shown on the page."""


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _clean(value: str) -> str:
    # PostgreSQL refuses NUL in text; nothing a person types needs it.
    return value.replace("\x00", "").strip()


# ---------------------------------------------------------------------------- query from a form


@dataclass
class Filters:
    """The search form's fields, as typed (kept to refill the form)."""

    text: str = ""
    person: str = ""
    building: str = ""
    since: str = ""
    to: str = ""  # inclusive on the page; the query's `until` is the day after
    channel: str = ""
    clause: str = ""
    has_finding: str = ""  # "", "yes", "no"
    limit: int = 50

    def cleaned(self) -> Filters:
        return Filters(
            text=_clean(self.text),
            person=_clean(self.person),
            building=_clean(self.building),
            since=_clean(self.since),
            to=_clean(self.to),
            channel=_clean(self.channel),
            clause=_clean(self.clause),
            has_finding=_clean(self.has_finding),
            limit=max(1, min(self.limit, 500)),
        )


def filters_form(
    text: OptText = "",
    person: OptText = "",
    building: OptText = "",
    since: OptText = "",
    to: OptText = "",
    channel: OptText = "",
    clause: OptText = "",
    has_finding: OptText = "",
    limit: Annotated[int, Form(ge=1, le=500)] = 50,
) -> Filters:
    """The search form's fields from a posted form (the archive search and a request's scope)."""
    return Filters(text, person, building, since, to, channel, clause, has_finding, limit)


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FormProblem(f"{label}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def resolve_person(directory: Directory, value: str) -> list[str]:
    """Person ids for an id, an address or a name (as `aupguard archive search --person`)."""
    from aupguard.cli.commands import resolve_person as cli_resolve

    return cli_resolve(directory, value)


def build_query(conn: Connection, directory: Directory, f: Filters) -> search.SearchQuery:
    """The form's filters as the archive's one SearchQuery (the same resolution as the CLI's)."""
    since, to = _day(f.since, "From"), _day(f.to, "To")
    if since and to and to < since:
        raise FormProblem("the To date is before the From date")
    if f.channel and f.channel not in {c.value for c in Channel}:
        raise FormProblem(f"channel must be one of {', '.join(c.value for c in Channel)}")
    if f.has_finding not in ("", "yes", "no"):
        raise FormProblem("has finding: yes, no or either")
    q = search.SearchQuery(
        text=f.text,
        since=_start(since),
        until=_start(to + timedelta(days=1)) if to else None,
        channel=f.channel or None,
        clause=f.clause or None,
        has_finding=None if not f.has_finding else f.has_finding == "yes",
        limit=f.limit,
    )
    if f.person:
        ids = resolve_person(directory, f.person)
        addresses = search.addresses_of_people(conn, ids) if ids else []
        if "@" in f.person or f.person.startswith("+"):
            addresses.append(f.person.lower())  # an address nobody in the directory holds
        if not addresses:
            raise FormProblem(f"person {f.person!r}: no such person or address in the directory")
        q.addresses, q.described["person"] = addresses, ids or f.person
    if f.building:
        match = [b.id for b in directory.buildings.values() if f.building in (b.id, b.name)]
        if not match:
            raise FormProblem(f"building {f.building!r}: no such building")
        found = search.addresses_of_people(conn, search.people_in_building(conn, match[0]))
        q.addresses = sorted(set(found) & set(q.addresses)) if q.addresses is not None else found
        q.described["building"] = match[0]
    return q


def run_search(ws: Workspace, session: Session, f: Filters, reason: str) -> list[search.Hit]:
    """Resolve the filters and search through `search.audited_search` (which refuses no reason)."""
    f = f.cleaned()
    with ws.engine.connect() as conn:
        q = build_query(conn, ws.directory(), f)
    try:
        return search.audited_search(ws.engine, q, actor=session.user.actor, reason=_clean(reason))
    except search.SearchError as exc:
        raise FormProblem(str(exc)) from exc


# ---------------------------------------------------------------------------- archive search pages


def _building_names(ws: Workspace) -> list[tuple[str, str]]:
    return sorted((b.id, b.name) for b in ws.directory().buildings.values())


def _search_page(request: Request, session: Session, f: Filters, status_code: int = 200, **ctx: Any) -> Response:
    ws = workspace(request)
    return page(
        request,
        "records/search.html",
        session,
        status_code=status_code,
        filters=f,
        buildings=_building_names(ws),
        channels=[c.value for c in Channel],
        **ctx,
    )


@router.get("/archive", include_in_schema=False, **guarded(Capability.ARCHIVE_SEARCH))
def archive_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _search_page(request, session, Filters(), hits=None)


@router.post("/archive/search", include_in_schema=False, **guarded(Capability.ARCHIVE_SEARCH))
def archive_search(
    request: Request,
    reason: Text,
    f: Filters = Depends(filters_form),
    session: Session = Depends(signed_in),
) -> Response:
    try:
        hits = run_search(workspace(request), session, f, reason)
    except FormProblem as exc:
        return _search_page(request, session, f, status_code=400, hits=None, error=str(exc), reason=reason)
    return _search_page(request, session, f, hits=hits, reason=reason)


def _item_row(ws: Workspace, item_id: str) -> Any:
    if not ITEM_ID.match(item_id):
        return None
    with ws.engine.connect() as conn:
        return conn.execute(select(items).where(items.c.id == item_id)).mappings().first()


@router.post("/archive/items/{item_id}/open", include_in_schema=False, **guarded(Capability.ARCHIVE_SEARCH))
def archive_open(request: Request, item_id: str, reason: Text, session: Session = Depends(signed_in)) -> Response:
    """Show an archived item's original content; the opening is recorded with the reason."""
    ws = workspace(request)
    row = _item_row(ws, item_id)
    if row is None:
        return page(request, "message.html", session, status_code=404, error="No archived item has that id.")
    reason = _clean(reason)
    if not reason:
        return page(request, "message.html", session, status_code=400, error="Say why you open this item.")
    # The same entry as `aupguard archive open`: who opened which item, and why.
    audit_repo.record(ws.engine, OPEN_ACTION, target=f"item:{item_id}", reason=reason, actor=session.user.actor)
    try:
        content = ws.blobs.get(item_id)[:MAX_SHOWN_BYTES].decode("utf-8", "replace")
    except (OSError, KeyError, ValueError) as exc:  # disposed of, or the blob store is unreachable
        content = f"(the original bytes cannot be read: {exc.__class__.__name__})"
    return page(request, "records/item.html", session, item=row, content=content, reason=reason)


# ---------------------------------------------------------------------------- archive status


def archive_status(ws: Workspace) -> dict[str, Any]:
    """The chain head, the last verify and anchor (from the audit log) and the restore tests."""
    with ws.engine.connect() as conn:
        head = chain.head(conn)
        last: dict[str, Any] = {}
        for action in ("archive.verify", "archive.anchor"):
            row = (
                conn.execute(
                    select(audit_log).where(audit_log.c.action == action).order_by(desc(audit_log.c.id)).limit(1)
                )
                .mappings()
                .first()
            )
            last[action] = (
                {"at": row["at"].isoformat(), "actor": row["actor"], "details": row["details"] or {}} if row else None
            )
        item_count = conn.scalar(select(func.count()).select_from(items)) or 0
    restores = [
        {
            "at": r["at"].isoformat(),
            "actor": r["actor"],
            "source": r["source"],
            "backup_taken_at": r["backup_taken_at"].isoformat() if r["backup_taken_at"] else None,
            "items": r["items"],
            "ok": r["ok"],
        }
        for r in reversed(restore_history(ws.engine))
    ]
    return {
        "head": head.as_dict(),
        "items": item_count,
        "last_verify": last["archive.verify"],
        "last_anchor": last["archive.anchor"],
        "restore_tests": restores,
    }


@router.get("/archive/status", include_in_schema=False, **guarded(Capability.ARCHIVE_SEARCH))
def archive_status_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "archive.status.view", target="archive", actor=session.user.actor)
    return page(request, "records/status.html", session, status=archive_status(ws))


# ---------------------------------------------------------------------------- records requests


def identities(ws: Workspace, user: User) -> set[str]:
    """What a requester field could call this user: username, name, person id, addresses."""
    names = {user.username}
    directory = ws.directory()
    person = directory.people.get(user.person_id) if user.person_id else None
    if person is not None:
        names |= {person.id, person.display_name, f"{person.given_name} {person.family_name}"}
        names |= {a.address for a in directory.accounts.values() if a.person_id == person.id}
    return {" ".join(n.split()).casefold() for n in names if n}


def filed_by(ws: Workspace, user: User, req: Any) -> bool:
    """Did this user file the request (as the requester)? Then they decide nothing in it."""
    mine = identities(ws, user)
    return any(" ".join((v or "").split()).casefold() in mine for v in (req.requester, req.contact))


def _request_for_action(ws: Workspace, session: Session, request_id: int) -> Any:
    """The request, if this user may act on it (RequestError: none; PermissionError: their own)."""
    with ws.engine.connect() as conn:
        req = requests.get(conn, request_id)
    if filed_by(ws, session.user, req):
        raise PermissionError(
            "You filed this request yourself: another custodian or the superintendent decides it "
            "(separation of duties)."
        )
    return req


def _request_rows(ws: Workspace) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    return [requests.status(ws.engine, r.id, today) for r in requests.list_open(ws.engine)]


def _request_detail(ws: Workspace, request_id: int) -> dict[str, Any]:
    """Everything the review page shows: status, items with their text, proposals, events."""
    st = requests.status(ws.engine, request_id)
    with ws.engine.connect() as conn:
        req = requests.get(conn, request_id)
        decided = list(
            conn.execute(
                select(request_items).where(request_items.c.request_id == request_id).order_by(request_items.c.item_id)
            ).mappings()
        )
        ids = [d["item_id"] for d in decided]
        rows: dict[str, Any] = {}
        for start in range(0, len(ids), 500):
            for it in conn.execute(select(items).where(items.c.id.in_(ids[start : start + 500]))).mappings():
                rows[it["id"]] = it
        reds = list(
            conn.execute(
                select(redactions).where(redactions.c.request_id == request_id).order_by(redactions.c.id)
            ).mappings()
        )
        events = list(
            conn.execute(
                select(request_events).where(request_events.c.request_id == request_id).order_by(request_events.c.id)
            ).mappings()
        )
    by_item: dict[str, list[Any]] = {}
    for r in reds:
        by_item.setdefault(r["item_id"], []).append(r)
    review = [
        {
            "id": d["item_id"],
            "decision": d["decision"],
            "code": d["code"],
            "note": d["note"],
            "decided_by": d["decided_by"],
            "item": rows.get(d["item_id"]),
            "body": ((rows[d["item_id"]]["body"] or "")[:REVIEW_BODY_CHARS] if d["item_id"] in rows else ""),
            "redactions": by_item.get(d["item_id"], []),
        }
        for d in decided
    ]
    return {"req": req, "st": st, "review": review, "events": events}


def _request_page(request: Request, session: Session, request_id: int, status_code: int = 200, **ctx: Any) -> Response:
    ws = workspace(request)
    try:
        detail = _request_detail(ws, request_id)
    except requests.RequestError as exc:
        return page(request, "message.html", session, status_code=404, error=str(exc))
    # The review page shows each item's text: the entry names the items shown.
    audit_repo.record(
        ws.engine,
        "request.view",
        target=f"request:{request_id}",
        actor=session.user.actor,
        items=[r["id"] for r in detail["review"]],
    )
    return page(
        request,
        "records/request.html",
        session,
        status_code=status_code,
        **detail,
        own=filed_by(ws, session.user, detail["req"]),
        codes=codes.CODES,
        channels=[c.value for c in Channel],
        buildings=_building_names(ws),
        filters=Filters(),
        **ctx,
    )


def _act(request: Request, session: Session, request_id: int, action: Any, anchor: str = "") -> Response:
    """Run one change to a request and come back to its page (with the error, if refused)."""
    ws = workspace(request)
    try:
        _request_for_action(ws, session, request_id)
    except requests.RequestError as exc:
        return page(request, "message.html", session, status_code=404, error=str(exc))
    except PermissionError as exc:
        return _request_page(request, session, request_id, status_code=403, error=str(exc))
    try:
        action(ws)
    except (requests.RequestError, ValueError, FormProblem) as exc:
        return _request_page(request, session, request_id, status_code=400, error=str(exc))
    return _to(f"/records/requests/{request_id}{anchor}")


@router.get("/records", include_in_schema=False, **guarded(Capability.RECORDS))
def records_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "request.list.view", target="requests", actor=session.user.actor)
    return page(
        request,
        "records/requests.html",
        session,
        rows=_request_rows(ws),
        channels=requests.CHANNELS,
        today=datetime.now(UTC).date().isoformat(),
        clock=CLOCK,
    )


@router.post("/records/requests", include_in_schema=False, **guarded(Capability.RECORDS))
def request_intake(
    request: Request,
    requester: Text,
    channel: Text,
    description: Annotated[str, Form(max_length=20000)],
    received_on: Text,
    contact: OptText = "",
    session: Session = Depends(signed_in),
) -> Response:
    """Log a request on receipt. The requester gives no reason; 'anonymous' is a requester."""
    ws = workspace(request)
    try:
        received = _day(_clean(received_on), "Received on")
        if received is None:
            raise FormProblem("the date the request was received is day 0 of the clock")
        rid = requests.intake(
            ws.engine,
            requester=_clean(requester),
            channel=_clean(channel),
            description=_clean(description),
            received_on=received,
            actor=session.user.actor,
            contact=_clean(contact) or None,
        )
    except (requests.RequestError, FormProblem) as exc:
        return page(
            request,
            "records/requests.html",
            session,
            status_code=400,
            rows=_request_rows(ws),
            channels=requests.CHANNELS,
            today=datetime.now(UTC).date().isoformat(),
            clock=CLOCK,
            error=str(exc),
        )
    return _to(f"/records/requests/{rid}")


@router.get("/records/requests/{request_id}", include_in_schema=False, **guarded(Capability.RECORDS))
def request_page(request: Request, request_id: RowId, session: Session = Depends(signed_in)) -> Response:
    return _request_page(request, session, request_id)


@router.post("/records/requests/{request_id}/acknowledge", include_in_schema=False, **guarded(Capability.RECORDS))
def request_acknowledge(
    request: Request, request_id: RowId, note: OptText = "", session: Session = Depends(signed_in)
) -> Response:
    return _act(
        request,
        session,
        request_id,
        lambda ws: requests.acknowledge(ws.engine, request_id, actor=session.user.actor, note=_clean(note)),
    )


@router.post("/records/requests/{request_id}/estimate", include_in_schema=False, **guarded(Capability.RECORDS))
def request_estimate(
    request: Request,
    request_id: RowId,
    minutes: Annotated[int, Form(ge=0, le=1_000_000)],
    hourly_rate_cents: Annotated[int, Form(ge=0, le=100_000_000)],
    pages: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
    per_page_cents: Annotated[int, Form(ge=0, le=100_000)] = 0,
    session: Session = Depends(signed_in),
) -> Response:
    return _act(
        request,
        session,
        request_id,
        lambda ws: requests.estimate(
            ws.engine,
            request_id,
            minutes=minutes,
            hourly_rate_cents=hourly_rate_cents,
            pages=pages,
            per_page_cents=per_page_cents,
            actor=session.user.actor,
        ),
    )


@router.post("/records/requests/{request_id}/extend", include_in_schema=False, **guarded(Capability.RECORDS))
def request_extend(
    request: Request, request_id: RowId, until: Text, reason: Text, session: Session = Depends(signed_in)
) -> Response:
    """The requester agreed in writing to a later decision date than the 20 calendar days."""

    def extend(ws: Workspace) -> None:
        day = _day(_clean(until), "Decide by")
        if day is None:
            raise FormProblem("give the date the requester agreed to")
        requests.extend(ws.engine, request_id, day, actor=session.user.actor, reason=_clean(reason))

    return _act(request, session, request_id, extend)


@router.post("/records/requests/{request_id}/scope", include_in_schema=False, **guarded(Capability.RECORDS))
def request_scope(
    request: Request,
    request_id: RowId,
    form: Filters = Depends(filters_form),
    session: Session = Depends(signed_in),
) -> Response:
    """Add what the query finds to the request; roster redactions are proposed for each item."""
    f = form.cleaned()

    def scope(ws: Workspace) -> None:
        if not any((f.text, f.person, f.building, f.since, f.to, f.channel, f.clause, f.has_finding)):
            raise FormProblem("a scope needs at least one word or filter (not the whole archive)")
        directory = ws.directory()
        with ws.engine.connect() as conn:
            q = build_query(conn, directory, f)
        try:
            requests.set_scope(ws.engine, directory, request_id, q, actor=session.user.actor)
        except search.SearchError as exc:
            raise FormProblem(str(exc)) from exc

    return _act(request, session, request_id, scope, "#review-h")


@router.post(
    "/records/requests/{request_id}/items/{item_id}/decide", include_in_schema=False, **guarded(Capability.RECORDS)
)
def request_decide(
    request: Request,
    request_id: RowId,
    item_id: str,
    decision: Text,
    code: OptText = "",
    note: OptText = "",
    session: Session = Depends(signed_in),
) -> Response:
    """Release, redact or withhold one item; redact and withhold need a 7.3 code."""
    return _act(
        request,
        session,
        request_id,
        lambda ws: requests.decide_item(
            ws.engine,
            request_id,
            item_id,
            _clean(decision),
            actor=session.user.actor,
            code=_clean(code) or None,
            note=_clean(note) or None,
        ),
        f"#item-{item_id[:12]}",
    )


@router.post(
    "/records/requests/{request_id}/redactions/{redaction_id}",
    include_in_schema=False,
    **guarded(Capability.RECORDS),
)
def request_redaction_decide(
    request: Request,
    request_id: RowId,
    redaction_id: RowId,
    confirm: Text,
    session: Session = Depends(signed_in),
) -> Response:
    """Confirm or reject a proposed (roster) redaction."""

    def decide(ws: Workspace) -> None:
        with ws.engine.connect() as conn:
            owner = conn.scalar(select(redactions.c.request_id).where(redactions.c.id == redaction_id))
        if owner != request_id:  # the URL's request must be the redaction's, checked for its filer above
            raise requests.RequestError(f"no redaction {redaction_id} in request {request_id}")
        requests.decide_redaction(ws.engine, redaction_id, confirm == "yes", actor=session.user.actor)

    return _act(request, session, request_id, decide, "#review-h")


@router.post("/records/requests/{request_id}/redactions", include_in_schema=False, **guarded(Capability.RECORDS))
def request_redaction_add(
    request: Request,
    request_id: RowId,
    item_id: Text,
    text: Text,
    code: Text,
    why: OptText = "",
    session: Session = Depends(signed_in),
) -> Response:
    """A redaction a person adds by hand (any code; confirmed as it is added)."""
    return _act(
        request,
        session,
        request_id,
        lambda ws: requests.add_redaction(
            ws.engine,
            request_id,
            _clean(item_id),
            _clean(text),
            code,
            actor=session.user.actor,
            kind="added by hand",
            why=_clean(why) or "added by hand",
        ),
        "#review-h",
    )


@router.post("/records/requests/{request_id}/package", include_in_schema=False, **guarded(Capability.RECORDS))
def request_package(
    request: Request, request_id: RowId, confirm: Text, session: Session = Depends(signed_in)
) -> Response:
    """Build the release package (checked by `package.build`) and download it."""
    built: dict[str, bytes] = {}

    def build(ws: Workspace) -> None:
        if confirm != "yes":
            raise FormProblem("confirm that the package may be built")
        folder = ws.root / "requests"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            dest = Path(tmp) / "package.zip"
            package.build(ws.engine, request_id, dest, actor=session.user.actor)
            data = dest.read_bytes()
        # Kept in the workspace as the record of what was released.
        (folder / f"request-{request_id}-{stamp}.zip").write_bytes(data)
        built["zip"] = data

    answer = _act(request, session, request_id, build)
    if "zip" not in built:
        return answer
    return Response(
        built["zip"],
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="records-request-{request_id}.zip"'},
    )


@router.post("/records/requests/{request_id}/close", include_in_schema=False, **guarded(Capability.RECORDS))
def request_close(request: Request, request_id: RowId, note: Text, session: Session = Depends(signed_in)) -> Response:
    def close(ws: Workspace) -> None:
        requests.close(ws.engine, request_id, actor=session.user.actor, note=_clean(note))

    return _act(request, session, request_id, close)


# ---------------------------------------------------------------------------- legal holds


def _hold_rows(ws: Workspace) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(legal_holds).order_by(desc(legal_holds.c.id))).mappings()]


def _holds_page(request: Request, session: Session, status_code: int = 200, **ctx: Any) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "hold.list.view", target="holds", actor=session.user.actor)
    return page(request, "records/holds.html", session, status_code=status_code, holds=_hold_rows(ws), **ctx)


@router.get("/records/holds", include_in_schema=False, **guarded(Capability.RECORDS))
def holds_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _holds_page(request, session)


def _finding_ids(value: str) -> list[int]:
    try:
        ids = [int(v) for v in re.split(r"[\s,]+", value) if v]
    except ValueError as exc:
        raise FormProblem("findings: give finding ids (numbers) separated by commas") from exc
    if any(not 1 <= i <= 2_147_483_647 for i in ids):
        raise FormProblem("findings: not a finding id")
    return ids


@router.post("/records/holds", include_in_schema=False, **guarded(Capability.RECORDS))
def hold_create(
    request: Request,
    name: Text,
    reason: Text,
    person: OptText = "",
    since: OptText = "",
    to: OptText = "",
    query: OptText = "",
    findings: OptText = "",
    session: Session = Depends(signed_in),
) -> Response:
    """Place a hold: person AND date range AND query narrow it; a case's findings add to it."""
    ws = workspace(request)
    try:
        person_id = None
        if _clean(person):
            ids = resolve_person(ws.directory(), _clean(person))
            if len(ids) != 1:
                raise FormProblem(f"person {person!r} matches {len(ids)} people")
            person_id = ids[0]
        start, end = _day(_clean(since), "From"), _day(_clean(to), "To")
        holds.add(
            ws.engine,
            _clean(name) or "unnamed matter",
            reason=_clean(reason),
            actor=session.user.actor,
            person_id=person_id,
            date_from=_start(start),
            date_until=_start(end + timedelta(days=1)) if end else None,
            query=_clean(query) or None,
            finding_ids=_finding_ids(_clean(findings)),
        )
    except (holds.HoldError, FormProblem) as exc:
        return _holds_page(request, session, status_code=400, error=str(exc))
    return _to("/records/holds")


@router.post("/records/holds/{hold_id}/release", include_in_schema=False, **guarded(Capability.RECORDS))
def hold_release(request: Request, hold_id: RowId, reason: Text, session: Session = Depends(signed_in)) -> Response:
    """Release a hold: only by a recorded decision (the reason is required by `holds.release`)."""
    ws = workspace(request)
    try:
        holds.release(ws.engine, hold_id, actor=session.user.actor, reason=_clean(reason))
    except holds.HoldError as exc:
        status = 404 if str(exc).startswith("no hold") else 400
        return _holds_page(request, session, status_code=status, error=str(exc))
    return _to("/records/holds")


# ---------------------------------------------------------------------------- disposition


def _disposition_page(request: Request, session: Session, status_code: int = 200, **ctx: Any) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "disposition.list.view", target="disposition", actor=session.user.actor)
    return page(
        request,
        "records/disposition.html",
        session,
        status_code=status_code,
        batches=list(reversed(disposition.batches(ws.engine))),
        today=datetime.now(UTC).date().isoformat(),
        **ctx,
    )


@router.get("/records/disposition", include_in_schema=False, **guarded(Capability.RECORDS))
def disposition_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _disposition_page(request, session)


@router.post("/records/disposition/propose", include_in_schema=False, **guarded(Capability.RECORDS))
def disposition_propose(request: Request, as_of: Text, session: Session = Depends(signed_in)) -> Response:
    """Propose a batch of every item past retention and not held, judged as of a date."""
    ws = workspace(request)
    try:
        day = _day(_clean(as_of), "As of")
        if day is None:
            raise FormProblem("give the date retention is judged as of")
        batch, count = disposition.propose(ws.engine, actor=session.user.actor, as_of=_start(day))
    except FormProblem as exc:
        return _disposition_page(request, session, status_code=400, error=str(exc))
    note = f"Batch {batch}: {count} items proposed for disposal." if batch else "Nothing is due for disposal."
    return _disposition_page(request, session, notice=note)


@router.post("/records/disposition/{batch_id}/{verdict}", include_in_schema=False, **guarded(Capability.RECORDS))
def disposition_decide(
    request: Request, batch_id: RowId, verdict: str, reason: Text, session: Session = Depends(signed_in)
) -> Response:
    """Approve (by someone other than the proposer: `disposition.approve` refuses them) or reject."""
    ws = workspace(request)
    try:
        if verdict == "approve":
            result = disposition.approve(ws.engine, ws.blobs, batch_id, actor=session.user.actor, reason=_clean(reason))
            note = f"{result['disposed']} items disposed of; {len(result['kept_by_hold'])} kept by a hold made since."
        elif verdict == "reject":
            disposition.reject(ws.engine, batch_id, actor=session.user.actor, reason=_clean(reason))
            note = f"Batch {batch_id} rejected; its items stay."
        else:
            return page(request, "message.html", session, status_code=404, error="Approve or reject.")
    except disposition.DispositionError as exc:
        status = 404 if str(exc).startswith("no disposition") else 400
        return _disposition_page(request, session, status_code=status, error=str(exc))
    return _disposition_page(request, session, notice=note)


# ---------------------------------------------------------------------------- JSON


class SearchIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    text: str = Field("", max_length=2000)
    person: str = Field("", max_length=300)
    building: str = Field("", max_length=300)
    since: str = Field("", max_length=10, description="YYYY-MM-DD, inclusive")
    to: str = Field("", max_length=10, description="YYYY-MM-DD, inclusive")
    channel: str = Field("", max_length=20)
    clause: str = Field("", max_length=300)
    has_finding: bool | None = None
    limit: int = Field(50, ge=1, le=500)


class HitOut(BaseModel):
    item_id: str
    sent_at: datetime | None
    channel: str
    sender: str | None
    subject: str | None
    snippet: str


@router.post("/api/records/search", response_model=list[HitOut], tags=["records"], **guarded(Capability.ARCHIVE_SEARCH))
def api_search(request: Request, body: SearchIn, session: Session = Depends(signed_in)) -> list[HitOut]:
    """Search the archive; the search is recorded (who, why, the query, what was found)."""
    has = "" if body.has_finding is None else ("yes" if body.has_finding else "no")
    f = Filters(body.text, body.person, body.building, body.since, body.to, body.channel, body.clause, has, body.limit)
    try:
        hits = run_search(workspace(request), session, f, body.reason)
    except FormProblem as exc:
        raise ApiError(422, str(exc)) from exc
    return [HitOut(**h.__dict__) for h in hits]


@router.get("/api/records/archive-status", tags=["records"], **guarded(Capability.ARCHIVE_SEARCH))
def api_archive_status(request: Request, session: Session = Depends(signed_in)) -> dict[str, Any]:
    ws = workspace(request)
    audit_repo.record(ws.engine, "archive.status.view", target="archive", actor=session.user.actor, via="api")
    return archive_status(ws)


@router.get("/api/records/requests", tags=["records"], **guarded(Capability.RECORDS))
def api_requests(request: Request, session: Session = Depends(signed_in)) -> list[dict[str, Any]]:
    """Open records requests with their clock: deadlines, alerts due today, what is undecided."""
    ws = workspace(request)
    audit_repo.record(ws.engine, "request.list.view", target="requests", actor=session.user.actor, via="api")
    return _request_rows(ws)


@router.get("/api/records/requests/{request_id}", tags=["records"], **guarded(Capability.RECORDS))
def api_request(request: Request, request_id: RowId, session: Session = Depends(signed_in)) -> dict[str, Any]:
    ws = workspace(request)
    try:
        st = requests.status(ws.engine, request_id)
    except requests.RequestError as exc:
        raise ApiError(404, str(exc)) from exc
    audit_repo.record(ws.engine, "request.view", target=f"request:{request_id}", actor=session.user.actor, via="api")
    return st


@router.get("/api/records/holds", tags=["records"], **guarded(Capability.RECORDS))
def api_holds(request: Request, session: Session = Depends(signed_in)) -> list[dict[str, Any]]:
    ws = workspace(request)
    audit_repo.record(ws.engine, "hold.list.view", target="holds", actor=session.user.actor, via="api")
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in h.items()} for h in _hold_rows(ws)]


@router.get("/api/records/disposition", tags=["records"], **guarded(Capability.RECORDS))
def api_disposition(request: Request, session: Session = Depends(signed_in)) -> list[dict[str, Any]]:
    ws = workspace(request)
    audit_repo.record(ws.engine, "disposition.list.view", target="disposition", actor=session.user.actor, via="api")
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in b.items()}
        for b in disposition.batches(ws.engine)
    ]


# Clock constants the templates explain.
CLOCK = {
    "acknowledge": clock.ACKNOWLEDGE_BUSINESS_DAYS,
    "warn": clock.WARN_BUSINESS_DAYS,
    "decide": clock.DECIDE_CALENDAR_DAYS,
    "free_minutes": clock.FREE_MINUTES,
}

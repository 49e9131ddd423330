"""Held mail in the console: the messages the gateway's filter held because they matched a rule
the district marks `hold` (docs/gateway.md), waiting for a person to release or reject them.

The list shows envelope, subject and the rules that held each message; reading a message's text
asks for a reason, like opening any message in the console. Releasing delivers it through
Postfix's re-injection port; rejecting tells the sender in plain words. Every view and decision
goes to the audit log through `aupguard.gateway.quarantine`, the same code as the CLI.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aupguard.console.auth import Session
from aupguard.console.roles import Capability
from aupguard.gateway import quarantine
from aupguard.store import audit_repo, findings_repo
from aupguard.store.tables import items
from aupguard.web.render import NavItem, page
from aupguard.web.security import guarded, signed_in, workspace

router = APIRouter()
NAV = [NavItem("Held mail", "/quarantine", Capability.QUARANTINE)]


@router.get("/quarantine", include_in_schema=False, **guarded(Capability.QUARANTINE))
def held_mail(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    every = quarantine.entries(ws, None, session.user.actor)  # one query, one audit entry
    held = [e for e in every if e["status"] == quarantine.HELD]
    decided = [e for e in every if e["status"] != quarantine.HELD]
    return page(request, "quarantine/list.html", session, held=held, decided=decided[-20:])


@router.post("/quarantine/{entry_id}/open", include_in_schema=False, **guarded(Capability.QUARANTINE))
def open_held(
    request: Request, entry_id: int, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    entry = quarantine.get(ws, entry_id)
    if entry is None:
        return page(request, "message.html", session, status_code=404, error="No held message has that number.")
    if not reason.strip():
        return page(request, "message.html", session, status_code=400, error="Say why you read this message.")
    with ws.engine.connect() as conn:
        row = conn.execute(items.select().where(items.c.id == entry["item_id"])).first()
    audit_repo.record(
        ws.engine, "gateway.quarantine.open", target=f"quarantine:{entry_id}", reason=reason, actor=session.user.actor
    )
    item = findings_repo.item_from_row(row) if row is not None else None
    return page(request, "quarantine/message.html", session, entry=entry, item=item)


def _decision(request: Request, entry_id: int, reason: str, session: Session, release: bool) -> Response:
    ws = workspace(request)
    if not reason.strip():
        return page(request, "message.html", session, status_code=400, error="A decision needs its reason.")
    try:
        host, port = quarantine.next_hop()
        if release:
            quarantine.release(ws, entry_id, session.user.actor, reason, host, port)
        else:
            quarantine.reject(ws, entry_id, session.user.actor, reason, host, port, quarantine.notice_from())
    except quarantine.QuarantineError as exc:
        return page(request, "message.html", session, status_code=409, error=str(exc))
    except OSError as exc:
        error = f"The mail system at {host}:{port} could not be reached ({exc}); the message stays held."
        return page(request, "message.html", session, status_code=503, error=error)
    return RedirectResponse("/quarantine", status_code=303)


@router.post("/quarantine/{entry_id}/release", include_in_schema=False, **guarded(Capability.QUARANTINE))
def release_held(
    request: Request, entry_id: int, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    return _decision(request, entry_id, reason, session, release=True)


@router.post("/quarantine/{entry_id}/reject", include_in_schema=False, **guarded(Capability.QUARANTINE))
def reject_held(
    request: Request, entry_id: int, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    return _decision(request, entry_id, reason, session, release=False)

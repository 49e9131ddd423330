"""The filter's quarantine: messages that matched a rule the district marked `hold`.

A held message was accepted from Postfix (250) and is kept in the archive; it reaches its
recipients only when a reviewer releases it. A reviewer who rejects it has the sender told, in
plain words, that the message was not delivered and why. Every decision is audited."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import Engine, select

from aupguard import config
from aupguard.store import audit_repo
from aupguard.store.gateway_tables import gateway_quarantine
from aupguard.store.tables import items
from aupguard.workspace import Workspace

HELD, RELEASED, REJECTED = "held", "released", "rejected"


class QuarantineError(Exception):
    """A decision that cannot be made (unknown id, already decided); the message says why."""


def hold(engine: Engine, item_id: str, mail_from: str, rcpt_to: Sequence[str], rules: Sequence[str]) -> int:
    """Hold `item_id` for these envelope recipients; the same held message and envelope again
    (Postfix retrying after a crash) is the same entry."""
    with engine.begin() as conn:
        for row in conn.execute(
            select(gateway_quarantine).where(
                gateway_quarantine.c.item_id == item_id, gateway_quarantine.c.status == HELD
            )
        ):
            if row.mail_from == mail_from and list(row.rcpt_to) == list(rcpt_to):
                return int(row.id)
        return int(
            conn.execute(
                gateway_quarantine.insert()
                .values(
                    item_id=item_id,
                    mail_from=mail_from,
                    rcpt_to=list(rcpt_to),
                    rules=sorted(set(rules)),
                    held_at=datetime.now(UTC),
                    status=HELD,
                )
                .returning(gateway_quarantine.c.id)
            ).scalar_one()
        )


def next_hop(value: str | None = None) -> tuple[str, int]:
    """Where released mail and notices go: `value` (host:port), else AUPGUARD_GATEWAY_NEXT_HOP."""
    hop = value or config.get("GATEWAY_NEXT_HOP") or ""
    host, _, port = hop.rpartition(":")
    if not host or not port.isdigit():
        raise QuarantineError(f"{hop!r} is not host:port")
    return host.strip("[]"), int(port)


def notice_from(value: str | None = None) -> str:
    return value or config.get("GATEWAY_NOTICE_FROM") or f"postmaster@{socket.getfqdn()}"


def entries(ws: Workspace, status: str | None, actor: str) -> list[dict[str, Any]]:
    query = (
        select(gateway_quarantine, items.c.subject, items.c.sender)
        .join(items, items.c.id == gateway_quarantine.c.item_id)
        .order_by(gateway_quarantine.c.id)
    )
    if status:
        query = query.where(gateway_quarantine.c.status == status)
    with ws.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    audit_repo.record(
        ws.engine, "gateway.quarantine.list", target=f"status:{status or 'any'}", actor=actor, count=len(rows)
    )
    return rows


def get(ws: Workspace, entry_id: int) -> dict[str, Any] | None:
    """One quarantine entry with its message's subject and sender, whatever its status."""
    query = (
        select(gateway_quarantine, items.c.subject, items.c.sender)
        .join(items, items.c.id == gateway_quarantine.c.item_id)
        .where(gateway_quarantine.c.id == entry_id)
    )
    with ws.engine.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def _entry(ws: Workspace, entry_id: int) -> Any:
    with ws.engine.connect() as conn:
        row = conn.execute(select(gateway_quarantine).where(gateway_quarantine.c.id == entry_id)).first()
        subject = conn.execute(select(items.c.subject).where(items.c.id == row.item_id)).scalar() if row else None
    if row is None:
        raise QuarantineError(f"no quarantine entry {entry_id}")
    if row.status != HELD:
        raise QuarantineError(f"quarantine entry {entry_id} was already {row.status} by {row.decided_by}")
    return row, subject or "(no subject)"


def _decide(ws: Workspace, entry_id: int, status: str, actor: str, reason: str) -> None:
    with ws.engine.begin() as conn:
        conn.execute(
            gateway_quarantine.update()
            .where(gateway_quarantine.c.id == entry_id)
            .values(status=status, decided_at=datetime.now(UTC), decided_by=actor, reason=reason)
        )
    audit_repo.record(
        ws.engine, f"gateway.quarantine.{status}", target=f"quarantine:{entry_id}", reason=reason, actor=actor
    )


def release(ws: Workspace, entry_id: int, actor: str, reason: str, host: str, port: int) -> None:
    """Deliver the held message to its envelope recipients through Postfix's re-injection smtpd."""
    row, _ = _entry(ws, entry_id)
    raw = ws.blobs.get(row.item_id)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.sendmail(row.mail_from, list(row.rcpt_to), raw)
    _decide(ws, entry_id, RELEASED, actor, reason)


def rejection_notice(
    mail_from: str, rcpt_to: Sequence[str], subject: str, rules: Sequence[str], reason: str, notice_from: str
) -> EmailMessage:
    notice = EmailMessage()
    notice["From"] = notice_from
    notice["To"] = mail_from
    notice["Subject"] = f"Not delivered: {subject}"
    notice["Message-ID"] = make_msgid(domain=notice_from.rpartition("@")[2] or None)
    notice["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply loops
    notice.set_content(
        f'Your message "{subject}" to {", ".join(rcpt_to)} was not delivered.\n\n'
        "The district's mail system held it for review because it may break the staff technology-use "
        f"policy (rule: {', '.join(rules)}). A reviewer read it and decided not to send it on.\n\n"
        f"The reviewer's reason: {reason}\n\n"
        "Nothing has been sent to the recipients. If you think this is a mistake, or you need to send "
        "this information another way, reply to this message or contact the technology office.\n"
    )
    return notice


def reject(ws: Workspace, entry_id: int, actor: str, reason: str, host: str, port: int, notice_from: str) -> bool:
    """Refuse the held message and tell its sender. Returns whether a notice was sent (a bounce,
    with an empty sender, gets none)."""
    row, subject = _entry(ws, entry_id)
    told = False
    if row.mail_from:
        notice = rejection_notice(row.mail_from, row.rcpt_to, subject, row.rules, reason, notice_from)
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            smtp.send_message(notice, from_addr="", to_addrs=[row.mail_from])
        told = True
    _decide(ws, entry_id, REJECTED, actor, reason)
    return told

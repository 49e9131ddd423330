"""`aupguard permit`: record, revoke and list permissions (consents); findings follow."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from aupguard.cli import app, fail, open_workspace, out
from aupguard.cli.commands import resolve_person
from aupguard.cli.scan_cmd import parse_when
from aupguard.model import Permission
from aupguard.store import audit_repo, permissions_repo

permit_app = typer.Typer(help="Record and revoke permissions (consents) the policy requires.", no_args_is_help=True)
app.add_typer(permit_app, name="permit")

SCOPE_KEYS = ("students", "phones", "sites", "software", "devices", "groups", "mailboxes")


def parse_scope(values: list[str]) -> dict[str, list[str]]:
    scope: dict[str, list[str]] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or key not in SCOPE_KEYS or not rest.strip():
            raise fail(f"--scope {value!r}: write KEY=VALUE[,VALUE...] with KEY one of {', '.join(SCOPE_KEYS)}")
        scope.setdefault(key, []).extend(v.strip() for v in rest.split(",") if v.strip())
    return scope


@permit_app.command("grant")
def grant(
    kind: str = typer.Option(..., help="Permission kind (see `aupguard policy show`), e.g. personal_phone_contact."),
    grantee: str = typer.Option(..., help="Who receives it: person id, address or name."),
    approver: str = typer.Option(..., help="Who approved it: person id, address or name."),
    scope: list[str] = typer.Option([], help="Narrow it, e.g. students=S1,S2 or phones=+15155550100 (repeatable)."),
    valid_from: str | None = typer.Option(None, "--from", help="Start (date or date-time; default now)."),
    valid_until: str | None = typer.Option(None, "--until", help="End, exclusive (default: no end)."),
    emergency: bool = typer.Option(False, "--emergency", help="Recorded as an emergency (after-the-fact) consent."),
    reason: str = typer.Option("", help="Why it was granted (kept with the record)."),
) -> None:
    """Record a permission; findings it covers become `covered` (never deleted)."""
    ws = open_workspace()
    pack = ws.current_pack()
    pk = next((k for k in pack.permission_kinds if k.id == kind), None)
    if pk is None:
        known = ", ".join(k.id for k in pack.permission_kinds)
        raise fail(f"unknown permission kind {kind!r}; the policy pack names: {known}")
    directory = ws.directory()
    grantee_ids, approver_ids = resolve_person(directory, grantee), resolve_person(directory, approver)
    if len(grantee_ids) != 1:
        raise fail(f"--grantee {grantee!r} matches {len(grantee_ids)} people; give a person id")
    if len(approver_ids) != 1:
        raise fail(f"--approver {approver!r} matches {len(approver_ids)} people; give a person id")
    if grantee_ids == approver_ids:
        raise fail("nobody approves their own permission (separation of duties)")
    approver_person = directory.people[approver_ids[0]]
    roles = list(pk.approver_roles)
    if roles and not set(roles) & set(approver_person.roles):
        raise fail(f"{approver_person.display_name} does not hold a role that approves {kind} ({' or '.join(roles)})")
    start = parse_when(valid_from, "--from") or datetime.now(UTC)
    end = parse_when(valid_until, "--until")
    if end is not None and end <= start:
        raise fail("--until must be after --from")
    permission = Permission(
        kind=kind,
        grantee_id=grantee_ids[0],
        approver_id=approver_ids[0],
        valid_from=start,
        valid_until=end,
        scope=parse_scope(scope),
        emergency=emergency or pk.emergency,  # the pack marks emergency kinds
        reason=reason,
    )
    pid = permissions_repo.add(ws.engine, permission)
    moved = permissions_repo.rejudge(ws.engine, ws.rulesets(), permission.grantee_id, actor=audit_repo.current_actor(),
                                     reason=f"permission {pid} ({kind}) granted")  # fmt: skip
    audit_repo.record(ws.engine, "permission.grant", target=f"permission:{pid}", reason=reason, kind=kind,
                      grantee=permission.grantee_id, approver=permission.approver_id)  # fmt: skip
    out.print(f"Permission {pid} recorded: {kind} for {permission.grantee_id}, approved by {permission.approver_id}.")
    out.print(f"{moved['covered']} finding(s) now covered, {moved['reopened']} reopened.")


@permit_app.command("revoke")
def revoke(
    permission_id: int = typer.Argument(..., help="Permission id."),
    at: str | None = typer.Option(None, "--at", help="When it stops covering (default now)."),
    reason: str = typer.Option(..., help="Why it is revoked."),
) -> None:
    """Revoke a permission: findings on items after that time are reopened."""
    ws = open_workspace()
    permission = permissions_repo.get(ws.engine, permission_id)
    if permission is None:
        raise fail(f"no permission {permission_id}")
    when = parse_when(at, "--at") or datetime.now(UTC)
    actor = audit_repo.current_actor()
    permissions_repo.revoke(ws.engine, permission_id, when, actor, reason)
    moved = permissions_repo.rejudge(ws.engine, ws.rulesets(), permission.grantee_id, actor=actor,
                                     reason=f"permission {permission_id} revoked: {reason}")  # fmt: skip
    audit_repo.record(ws.engine, "permission.revoke", target=f"permission:{permission_id}", reason=reason)
    out.print(
        f"Permission {permission_id} revoked from {when:%Y-%m-%d %H:%M}; {moved['reopened']} finding(s) reopened."
    )


def _state(p: Permission, now: datetime) -> str:
    if p.revoked_at and p.revoked_at <= now:
        return "revoked"
    if p.valid_until and p.valid_until <= now:
        return "expired"
    return "in force" if p.in_force(now) else "not yet in force"


@permit_app.command("list")
def list_permissions(grantee: str | None = typer.Option(None, help="Only this person's.")) -> None:
    """List recorded permissions with their validity."""
    ws = open_workspace()
    grantee_id = None
    if grantee:
        ids = resolve_person(ws.directory(), grantee)
        grantee_id = ids[0] if ids else grantee
    table = Table(title="Permissions")
    for col in ("id", "kind", "grantee", "approver", "from", "until", "scope", "emergency", "state"):
        table.add_column(col, overflow="fold")
    now = datetime.now(UTC)
    for p in permissions_repo.all_permissions(ws.engine, grantee_id):
        state = (
            "revoked" if p.revoked_at and p.revoked_at <= now else ("in force" if p.in_force(now) else "not in force")
        )
        table.add_row(str(p.id), p.kind, p.grantee_id, p.approver_id, f"{p.valid_from:%Y-%m-%d}",
                      f"{p.valid_until:%Y-%m-%d}" if p.valid_until else "-",
                      "; ".join(f"{k}={','.join(v)}" for k, v in p.scope.items()) or "all",
                      "yes" if p.emergency else "", state)  # fmt: skip
    out.print(table)

"""`aupguard serve` (the review console) and `aupguard users` (console accounts)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from aupguard.cli import app, fail, open_workspace, out, state
from aupguard.console import auth
from aupguard.console.roles import Role
from aupguard.store import audit_repo

users_app = typer.Typer(
    help="Console users: add, list, reset (one-time password and second factor).", no_args_is_help=True
)
app.add_typer(users_app, name="users")


def _asgi_app() -> Any:
    """Factory for uvicorn's worker processes (each opens the workspace itself)."""
    from aupguard.web import create_app
    from aupguard.workspace import Workspace

    return create_app(Workspace.open())


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="Server processes."),
) -> None:
    """Start the review console (web pages and the JSON API under /api/)."""
    import os

    import uvicorn

    ws = open_workspace()  # fail early, with the usual message, when there is no workspace
    ws.close()
    if state.home:
        os.environ["AUPGUARD_HOME"] = state.home  # worker processes open the same workspace
    if host not in ("127.0.0.1", "::1", "localhost"):
        out.print("[yellow]Listening beyond loopback: put the console behind HTTPS (cookies are sent Secure).[/yellow]")
    out.print(f"Review console on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(
        "aupguard.cli.serve_cmd:_asgi_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


@users_app.command("add")
def add_user(
    username: str = typer.Argument(..., help="User name to sign in with."),
    role: Role = typer.Option(..., help="Console role."),
    person: str | None = typer.Option(None, help="The directory person id this user is."),
    building: list[str] = typer.Option([], help="Building id (principals; repeatable)."),
) -> None:
    """Add a console user and print their one-time password (they choose their own at first sign-in)."""
    ws = open_workspace()
    if auth.find_user(ws.engine, username):
        raise fail(f"user {username!r} exists; use `aupguard users reset`")
    if person and ws.directory().person(person) is None:
        raise fail(f"no person {person!r} in the directory")
    password = auth.one_time_password()
    auth.create_user(ws.engine, username, role, password, person, list(building))
    audit_repo.record(ws.engine, "user.create", target=f"user:{username}", role=role.value)
    out.print(f"User {username} ({role.value}) added. One-time password: {password}", markup=False)


@users_app.command("reset")
def reset_user(
    username: str = typer.Argument(..., help="User name."),
    keep_second_factor: bool = typer.Option(False, help="Keep the enrolled authenticator (password only)."),
) -> None:
    """Give a user a new one-time password and (unless kept) a new second factor to enrol."""
    ws = open_workspace()
    try:
        password = auth.reset_user(ws.engine, username, keep_totp=keep_second_factor)
    except KeyError:
        raise fail(f"no user {username!r}") from None
    audit_repo.record(ws.engine, "user.reset", target=f"user:{username}")
    out.print(f"User {username} reset. One-time password: {password}", markup=False)


@users_app.command("list")
def list_users() -> None:
    """List console users, their roles and whether two-factor sign-in is enrolled."""
    ws = open_workspace()
    table = Table(title="Console users")
    for col in ("user", "role", "person", "buildings", "two-factor"):
        table.add_column(col)
    for u in auth.all_users(ws.engine):
        table.add_row(
            u.username,
            u.role.value,
            u.person_id or "",
            ",".join(u.building_ids),
            "enrolled" if u.totp_enrolled else "not yet",
        )
    out.print(table)

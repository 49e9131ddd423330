"""`aupguard gateway journal|filter|quarantine|passwd`: capture mail over SMTP (docs/gateway.md)."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from aupguard.cli import app, err, fail, open_workspace, out
from aupguard.store import audit_repo

gateway_app = typer.Typer(help="Capture mail over SMTP: a journal receiver and a Postfix content filter.")
app.add_typer(gateway_app, name="gateway")
quarantine_app = typer.Typer(help="Messages the filter held for review: list, release, reject.")
gateway_app.add_typer(quarantine_app, name="quarantine")

HOST = typer.Option("127.0.0.1", "--host", help="Address to listen on.")
TLS_CERT = typer.Option(None, "--tls-cert", help="PEM certificate (chain) offered with STARTTLS.")
TLS_KEY = typer.Option(None, "--tls-key", help="PEM private key of --tls-cert.")
REQUIRE_TLS = typer.Option(False, "--require-tls", help="Refuse mail before STARTTLS.")
ALLOW = typer.Option(
    None, "--allow-network", help="Client network (CIDR) allowed without AUTH; repeat. Default: loopback only."
)
AUTH_FILE = typer.Option(
    None, "--auth-file", help="user:argon2-hash lines (`aupguard gateway passwd`); enables AUTH over TLS."
)
MAX_SIZE = typer.Option(50, "--max-size", help="Largest message accepted, in MB (larger: 552).")
CONCURRENCY = typer.Option(8, "--concurrency", help="Messages stored at the same time; more wait.")


def _serve(
    mode: str,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    require_tls: bool,
    allow: list[str] | None,
    auth_file: Path | None,
    max_size: int,
    concurrency: int,
    next_hop: tuple[str, int] = ("127.0.0.1", 10026),
) -> None:
    from aupguard.gateway.access import LOOPBACK, load_passwords
    from aupguard.gateway.server import Gateway, GatewayConfig, serve_forever

    if bool(tls_cert) != bool(tls_key):
        raise fail("--tls-cert and --tls-key go together")
    try:
        config = GatewayConfig(
            mode=mode,  # type: ignore[arg-type]
            host=host,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            require_tls=require_tls,
            allow_networks=list(allow) if allow else list(LOOPBACK),
            passwords=load_passwords(auth_file),
            max_size=max_size * 2**20,
            concurrency=concurrency,
            next_hop=next_hop,
        )
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # aiosmtpd logs every command (addresses included) at INFO: a privacy leak into the system log,
    # and at hundreds of messages a second most of the gateway's CPU time.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    ws = open_workspace()

    def ready(gateway: Gateway) -> None:
        err.print(f"aupguard gateway ({mode}) listening on {host}:{gateway.port}; spool {gateway.spool.root}")

    try:
        asyncio.run(serve_forever(ws, config, ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc}") from exc


@gateway_app.command("journal")
def journal(
    host: str = HOST,
    port: int = typer.Option(2525, "--port", help="Port to listen on."),
    tls_cert: Path | None = TLS_CERT,
    tls_key: Path | None = TLS_KEY,
    require_tls: bool = REQUIRE_TLS,
    allow_network: list[str] | None = ALLOW,
    auth_file: Path | None = AUTH_FILE,
    max_size: int = MAX_SIZE,
    concurrency: int = CONCURRENCY,
) -> None:
    """Receive journaled copies (Microsoft 365 journal rules, Google "also deliver to", Postfix
    always_bcc), archive and scan them. 250 only once a message is fsynced in the spool."""
    _serve("journal", host, port, tls_cert, tls_key, require_tls, allow_network, auth_file, max_size, concurrency)


@gateway_app.command("filter")
def filter_(
    host: str = HOST,
    port: int = typer.Option(10025, "--port", help="Port Postfix's content_filter points at."),
    next_hop: str = typer.Option("127.0.0.1:10026", "--next-hop", help="Postfix's re-injection smtpd (host:port)."),
    tls_cert: Path | None = TLS_CERT,
    tls_key: Path | None = TLS_KEY,
    require_tls: bool = REQUIRE_TLS,
    allow_network: list[str] | None = ALLOW,
    auth_file: Path | None = AUTH_FILE,
    max_size: int = MAX_SIZE,
    concurrency: int = CONCURRENCY,
) -> None:
    """Postfix after-queue content filter: store, scan, re-inject with the envelope unchanged;
    hold messages matching the pack's `settings.gateway.hold_rules`."""
    _serve(
        "filter",
        host,
        port,
        tls_cert,
        tls_key,
        require_tls,
        allow_network,
        auth_file,
        max_size,
        concurrency,
        _host_port(next_hop),
    )


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise fail(f"{value!r} is not host:port")
    return host.strip("[]"), int(port)


@gateway_app.command("passwd")
def passwd(
    user: str = typer.Argument(..., help="SMTP AUTH user name."),
    auth_file: Path = typer.Option(..., "--auth-file", help="File to add the user to (created if missing)."),
) -> None:
    """Add or replace a user of SMTP AUTH (asks for the password; stores an argon2 hash)."""
    from aupguard.gateway.access import hash_password, load_passwords

    password = getpass.getpass(f"password for {user}: ")
    if not password:
        raise fail("empty password")
    users = load_passwords(auth_file) if auth_file.exists() else {}
    users[user] = hash_password(password)
    auth_file.write_text("".join(f"{u}:{h}\n" for u, h in sorted(users.items())), encoding="utf-8")
    auth_file.chmod(0o600)
    out.print(f"{user} added to {auth_file}")


class Status(StrEnum):
    held = "held"
    released = "released"
    rejected = "rejected"
    all = "all"


REASON = typer.Option(..., "--reason", help="Why (audited; a rejection's reason is told to the sender).")
NEXT_HOP = typer.Option(
    None, "--next-hop", help="Postfix's re-injection smtpd (host:port). Default: $AUPGUARD_GATEWAY_NEXT_HOP."
)


@quarantine_app.command("list")
def quarantine_list(
    status: Status = typer.Option(Status.held, "--status", help="held, released, rejected or all."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Messages the filter held (audited as a view)."""
    from aupguard.gateway import quarantine

    ws = open_workspace()
    rows = quarantine.entries(ws, None if status == Status.all else status.value, audit_repo.current_actor())
    if as_json:
        for row in rows:
            out.print_json(json.dumps(row, default=str))
        return
    table = Table(title=f"Quarantine ({status.value})")
    for col in ("id", "held at", "status", "from", "to", "subject", "rules"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            f"{r['held_at']:%Y-%m-%d %H:%M}",
            r["status"],
            r["mail_from"],
            ", ".join(r["rcpt_to"]),
            r["subject"] or "",
            ", ".join(r["rules"]),
        )
    out.print(table)


@quarantine_app.command("release")
def quarantine_release(entry: int = typer.Argument(...), reason: str = REASON, next_hop: str | None = NEXT_HOP) -> None:
    """Deliver a held message to its recipients."""
    from aupguard.gateway import quarantine

    ws = open_workspace()
    try:
        host, port = quarantine.next_hop(next_hop)
        quarantine.release(ws, entry, audit_repo.current_actor(), reason, host, port)
    except quarantine.QuarantineError as exc:
        raise fail(str(exc)) from exc
    except OSError as exc:
        raise fail(f"cannot deliver through {host}:{port}: {exc}; the message stays held") from exc
    out.print(f"quarantine {entry} released")


@quarantine_app.command("reject")
def quarantine_reject(
    entry: int = typer.Argument(...),
    reason: str = REASON,
    next_hop: str | None = NEXT_HOP,
    notice_from: str | None = typer.Option(
        None, "--notice-from", help="From address of the notice. Default: $AUPGUARD_GATEWAY_NOTICE_FROM."
    ),
) -> None:
    """Refuse a held message; its sender is told in plain words that it was not delivered and why."""
    from aupguard.gateway import quarantine

    ws = open_workspace()
    try:
        host, port = quarantine.next_hop(next_hop)
        told = quarantine.reject(
            ws, entry, audit_repo.current_actor(), reason, host, port, quarantine.notice_from(notice_from)
        )
    except quarantine.QuarantineError as exc:
        raise fail(str(exc)) from exc
    except OSError as exc:
        raise fail(f"cannot send the notice through {host}:{port}: {exc}; the message stays held") from exc
    out.print(f"quarantine {entry} rejected" + ("; the sender was told" if told else " (a bounce: no one to tell)"))

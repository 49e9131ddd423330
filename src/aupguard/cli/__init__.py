"""The `aupguard` command: verbs match the jobs of a district's technology and records people."""

from __future__ import annotations

import errno
import sqlite3
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from aupguard import config
from aupguard.workspace import Workspace, WorkspaceError

if TYPE_CHECKING:
    from sqlalchemy.exc import OperationalError

app = typer.Typer(
    name="aupguard",
    help="Put the district's technology-use policy (401.13 / 713) into practice: "
    "import the directory, scan mail, texts and posts, review findings that cite the policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Diagnostics and progress go to stderr so stdout stays clean for --format json/csv.
err = Console(stderr=True, soft_wrap=True)
out = Console()


class State:
    home: str | None = None


state = State()


@app.callback()
def _main(
    home: str | None = typer.Option(
        None, "--home", help="Workspace folder (default: $AUPGUARD_HOME or ./aupguard-data).", show_default=False
    ),
) -> None:
    state.home = home
    if not out.is_terminal:
        out.width = 160  # piped to a file or a pager: don't squeeze tables to 80 columns


def open_workspace() -> Workspace:
    try:
        return Workspace.open(state.home)
    except WorkspaceError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


INTERRUPTED = "interrupted: what was stored before stays stored; run the same command again to continue."


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the exceptions that led to `exc`."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _disk_full(exc: BaseException) -> bool:
    """Whether `exc` says a disk is full: a file's write (ENOSPC, EDQUOT), SQLite's SQLITE_FULL (the
    workspace's database or the archive's catalog), or PostgreSQL's disk_full (SQLSTATE 53100)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):  # no room, or over quota
        return True
    error = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    if isinstance(error, sqlite3.Error):
        # The error code does not survive the trip from a scan worker (exceptions are pickled
        # by their message), so SQLite's fixed message for SQLITE_FULL decides as well.
        code = getattr(error, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or (code is None and str(error) == "database or disk is full")
    return getattr(error, "sqlstate", None) == "53100"


DISK_FULL = (
    "Free space there and run the same command again: what was stored before stays stored (a scan "
    "then adds only what is missing), and nothing half-written is used."
)


def main() -> None:
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except BrokenPipeError:  # `aupguard findings | head`
        sys.stderr.close()
    except KeyboardInterrupt:
        err.print(INTERRUPTED)
        raise SystemExit(130) from None
    except SystemExit as exc:
        # Typer turns Ctrl-C inside a command into a silent exit 130; the interrupt is still in
        # the exception's chain, and the user is told where that leaves their data.
        if exc.code == 130 and _interrupted(exc):
            err.print(INTERRUPTED)
        raise
    except Exception as exc:
        if _disk_full(exc):
            _disk_full_error(exc)
        if isinstance(exc, OperationalError):
            _database_error(exc)
        if isinstance(exc, BrokenProcessPool):
            _worker_lost()
        raise


WORKER_LOST = (
    "A scan worker process ended abruptly: killed by a signal, most often by the system when memory "
    "runs short. What was stored before stays stored; run the same command again to continue "
    "(with AUPGUARD_WORKERS=1 if memory is short)."
)


def _worker_lost() -> NoReturn:
    err.print(f"[red]error:[/red] {WORKER_LOST}", markup=True)
    raise SystemExit(1) from None


def _disk_full_error(exc: BaseException) -> NoReturn:
    # A full disk mid-scan is an everyday event on a small machine, not a bug: no traceback.
    err.print(f"[red]disk full:[/red] {getattr(exc, 'orig', None) or exc}", markup=True)
    where = config.home(state.home)
    err.print(
        f"A disk this command writes to has no room left (the workspace is at {where}; the database, "
        f"and a backup's or an export's destination, may be elsewhere). {DISK_FULL}"
    )
    raise SystemExit(3) from None


def _database_error(exc: OperationalError) -> NoReturn:
    # Locked or unreachable database: say so plainly; nothing half-written is kept.
    err.print(f"[red]database error:[/red] {exc.orig or exc}", markup=True)
    err.print("Check AUPGUARD_DATABASE_URL, that the server runs, or that no other process holds the database.")
    raise SystemExit(3) from None


def existing_paths(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    return paths


# Register the commands, in the order `aupguard --help` lists them. Imported here, after `app`
# exists, so that any import of aupguard.cli yields the same complete command set.
# isort: off
from aupguard.cli import (  # noqa: E402
    commands,  # init, findings, show, errors
    scan_cmd,
    import_cmd,
    permit_cmd,
    policy_cmd,
    detect_cmd,
    demo_cmd,
    serve_cmd,  # the review console and its users (docs/console.md)
    posture_cmd,  # accounts, access and operations (docs/posture.md)
    archive_cmd,  # archive, search, verify (docs/records.md)
    records_cmd,  # records requests, retention, holds, disposal
    backup_cmd,
    gateway_cmd,  # mail capture over SMTP (docs/gateway.md)
)
# isort: on

__all__ = [
    "app", "archive_cmd", "backup_cmd", "commands", "demo_cmd", "detect_cmd", "gateway_cmd", "import_cmd", "main",
    "permit_cmd", "policy_cmd", "posture_cmd", "records_cmd", "scan_cmd", "serve_cmd",
]  # fmt: skip

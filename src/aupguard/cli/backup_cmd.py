"""`aupguard backup | restore | restores`: disaster recovery of aupguard itself."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from aupguard import config
from aupguard.cli import app, fail, open_workspace, out, state
from aupguard.records import backup as backups
from aupguard.store import audit_repo


@app.command("backup")
def backup_cmd(dest: Path = typer.Argument(..., help="A new, empty folder for the backup.")) -> None:
    """Write a consistent, verifiable backup (database snapshot, archive, policy, manifest); safe while scans run."""
    ws = open_workspace()
    try:
        result = backups.backup(ws, dest, actor=audit_repo.current_actor())
    except backups.BackupError as exc:
        raise fail(str(exc)) from exc
    m = result.manifest
    out.print(f"{dest}: {m['items']} items, {m['blobs']} blobs, chain head #{m['chain_head']['seq']}")
    if result.missing_blobs:
        out.print(
            f"[red]{len(result.missing_blobs)} blobs were missing or damaged in the source[/red] "
            "(listed in manifest.json; run `aupguard archive verify`)"
        )
        raise typer.Exit(1)


@app.command("restore")
def restore_cmd(src: Path = typer.Argument(..., help="A folder written by `aupguard backup`.")) -> None:
    """Restore a backup into an empty workspace (--home / AUPGUARD_HOME), verify it, and record the test.

    Exit status 0 when the restored workspace verifies and matches the backup's manifest."""
    home = config.home(state.home)
    try:
        result = backups.restore(src, home, actor=audit_repo.current_actor())
    except backups.BackupError as exc:
        raise fail(str(exc)) from exc
    for name, passed in result["checks"].items():
        out.print(f"{'ok ' if passed else 'FAILED'} {name.replace('_', ' ')}")
    out.print(f"{home}: {result['items']} items restored; chain head #{result['head']['seq']}")
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("restores")
def restores_cmd() -> None:
    """Restore tests recorded in this workspace: evidence for the disaster-recovery procedures."""
    ws = open_workspace()
    table = Table("when", "by", "backup taken", "source", "items", "result")
    for r in backups.restore_history(ws.engine):
        table.add_row(
            f"{r['at']:%Y-%m-%d %H:%M}",
            r["actor"],
            f"{r['backup_taken_at']:%Y-%m-%d %H:%M}" if r["backup_taken_at"] else "",
            r["source"],
            str(r["items"]),
            "ok" if r["ok"] else "FAILED",
        )
    out.print(table)

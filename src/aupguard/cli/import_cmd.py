"""`aupguard import roster|accounts|people`: read directory exports into the workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from aupguard.cli import app, err, existing_paths, fail, open_workspace, out
from aupguard.directory.batch import DirectoryBatch
from aupguard.store import audit_repo, directory_repo

import_app = typer.Typer(help="Import the district directory from its exports.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _run(path: Path, importer: str, read: Callable[[Path], DirectoryBatch]) -> None:
    existing_paths([path])
    ws = open_workspace()
    batch = read(path)
    counts = directory_repo.upsert(ws.engine, batch, importer)
    audit_repo.record(ws.engine, f"import.{importer}", str(path), None, None,
                      rows=batch.rows_read, problems=len(batch.problems), counts=counts)  # fmt: skip
    out.print(
        f"{importer}: read {batch.rows_read} rows from {path}: {counts['people_added']} people added, "
        f"{counts['people_updated']} updated, {counts['accounts']} accounts, {counts['groups']} groups, "
        f"{counts['buildings']} buildings."
    )
    if batch.problems:
        err.print(f"[yellow]{len(batch.problems)} row(s) could not be used[/yellow] (stored; first 20 shown):")
        for p in batch.problems[:20]:
            err.print(f"  {p.file}:{p.line}: {p.reason}", markup=False)


@import_app.command("roster")
def roster(path: Path = typer.Argument(..., help="OneRoster 1.1/1.2 CSV folder or .zip.")) -> None:
    """Read a OneRoster CSV export (orgs, users, classes, enrollments, demographics)."""
    from aupguard.directory.oneroster import read_oneroster

    if path.is_dir() and not any(p.name.lower() == "users.csv" for p in path.iterdir()):
        exports = sorted({p.parent for p in path.rglob("*") if p.name.lower() == "users.csv"})
        if exports:
            listed = "\n  ".join(str(e) for e in exports[:10])
            raise fail(f"{path} holds no OneRoster export itself; these folders below it do:\n  {listed}")
    _run(path, "roster", read_oneroster)


@import_app.command("accounts")
def accounts(path: Path = typer.Argument(..., help="Google Workspace 'Download users' CSV.")) -> None:
    """Read the Google Workspace admin console user export."""
    from aupguard.directory.google_workspace import read_workspace_users

    _run(path, "accounts", lambda p: read_workspace_users(p)[0])


@import_app.command("people")
def people(path: Path = typer.Argument(..., help="Plain CSV (see docs/directory.md).")) -> None:
    """Read the plain people CSV: volunteers, personal phones, coaches, sponsors, teams and clubs."""
    from aupguard.directory.people_csv import read_people_csv

    _run(path, "people", read_people_csv)

"""`aupguard scan`: read files and folders of messages, store items and findings."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from aupguard import config, scanning
from aupguard.archive import search
from aupguard.cli import app, err, existing_paths, fail, open_workspace, out
from aupguard.cli.output import FindingWriter
from aupguard.model import SEVERITY_ORDER, Severity
from aupguard.sources import total_bytes


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_when(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or date-time; naive values are taken as UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"{option}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date-time)") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def at_or_above(severity: Severity) -> list[str]:
    return [s.value for s in SEVERITY_ORDER[severity.rank :]]


@app.command()
def scan(
    paths: list[Path] = typer.Argument(
        ...,
        help=(
            "Files and folders: .eml, mbox, Maildir, .msg; text exports (CSV, JSON, Android SMS Backup & "
            "Restore XML); social exports (ours, or an Instagram, Facebook or TikTok download); zip archives of "
            "any of these. See docs/readers.md."
        ),
    ),
    format: Format = typer.Option(Format.table, "--format", "-f", help="Output: table, json (JSON Lines) or csv."),
    fail_on: Severity | None = typer.Option(
        None, "--fail-on", help="Exit 1 when a finding at or above this severity is open (for automation)."
    ),
    since: str | None = typer.Option(None, "--since", help="Only items sent at or after this date."),
    until: str | None = typer.Option(None, "--until", help="Only items sent before this date."),
    workers: int | None = typer.Option(None, "--workers", help="Processes (default: AUPGUARD_WORKERS or CPU cores)."),
) -> None:
    """Scan messages for findings against the policy pack; every item is stored or recorded as an error.

    Ctrl-C (or SIGTERM) stops the scan between batches: what was stored stays stored, and running
    the same command again adds only what is missing (exit status 130)."""
    existing_paths(paths)
    since_dt, until_dt = parse_when(since, "--since"), parse_when(until, "--until")
    if since_dt is not None and until_dt is not None and since_dt >= until_dt:
        # Swapped dates would scan nothing and say only "outside the date window".
        raise fail(f"--since {since} is not before --until {until}: no item could be in that window")
    ws = open_workspace()
    writer = FindingWriter(format.value, out)
    worst_open: list[str] = []

    def on_findings(rows: list[dict[str, Any]]) -> None:
        writer.write(rows)
        worst_open.extend(r["severity"] for r in rows if r["status"] == "open")

    n_workers = workers or config.workers()
    show_progress = sys.stderr.isatty()
    progress = Progress(
        TextColumn("scanning"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[items]} items"),
        TimeRemainingColumn(), console=err, transient=True, disable=not show_progress,
    )  # fmt: skip
    with progress:
        task = progress.add_task("scan", total=total_bytes(paths) if show_progress else None, items=0)
        counts = scanning.scan(
            ws,
            paths,
            since=since_dt,
            until=until_dt,
            workers=n_workers,
            on_findings=on_findings,
            on_progress=lambda done, n: progress.update(task, completed=done, items=n),
        )
    seconds = counts.stage_seconds.get("total", 0.0)
    summary = scanning.summary(counts, seconds)
    # The scan only queues new items for the full-text index (a per-row index update would slow
    # the store stage several times over); index them now, in bulk, so search is ready.
    if show_progress and counts.items:
        err.print("indexing the new items for search ...")
    started = time.perf_counter()
    summary["indexed"] = search.catch_up(ws.engine)
    index_seconds = time.perf_counter() - started
    if format == Format.json:
        sys.stdout.write(json.dumps({"summary": summary}) + "\n")
    else:
        writer.finish()
        err.print(
            f"read {counts.read} records: {counts.items} items, {counts.errors} errors, {counts.skipped} outside "
            f"the date window; {counts.findings} findings ({counts.covered} covered) in {seconds:.1f}s"
            + (f"; {summary['indexed']} indexed for search in {index_seconds:.1f}s" if summary["indexed"] else "")
        )
        if counts.errors:
            err.print("Errors are stored with their reasons: `aupguard errors` lists them.")
    if fail_on is not None and any(s in at_or_above(fail_on) for s in worst_open):
        raise typer.Exit(1)

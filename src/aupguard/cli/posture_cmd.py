"""`aupguard posture` (summary per clause) and `aupguard posture import KIND PATH...`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from aupguard.cli import app, err, existing_paths, fail, open_workspace, out
from aupguard.posture.kinds import SOURCE_KINDS
from aupguard.store import audit_repo


class Format(StrEnum):
    table = "table"
    json = "json"


posture_app = typer.Typer(
    help="Accounts, access and operations checks: import exports and logs, see the summary per clause.",
    invoke_without_command=True,
)
app.add_typer(posture_app, name="posture")


@posture_app.callback()
def summary(
    ctx: typer.Context,
    format: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """Print the posture summary: per clause, open and covered findings and the people concerned."""
    if ctx.invoked_subcommand is not None:
        return
    from aupguard.posture.summary import summarize

    ws = open_workspace()
    data = summarize(ws)
    audit_repo.record(ws.engine, "posture.summary", None, None, None)
    if format == Format.json:
        out.print_json(json.dumps(data))
        return
    table = Table(title="Posture per clause (aupguard findings --rule RULE for the findings)")
    for col in ("clause", "rule", "sev", "open", "covered", "people", "by building"):
        table.add_column(col, overflow="fold")
    for clause in data["clauses"]:
        for i, r in enumerate(clause["rules"]):
            building = ", ".join(f"{b}: {n}" for b, n in r["by_building"].items())
            table.add_row(
                clause["clause"] if i == 0 else "",
                r["rule"],
                r["severity"],
                str(r["open"]),
                str(r["covered"]),
                str(r["people"]),
                building,
            )
    out.print(table)
    if data["imports"]:
        imports = Table(title="Latest import per source")
        for col in ("kind", "as of", "records", "errors", "new findings", "files"):
            imports.add_column(col, overflow="fold")
        for imp in data["imports"]:
            imports.add_row(
                imp["kind"],
                imp["as_of"][:16],
                str(imp["records"]),
                str(imp["errors"]),
                str(imp["findings"]),
                ", ".join(imp["paths"]),
            )
        out.print(imports)
    else:
        out.print("No posture source imported yet: see `aupguard posture import --help`.")


@posture_app.command("import")
def import_(
    kind: str = typer.Argument(
        ..., help="What the files are: " + "; ".join(f"{k}: {v}" for k, v in SOURCE_KINDS.items()) + "."
    ),
    paths: list[Path] = typer.Argument(..., help="One or more files of that kind."),
    as_of: datetime | None = typer.Option(
        None,
        "--as-of",
        help="Judge exports as of this time, UTC unless it has an offset (default: now), e.g. 2026-10-01T08:00:00.",
    ),
) -> None:
    """Read exports or logs of one kind, run their checks and store the findings for review."""
    from aupguard.posture.run import run_import

    if kind not in SOURCE_KINDS:
        raise fail(f"unknown kind {kind!r}; one of: {', '.join(SOURCE_KINDS)}")
    existing_paths(paths)
    ws = open_workspace()
    when = as_of if as_of is None or as_of.tzinfo else as_of.replace(tzinfo=UTC)
    result = run_import(ws, kind, paths, as_of=when)
    audit_repo.record(ws.engine, "posture.import", kind, None, None, paths=[str(p) for p in paths], **result.counts())
    out.print(
        f"{kind}: {result.records} records read, {len(result.observations)} judged notable, "
        f"{result.findings} new findings ({result.covered} covered by a permission), {len(result.errors)} errors."
    )
    for e in result.errors[:20]:
        err.print(f"  {e.source}:{e.position.removeprefix('line ')}: {e.reason}", markup=False)
    if len(result.errors) > 20:
        err.print(f"  ... and {len(result.errors) - 20} more (aupguard errors)")

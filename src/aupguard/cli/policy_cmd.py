"""`aupguard policy show|check`: read and validate the policy pack."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from aupguard.cli import app, err, existing_paths, out, state
from aupguard.policy.schema import Pack
from aupguard.workspace import Workspace, WorkspaceError

policy_app = typer.Typer(help="Show the policy pack or validate a district's edited copy.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _pack(path: Path | None) -> Pack:
    from aupguard.policy.loader import load_pack

    if path is not None:
        return load_pack(path)
    try:
        return Workspace.open(state.home).current_pack()
    except WorkspaceError:
        return load_pack(None)  # no workspace yet: show the bundled default


@policy_app.command("show")
def show(
    path: Path | None = typer.Argument(None, help="A pack file (default: the workspace's pack, else the bundled one)."),
    clauses: bool = typer.Option(True, "--clauses/--no-clauses", help="Print the clauses."),
    rules: bool = typer.Option(True, "--rules/--no-rules", help="Print the rules."),
) -> None:
    """Print the clauses and rules of the policy pack."""
    pack = _pack(path)
    out.print(f"[bold]{pack.title}[/bold] — pack {pack.id} version {pack.version}, in force from {pack.effective}")
    if clauses:
        table = Table(title="Clauses", show_lines=False)
        table.add_column("id", no_wrap=True)
        table.add_column("text", overflow="fold")
        for c in pack.clauses():
            table.add_row(c.id, c.text)
        out.print(table)
    if rules:
        table = Table(title="Rules")
        for col in ("rule", "clause", "status", "signals", "severity", "reviewer", "covered by"):
            table.add_column(col, overflow="fold")
        for r in pack.rules:
            status = r.status if r.status == "active" else f"{r.status}: {r.needs or ''}"
            table.add_row(r.id, r.clause, status, ", ".join(r.signals or []), r.severity, r.reviewer,
                          ", ".join(r.covered_by or []) or "-")  # fmt: skip
        out.print(table)
        table = Table(title="Permission kinds")
        for col in ("kind", "title", "approved by"):
            table.add_column(col, overflow="fold")
        for k in pack.permission_kinds:
            table.add_row(k.id, k.title, " or ".join(k.approver_roles))
        out.print(table)


@policy_app.command("check")
def check(path: Path = typer.Argument(..., help="The district's edited pack (YAML).")) -> None:
    """Validate a pack: fields, clause and detector references, signal kinds, dates; exit 1 on problems."""
    from aupguard.policy.loader import check_pack

    existing_paths([path])
    problems = check_pack(path)
    for p in problems:
        err.print(f"{path}:{p.line}: {p.level}: {p.message}", markup=False, highlight=False)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        err.print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {path}.")
        raise typer.Exit(1)
    out.print(f"{path}: valid policy pack" + (f" ({len(problems)} warning(s))." if problems else "."))

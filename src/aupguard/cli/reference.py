"""Generating docs/cli.md from `--help` and docs/configuration.md from the settings registry.

`python -m aupguard.cli.reference` rewrites both; a test fails when either is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from aupguard import config


def build_app() -> typer.Typer:
    from aupguard.cli import app

    return app


def _walk(cmd: Any, path: list[str]) -> list[list[str]]:
    """Every command path under `cmd` (a group has `.commands`)."""
    found = [path]
    for name in sorted(getattr(cmd, "commands", {}) or {}):
        found += _walk(cmd.commands[name], [*path, name])
    return found


def cli_markdown() -> str:
    app = build_app()
    root = typer.main.get_command(app)
    runner = CliRunner()
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `python -m aupguard.cli.reference`; a test keeps it true.",
        "",
    ]
    for path in _walk(root, ["aupguard"]):
        # Fixed width and no colour, so the text is the same on every machine.
        env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        result = runner.invoke(app, [*path[1:], "--help"], prog_name="aupguard", env=env)
        text = "\n".join(line.rstrip() for line in result.stdout.rstrip().splitlines())
        parts += [f"## {' '.join(path)}", "", "```text", text, "```", ""]
    return "\n".join(parts)


def config_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable. Generated from `aupguard.config.SETTINGS` by",
        "`python -m aupguard.cli.reference`; a test fails when a setting is undocumented.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for s in config.SETTINGS.values():
        lines.append(f"| `{s.env}` | {('`' + s.default + '`') if s.default else '—'} | {s.help} |")
    return "\n".join(lines) + "\n"


def main(docs: Path) -> None:
    (docs / "cli.md").write_text(cli_markdown(), encoding="utf-8")
    (docs / "configuration.md").write_text(config_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))

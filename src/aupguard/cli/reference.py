"""Generating docs/cli.md from `--help` and docs/configuration.md from the settings registry.

`python -m aupguard.cli.reference` rewrites both; a test fails when either is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import typer

from aupguard import config


def build_app() -> typer.Typer:
    from aupguard.cli import app, commands, demo_cmd, detect_cmd, import_cmd, permit_cmd, policy_cmd, scan_cmd  # noqa: F401

    return app


def _walk(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            found += _walk(cmd.commands[name], [*path, name])
    return found


def cli_markdown() -> str:
    root = typer.main.get_command(build_app())
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `python -m aupguard.cli.reference`; a test keeps it true.",
        "",
    ]
    for path, cmd in _walk(root, ["aupguard"]):
        with click.Context(cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100) as ctx:
            text = cmd.get_help(ctx)
        parts += [f"## {' '.join(path)}", "", "```text", text.rstrip(), "```", ""]
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

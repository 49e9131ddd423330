"""The README's tour runs as written on the sample district (so the README stays true)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from aupguard.cli.reference import build_app

README = Path(__file__).resolve().parents[1] / "README.md"


def tour_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## A short tour") :]
    block = block[block.index("```sh") + 5 : block.index("```", block.index("```sh") + 5)]
    block = block.replace("\\\n", " ")
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line.startswith("aupguard "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_readme_tour_runs_on_the_sample_district(workspace_env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    app = build_app()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    commands = tour_commands()
    assert len(commands) >= 8
    for args in commands:
        if args[:2] == ["policy", "check"]:
            pack = tmp_path / args[2]
            pack.write_text((workspace_env / "policy" / "iasb-401.13.yaml").read_text(encoding="utf-8"))
            args = [*args[:2], str(pack)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    # the tour's consent covered the coach's text, and its revocation reopened it
    shown = runner.invoke(app, ["findings", "--person", "stf-011", "--format", "json"])
    assert '"status": "open"' in shown.stdout

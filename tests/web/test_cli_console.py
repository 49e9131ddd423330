"""`aupguard users add / list / reset` and `aupguard serve --help`."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from aupguard.cli import app
from aupguard.console import auth
from aupguard.store import audit_repo
from aupguard.workspace import Workspace

runner = CliRunner()


def test_users_add_list_reset(workspace: Workspace, workspace_env: Path) -> None:
    r = runner.invoke(app, ["users", "add", "jdoe", "--role", "principal", "--building", "bld-hs"])
    assert r.exit_code == 0, r.output
    password = re.search(r"One-time password: (\S+)", r.output).group(1)  # type: ignore[union-attr]
    user = auth.find_user(workspace.engine, "jdoe")
    assert user is not None and user.must_change_password and user.building_ids == ("bld-hs",)
    assert runner.invoke(app, ["users", "add", "jdoe", "--role", "employee"]).exit_code == 2  # exists
    assert runner.invoke(app, ["users", "add", "x", "--role", "emperor"]).exit_code == 2  # no such role
    assert "jdoe" in runner.invoke(app, ["users", "list"]).output
    r = runner.invoke(app, ["users", "reset", "jdoe"])
    assert r.exit_code == 0 and password not in r.output
    assert runner.invoke(app, ["users", "reset", "nobody"]).exit_code == 2
    assert any(e["action"] == "user.reset" for e in audit_repo.entries(workspace.engine, 5))


def test_serve_names_its_options() -> None:
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and all(o in r.output for o in ("--host", "--port", "--workers"))

"""Docs stay true: the CLI reference and the settings page are regenerated and compared."""

from __future__ import annotations

import re
from pathlib import Path

from aupguard import config
from aupguard.cli.reference import cli_markdown, config_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"
FIX = "run `python -m aupguard.cli.reference docs` and commit the result"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(), FIX


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in ("init", "demo", "scan", "findings", "show", "errors", "detect", "import roster",
                    "import accounts", "import people", "permit grant", "permit revoke", "permit list",
                    "policy show", "policy check"):  # fmt: skip
        assert f"## aupguard {command}\n" in text


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert text == config_markdown(), FIX
    for setting in config.SETTINGS.values():
        assert f"`{setting.env}`" in text and setting.help in text


def test_readme_shows_the_two_commands_near_the_top() -> None:
    head = (DOCS.parent / "README.md").read_text(encoding="utf-8")[:2500]
    assert "pip install -e . && aupguard demo" in head
    assert "pip install -e '.[test]' && pytest" in head
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    # the README's test command, run as written on SQLite and with a PostgreSQL server
    assert "pip install -q -e '.[test]'" in ci
    assert re.search(r"^pytest\b", ci, re.M) and re.search(r'^AUPGUARD_TEST_DATABASE_URL="\$pg_url" pytest\b', ci, re.M)

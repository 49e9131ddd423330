"""A scanned small district: items, findings and a few audit entries to tamper with."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from aupguard.scanning import scan
from aupguard.store import audit_repo
from aupguard.store.tables import findings, items
from aupguard.workspace import Workspace
from tests.small_district import seed_directory


@pytest.fixture
def scanned(workspace: Workspace, mail: Path) -> Workspace:
    seed_directory(workspace)
    scan(workspace, [mail])
    audit_repo.record(workspace.engine, "finding.view", target="finding:1", reason="weekly review", actor="cli:tester")
    audit_repo.record(workspace.engine, "finding.view", target="finding:2", reason="weekly review", actor="cli:tester")
    return workspace


def item_without_finding(ws: Workspace) -> str:
    with ws.engine.connect() as conn:
        flagged = set(conn.scalars(select(findings.c.item_id)))
        return next(i for i in conn.scalars(select(items.c.id).order_by(items.c.id)) if i not in flagged)

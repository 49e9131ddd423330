"""A scanned small district for the records workflows."""

from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.scanning import scan
from aupguard.workspace import Workspace
from tests.small_district import seed_directory


@pytest.fixture
def scanned(workspace: Workspace, mail: Path) -> Workspace:
    seed_directory(workspace)
    scan(workspace, [mail])
    return workspace

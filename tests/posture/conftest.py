"""A small district for the posture checks: people, accounts, and pack settings per test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from aupguard.directory.batch import DirectoryBatch
from aupguard.directory.index import Directory
from aupguard.model import Account, Building, Person, PersonKind
from aupguard.posture.checks.context import CheckContext
from aupguard.posture.settings import PostureSettings
from aupguard.store import directory_repo
from aupguard.workspace import Workspace

DOMAIN = "pccsd.example.org"
AS_OF = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
CENTRAL = ZoneInfo("America/Chicago")

PEOPLE = [
    Person("sup", PersonKind.STAFF, "Morgan", "Hale", roles=["superintendent"]),
    Person("td", PersonKind.STAFF, "Tess", "Dunn", roles=["technology_director"]),
    Person("tis", PersonKind.STAFF, "Ivy", "Stone", roles=["technology_integrationist"], building_ids=["hs"]),
    Person("prin", PersonKind.STAFF, "Avery", "Cole", roles=["principal"], building_ids=["hs"]),
    Person("t1", PersonKind.STAFF, "Sam", "Ortiz", roles=["teacher"], building_ids=["hs"]),
    Person("t2", PersonKind.STAFF, "Lee", "Park", roles=["teacher"], building_ids=["ms"]),
    Person("gone", PersonKind.STAFF, "Kim", "Old", building_ids=["hs"], active=False),
    Person("vol", PersonKind.VOLUNTEER, "Val", "Unteer", building_ids=["hs"]),
    Person("s1", PersonKind.STUDENT, "Marisol", "Lindqvist", building_ids=["hs"]),
]
BUILDINGS = [Building("hs", "Prairie High School", ["prin"]), Building("ms", "Prairie Middle School", [])]


def email(pid: str) -> str:
    return f"{pid}@{DOMAIN}"


def accounts() -> list[Account]:
    return [Account(email(p.id), "email", p.id, True) for p in PEOPLE]


def directory() -> Directory:
    return Directory.build(PEOPLE, BUILDINGS, (), accounts(), {DOMAIN})


def context(**settings: Any) -> CheckContext:
    return CheckContext(directory(), PostureSettings.model_validate(settings), AS_OF, CENTRAL)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def district(workspace: Workspace) -> Workspace:
    batch = DirectoryBatch(
        source="test", people=list(PEOPLE), buildings=list(BUILDINGS), accounts=accounts(), district_domains={DOMAIN}
    )
    directory_repo.upsert(workspace.engine, batch, "test")
    return workspace


@pytest.fixture
def set_posture(district: Workspace) -> Callable[..., None]:
    """Rewrite the workspace pack's `settings.posture` with these keys."""

    def apply(**settings: Any) -> None:
        (path,) = district.pack_paths()
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["settings"]["posture"] = {**data["settings"].get("posture", {}), **settings}
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return apply

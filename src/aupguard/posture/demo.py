"""The sample district's posture sources (`demo/district/posture/`), imported by `aupguard demo`.

`manifest.yaml` there names the time the sample exports are judged at, the settings the sample
district chose (its networks, backup targets ...; merged over the pack's `settings.posture`),
and the imports in order (software before devices: the inventory names the managed devices).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import yaml

from aupguard.posture.run import ImportResult, run_import
from aupguard.posture.settings import PostureSettings, posture_settings
from aupguard.workspace import Workspace


def import_demo_posture(ws: Workspace, folder: Path) -> list[ImportResult]:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    base = posture_settings(ws.current_pack()).model_dump(mode="json", exclude_defaults=True)
    overrides = dict(manifest.get("settings", {}))
    web = overrides.get("web", {})
    if web.get("categories_path"):  # relative to the folder
        overrides["web"] = {**web, "categories_path": str(folder / web["categories_path"])}
    settings = PostureSettings.model_validate({**base, **overrides})
    as_of = datetime.fromisoformat(str(manifest["as_of"]))
    results = []
    for entry in manifest["imports"]:
        paths = [Path(os.path.normpath(folder / f)) for f in entry["files"]]  # "../accounts/users.csv"
        results.append(run_import(ws, entry["kind"], paths, as_of=as_of, settings=settings))
    return results


def import_demo_posture_summary(ws: Workspace, folder: Path) -> str:
    """Import the sample posture sources; one line saying what they gave (for `aupguard demo`)."""
    results = import_demo_posture(ws, folder)
    return (
        f"  posture: {len(results)} exports and logs, {sum(r.records for r in results)} records, "
        f"{sum(r.findings for r in results)} new findings (aupguard posture)"
    )

"""Importing posture sources: read the files of one kind, run its checks, judge the
observations with the engine and store items, errors and findings like a scan does.

Re-importing the same files adds nothing: items are keyed by the SHA-256 of their evidence lines
and findings by (item, rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from aupguard.engine import EngineContext, evaluate
from aupguard.model import Finding, ReadError
from aupguard.posture.checks import accounts, inventory, operations, signins, training, web
from aupguard.posture.checks.context import CheckContext
from aupguard.posture.evidence import Observation
from aupguard.posture.readers import accounts as account_readers
from aupguard.posture.readers import activity, categories, squid
from aupguard.posture.readers import inventory as inventory_readers
from aupguard.posture.readers import operations as operation_readers
from aupguard.posture.readers import training as training_readers
from aupguard.posture.settings import PostureSettings, posture_settings
from aupguard.store import findings_repo, permissions_repo
from aupguard.store.db import insert_ignore
from aupguard.store.posture_tables import posture_devices, posture_imports
from aupguard.store.tables import evidence, scans
from aupguard.workspace import Workspace


@dataclass
class ImportResult:
    kind: str
    records: int = 0
    errors: list[ReadError] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    findings: int = 0  # new findings stored
    covered: int = 0
    managed: set[str] = field(default_factory=set)  # devices an MDM inventory listed

    def counts(self) -> dict[str, int]:
        return {
            "records": self.records,
            "errors": len(self.errors),
            "observations": len(self.observations),
            "findings": self.findings,
            "covered": self.covered,
        }


Judge = Callable[[list[Path], CheckContext, ImportResult], None]


def _each(paths: list[Path], read: Callable[[Path, list[ReadError]], list[Any]], result: ImportResult) -> list[Any]:
    out: list[Any] = []
    for p in paths:
        out.extend(read(p, result.errors))
    result.records += len(out)
    return out


def _accounts(read: Callable[[Path, list[ReadError]], list[Any]]) -> Judge:
    def judge(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
        result.observations += accounts.check_accounts(_each(paths, read, result), ctx)

    return judge


def _activity(read: Callable[[Path, list[ReadError]], list[Any]]) -> Judge:
    def judge(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
        events = _each(paths, read, result)
        result.observations += signins.check_signins(events, ctx) + signins.check_mailbox(events, ctx)
        result.observations += accounts.check_account_events(events, ctx)

    return judge


def _squid(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    cat = load_categorizer(ctx)
    for p in paths:
        counted = _counting(squid.read_squid(p, result.errors), result)
        result.observations += web.check_web(counted, str(p), cat, ctx)


def _counting(requests: Iterator[squid.WebRequest], result: ImportResult) -> Iterator[squid.WebRequest]:
    for r in requests:
        result.records += 1
        yield r


def load_categorizer(ctx: CheckContext) -> categories.Categorizer:
    w = ctx.settings.web
    roots = [categories.BUNDLED] + ([w.categories_path] if w.categories_path else [])
    return categories.Categorizer.load(w.social_categories + w.non_work_categories, roots)


def _software(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    installs = _each(paths, inventory_readers.read_software, result)
    result.managed = inventory.managed_devices(installs)
    result.observations += inventory.check_software(installs, ctx)


def _devices(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    result.observations += inventory.check_sightings(_each(paths, inventory_readers.read_sightings, result), ctx)


def _duties(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    result.observations += accounts.check_duties(_each(paths, operation_readers.read_duties, result), ctx)


def _backups(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    jobs = _each(paths, operation_readers.read_backup_jobs, result)
    result.observations += operations.check_backups(jobs, ctx, str(paths[0]))


def _restore(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    tests = _each(paths, operation_readers.read_restore_tests, result)
    result.observations += operations.check_restore_tests(tests, ctx, str(paths[0]))


def _training(paths: list[Path], ctx: CheckContext, result: ImportResult) -> None:
    records = _each(paths, training_readers.read_training, result)
    result.observations += training.check_training(records, ctx, str(paths[0]))


# kind -> how it is judged; `aupguard posture import KIND` takes these names (kinds.SOURCE_KINDS).
JUDGES: dict[str, Judge] = {
    "google-users": _accounts(account_readers.read_google_users),
    "entra-users": _accounts(account_readers.read_entra_users),
    "platform-users": _accounts(account_readers.read_platform_users),
    "google-activity": _activity(activity.read_google_activity),
    "entra-signins": _activity(activity.read_entra_signins),
    "squid": _squid,
    "software": _software,
    "devices": _devices,
    "duties": _duties,
    "backups": _backups,
    "restore-tests": _restore,
    "training": _training,
}


def check_context(
    ws: Workspace, as_of: datetime | None = None, settings: PostureSettings | None = None
) -> CheckContext:
    pack = ws.current_pack()
    return CheckContext(
        directory=ws.directory(),
        settings=settings or posture_settings(pack),
        as_of=as_of or datetime.now(UTC),
        timezone=ZoneInfo(pack.timezone),
        web_seen=_web_seen(ws.engine),
        managed_devices=_managed(ws.engine),
    )


def _web_seen(engine: Engine) -> dict[tuple[str, str], date]:
    """(who, group) -> first day of an earlier personal-web finding."""
    q = select(evidence.c.kind, evidence.c.data).where(evidence.c.kind.like("posture.web.%"))
    out: dict[tuple[str, str], date] = {}
    with engine.connect() as conn:
        for r in conn.execute(q):
            key, day = (str(r.data.get("who")), r.kind.split(".")[2]), date.fromisoformat(str(r.data.get("day")))
            out[key] = min(out.get(key, day), day)
    return out


def _managed(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(posture_devices.c.name))}


def run_import(
    ws: Workspace,
    kind: str,
    paths: list[Path],
    *,
    as_of: datetime | None = None,
    settings: PostureSettings | None = None,
) -> ImportResult:
    """Read, check, judge and store one import (with the pack's posture settings unless others
    are given). Raises KeyError for an unknown kind."""
    judge = JUDGES[kind]
    ctx = check_context(ws, as_of, settings)
    result = ImportResult(kind)
    judge(paths, ctx, result)
    store(ws, result, paths, ctx)
    return result


def judge_observations(ws: Workspace, observations: list[Observation]) -> list[Finding]:
    engine_ctx = EngineContext(ws.directory(), ws.rulesets(), permissions_repo.all_permissions(ws.engine))
    out: list[Finding] = []
    for obs in observations:
        out.extend(evaluate(obs.item, obs.signals, engine_ctx))
    return out


def store(ws: Workspace, result: ImportResult, paths: list[Path], ctx: CheckContext) -> None:
    now = datetime.now(UTC)
    found = judge_observations(ws, result.observations)
    rows = []
    ws.blobs.put_many((obs.item.raw, obs.item.id) for obs in result.observations)  # one append
    for obs in result.observations:
        rows.append((findings_repo.item_row(obs.item, now), obs.item.source, obs.item.position))
    keys = [(f.item_id, f.rule_id) for f in found]
    with ws.engine.begin() as conn:
        scan_id = conn.execute(
            scans.insert()
            .values(
                started_at=now, paths=[str(p) for p in paths], counts={}, pack_version=str(ws.current_pack().version)
            )
            .returning(scans.c.id)
        ).scalar_one()
        before = findings_repo.existing_keys(conn, keys)
        times = {o.item.id: o.item.sent_at for o in result.observations}
        findings_repo.store_batch(conn, scan_id, rows, result.errors, found, times)
        fresh = [f for f in found if (f.item_id, f.rule_id) not in before]
        result.findings = len({(f.item_id, f.rule_id) for f in fresh})
        result.covered = len({(f.item_id, f.rule_id) for f in fresh if f.permission_id is not None})
        conn.execute(
            scans.update().where(scans.c.id == scan_id).values(finished_at=datetime.now(UTC), counts=result.counts())
        )
        conn.execute(
            posture_imports.insert().values(
                kind=result.kind,
                paths=[str(p) for p in paths],
                imported_at=now,
                as_of=ctx.as_of,
                scan_id=scan_id,
                counts=result.counts(),
            )
        )
        if result.managed:
            conn.execute(
                insert_ignore(conn.dialect.name, posture_devices),
                [{"name": n, "first_seen": now, "last_seen": now} for n in sorted(result.managed)],
            )
            conn.execute(
                posture_devices.update().where(posture_devices.c.name.in_(sorted(result.managed))).values(last_seen=now)
            )

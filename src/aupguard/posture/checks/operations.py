"""Backups, e-mail archiving and disaster recovery (401.13 procedures: data back-up including
archiving of e-mail; disaster recovery plans)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from aupguard.posture.checks.context import CheckContext
from aupguard.posture.evidence import Observation, evidence_item, signal, synthetic_line
from aupguard.posture.readers.operations import BackupJob, RestoreTest
from aupguard.posture.settings import BackupTarget


def check_backups(jobs: list[BackupJob], ctx: CheckContext, source: str) -> list[Observation]:
    by_system: dict[str, list[BackupJob]] = defaultdict(list)
    for j in jobs:
        by_system[j.system].append(j)
    targets = {k.lower(): v for k, v in ctx.settings.backup_targets.items()}
    out: list[Observation] = []
    for system in sorted(set(by_system) | set(targets)):
        target = targets.get(system, BackupTarget())
        runs = sorted(by_system.get(system, []), key=lambda j: j.finished)
        good = [j for j in runs if j.ok]
        limit = timedelta(hours=target.max_age_hours)
        if not good or ctx.as_of - good[-1].finished > limit:
            last = good[-1] if good else None
            lines = [last.lines] if last else [synthetic_line(source, {"system": system, "backup": "none reported"})]
            when = f"last good backup {last.finished:%Y-%m-%d %H:%M} UTC" if last else "no good backup reported"
            sig = signal(
                "posture_backups",
                "posture.backup_stale",
                f"{system}: {when}; its target is {target.max_age_hours:g} hours",
                text=system,
                system=system,
            )
            out.append(
                Observation(
                    evidence_item(lines, kind="backups", at=ctx.as_of, address=None, summary=f"backups of {system}"),
                    [sig],
                )
            )
        streak = []
        for j in reversed(runs):
            if j.ok:
                break
            streak.append(j)
        if len(streak) >= target.failed_streak:
            sig = signal(
                "posture_backups",
                "posture.backup_failed_streak",
                f"{system}: the last {len(streak)} backup jobs failed ({streak[0].status or 'failed'})",
                text=system,
                system=system,
                failures=len(streak),
            )
            out.append(
                Observation(
                    evidence_item(
                        [j.lines for j in reversed(streak)],
                        kind="backups",
                        at=streak[0].finished,
                        address=None,
                        summary=f"failed backups of {system}",
                    ),
                    [sig],
                )
            )
        if target.mail_archive:
            for a, b in zip(good, good[1:], strict=False):
                if b.finished - a.finished > limit:
                    hours = (b.finished - a.finished).total_seconds() / 3600
                    sig = signal(
                        "posture_backups",
                        "posture.mail_archive_gap",
                        f"{system}: e-mail archive not updated for {hours:.0f} hours "
                        f"({a.finished:%Y-%m-%d} to {b.finished:%Y-%m-%d})",
                        text=system,
                        system=system,
                    )
                    out.append(
                        Observation(
                            evidence_item(
                                [a.lines, b.lines],
                                kind="backups",
                                at=b.finished,
                                address=None,
                                summary=f"archive gap in {system}",
                            ),
                            [sig],
                        )
                    )
    return out


def check_restore_tests(tests: list[RestoreTest], ctx: CheckContext, source: str) -> list[Observation]:
    by_system: dict[str, list[RestoreTest]] = defaultdict(list)
    for t in tests:
        by_system[t.system].append(t)
    required = {k.lower() for k, v in ctx.settings.backup_targets.items() if v.restore_test}
    period = timedelta(days=ctx.settings.restore_test_days)
    out = []
    for system in sorted(set(by_system) | required):
        runs = sorted(by_system.get(system, []), key=lambda t: t.tested)
        latest = runs[-1] if runs else None
        good = [t for t in runs if t.ok]
        if latest is not None and not latest.ok:
            sig = signal(
                "posture_restore",
                "posture.restore_test_failed",
                f"{system}: the last restore test ({latest.tested:%Y-%m-%d}, {latest.restored or 'restore'}"
                f"{', by ' + latest.by if latest.by else ''}) failed",
                text=system,
                system=system,
            )
            out.append(
                Observation(
                    evidence_item(
                        [latest.lines],
                        kind="restore-tests",
                        at=latest.tested,
                        address=None,
                        summary=f"restore test of {system}",
                    ),
                    [sig],
                )
            )
        if not good or ctx.as_of - good[-1].tested > period:
            last = good[-1] if good else None
            lines = (
                [last.lines] if last else [synthetic_line(source, {"system": system, "restore_test": "none reported"})]
            )
            when = f"last successful restore test {last.tested:%Y-%m-%d}" if last else "no successful restore test"
            sig = signal(
                "posture_restore",
                "posture.restore_test_missing",
                f"{system}: {when}; the plan asks for one every {ctx.settings.restore_test_days} days",
                text=system,
                system=system,
            )
            out.append(
                Observation(
                    evidence_item(
                        lines, kind="restore-tests", at=ctx.as_of, address=None, summary=f"restore tests of {system}"
                    ),
                    [sig],
                )
            )
    return out

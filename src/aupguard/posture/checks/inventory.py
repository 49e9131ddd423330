"""Personal software and personal devices (401.13R1: installing personal software or using
personal technology without the Technology Director's permission)."""

from __future__ import annotations

from collections import defaultdict

from aupguard.posture.checks.context import CheckContext, matches_any
from aupguard.posture.evidence import Observation, evidence_item, signal
from aupguard.posture.readers.inventory import DeviceSighting, SoftwareInstall

MAX_SIGHTING_LINES = 20  # evidence for an unknown device: its first sightings, not all of them


def check_software(installs: list[SoftwareInstall], ctx: CheckContext) -> list[Observation]:
    """Installs not on the approved catalogue, one observation per device and application."""
    catalogue = ctx.settings.approved_software
    out = []
    seen: set[tuple[str, str]] = set()
    for inst in installs:
        key = (inst.device.lower(), inst.app.lower())
        if key in seen or matches_any(inst.app, catalogue):
            continue
        seen.add(key)
        person = ctx.person(inst.user)
        sig = signal(
            "posture_software",
            "posture.software_unapproved",
            f"{inst.app} {inst.version} on {inst.device or 'a device'}"
            f"{' (' + inst.user + ')' if inst.user else ''} is not on the approved software catalogue",
            text=inst.app,
            person_id=person.id if person else None,
            device=inst.device,
            app=inst.app,
            version=inst.version,
        )
        item = evidence_item(
            [inst.lines],
            kind="software",
            at=inst.installed or ctx.as_of,
            address=None,
            summary=f"{inst.app} on {inst.device}",
        )
        out.append(Observation(item, [sig]))
    return out


def managed_devices(installs: list[SoftwareInstall]) -> set[str]:
    """Device names an MDM inventory lists: those devices are district-managed."""
    return {i.device.lower() for i in installs if i.device}


def check_sightings(sightings: list[DeviceSighting], ctx: CheckContext) -> list[Observation]:
    """Devices on the district network that are neither managed nor on the known list."""
    known = ctx.settings.known_devices
    unknown: dict[str, list[DeviceSighting]] = defaultdict(list)
    for s in sightings:
        names = [s.mac, s.hostname.lower()]
        if any(n and n in ctx.managed_devices for n in names) or any(n and matches_any(n, known) for n in names):
            continue
        unknown[s.mac].append(s)
    out = []
    for mac, seen in sorted(unknown.items()):
        first = seen[0]
        users = sorted({s.user for s in seen if s.user})
        person = ctx.person(users[0]) if len(users) == 1 else None
        label = f"{mac} {first.hostname}".strip()
        sig = signal(
            "posture_devices",
            "posture.device_unknown",
            f"device {label} seen {len(seen)} time(s) on the district network is not a managed or known "
            f"device{' (user ' + ', '.join(users) + ')' if users else ''}",
            text=label,
            person_id=person.id if person else None,
            mac=mac,
            hostname=first.hostname,
            users=users,
        )
        item = evidence_item(
            [s.lines for s in seen[:MAX_SIGHTING_LINES]],
            kind="devices",
            at=first.at or ctx.as_of,
            address=None,
            summary=f"unknown device {label}",
        )
        out.append(Observation(item, [sig]))
    return out

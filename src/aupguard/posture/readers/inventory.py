"""MDM software inventories and network device sightings (CSV).

Software: one row per installed application per device, as Intune ("Device name", "Primary
user UPN", "Application name", "Application version") and Jamf ("Computer Name", "Username",
"Application Title", "Application Version") export it, or plain device,user,app,version,
install_date. Sightings: DHCP lease or NAC exports with MAC, host name, user and time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aupguard.exportfiles import parse_time
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines
from aupguard.posture.readers.tabular import read_csv

_DEVICE = ("device", "devicename", "computername", "computer", "hostname", "serialnumber")
_USER = ("user", "username", "primaryuserupn", "userprincipalname", "primaryuser", "email", "owner")
_APP = ("app", "application", "applicationname", "appname", "applicationtitle", "displayname", "name", "software")


@dataclass(slots=True)
class SoftwareInstall:
    device: str
    user: str
    app: str
    version: str
    installed: datetime | None
    lines: SourceLines


def read_software(path: Path, errors: list[ReadError]) -> list[SoftwareInstall]:
    out = []
    for row in read_csv(path, errors, required=(_DEVICE, _APP)):
        app = row.pick(*_APP)
        if not app:
            errors.append(ReadError(row.lines.source, row.lines.position, "no application name"))
            continue
        out.append(
            SoftwareInstall(
                device=row.pick(*_DEVICE),
                user=row.pick(*_USER),
                app=app,
                version=row.pick("version", "applicationversion", "appversion"),
                installed=parse_time(row.pick("installdate", "installed", "installedat", "installeddate", "date")),
                lines=row.lines,
            )
        )
    return out


_MAC = ("mac", "macaddress", "hardwareaddress", "clientid", "physicaladdress")
_MAC_RE = re.compile(r"^[0-9a-f]{12}$")


def normalize_mac(value: str) -> str | None:
    """ "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "aa:bb:..." -> "aa:bb:cc:dd:ee:ff"."""
    digits = re.sub(r"[^0-9a-f]", "", value.lower())
    if not _MAC_RE.match(digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(slots=True)
class DeviceSighting:
    mac: str
    hostname: str
    user: str
    ip: str
    at: datetime | None
    lines: SourceLines


def read_sightings(path: Path, errors: list[ReadError]) -> list[DeviceSighting]:
    out = []
    for row in read_csv(path, errors, required=(_MAC,)):
        mac = normalize_mac(row.pick(*_MAC))
        if mac is None:
            errors.append(ReadError(row.lines.source, row.lines.position, f"invalid MAC address {row.pick(*_MAC)!r}"))
            continue
        out.append(
            DeviceSighting(
                mac=mac,
                hostname=row.pick("hostname", "host", "name", "devicename", "computername"),
                user=row.pick("user", "username", "email"),
                ip=row.pick("ip", "ipaddress", "address"),
                at=parse_time(row.pick("time", "timestamp", "seen", "lastseen", "leasestart", "start", "date")),
                lines=row.lines,
            )
        )
    return out

"""The pack's `settings: posture:` section: what the district decided for the posture checks.

Typed with pydantic so that `aupguard policy check` reports a wrong CIDR, an unknown weekday or
a misspelt key with its YAML line (`check_posture_settings`), and so that every check reads one
validated object instead of raw dicts. Every key has a default, so a pack without the section
still runs every check with conservative values.
"""

from __future__ import annotations

import ipaddress
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aupguard.policy.problems import FieldPath, PackProblem

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PositiveDays = Annotated[int, Field(ge=1, le=3650)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkLocation(_Model):
    """A network the district knows the place of (a building, a partner site): the only source
    of IP-to-place for impossible-travel checks, since aupguard never looks an address up online."""

    cidr: str
    name: str
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        ipaddress.ip_network(value, strict=False)  # raises ValueError with the reason
        return value


class WorkHours(_Model):
    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    start: time = time(7, 30)
    end: time = time(16, 0)


class WebUse(_Model):
    # Full UT1 lists (the `blacklists/` folder of a UT1 download); None = the small bundled list.
    categories_path: Path | None = None
    # UT1 categories counted as social networking (401.13R1 names it) and as other non-work sites.
    social_categories: list[str] = ["social_networks"]
    non_work_categories: list[str] = ["shopping", "games", "gambling", "dating", "audio-video", "celebrity"]
    # Fewer requests than this in a day is not use: pages embed social widgets and share buttons.
    min_requests_per_day: Annotated[int, Field(ge=1)] = 20


class BackupTarget(_Model):
    max_age_hours: Annotated[float, Field(gt=0)] = 26
    failed_streak: Annotated[int, Field(ge=1)] = 3
    mail_archive: bool = False  # an e-mail archive: a gap between good runs is an archiving gap
    restore_test: bool = True  # the disaster-recovery plan must test restoring this system


class Training(_Model):
    # Course ids every active staff member completes each period (in-service programs).
    required_courses: list[str] = []
    # Documents every active staff member and volunteer acknowledges (annual acknowledgement).
    acknowledgements: list[str] = ["401.13", "401.13R1"]
    acknowledgement_days: PositiveDays = 365
    # Month and day the training year starts (a school year: July 1).
    year_starts: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")] = "07-01"


class PostureSettings(_Model):
    district_networks: list[str] = []
    network_locations: list[NetworkLocation] = []
    work_hours: WorkHours = WorkHours()
    max_password_age_days: PositiveDays = 365
    # Platforms holding secure information, where two-factor sign-in is required.
    secure_platforms: list[Literal["google", "entra", "sis", "aupguard"]] = ["google"]
    # Pairs of duties one person must not hold together.
    separation_of_duties: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = []
    # Addresses (or globs) of accounts allowed to hold administrator rights.
    approved_admins: list[str] = []
    dormant_days: PositiveDays = 90
    # Software names (globs, case-insensitive) on the approved catalogue.
    approved_software: list[str] = []
    # Host-name globs and MAC addresses of devices the district manages.
    known_devices: list[str] = []
    backup_targets: dict[str, BackupTarget] = {}
    restore_test_days: PositiveDays = 365
    training: Training = Training()
    web: WebUse = WebUse()
    # Two sign-ins closer than this, from places this far apart, cannot be one person travelling.
    travel_max_kmh: Annotated[float, Field(gt=0)] = 900
    concurrent_minutes: Annotated[int, Field(ge=1, le=1440)] = 15

    @field_validator("district_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not a network (use CIDR like 10.20.0.0/16): {exc}") from exc
        return value

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(c, strict=False) for c in self.district_networks]


def posture_settings(pack: Any) -> PostureSettings:
    """The validated posture settings of a loaded pack (defaults when it has none)."""
    raw = getattr(pack.settings, "posture", None) or {}
    return PostureSettings.model_validate(raw)


def check_posture_settings(data: dict[str, Any], locate: Any) -> list[PackProblem]:
    """Problems in `settings.posture` of raw pack data, placed at their YAML lines."""
    settings = data.get("settings") if isinstance(data, dict) else None
    raw = settings.get("posture") if isinstance(settings, dict) else None
    if raw is None:
        return []
    try:
        PostureSettings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path: FieldPath = ("settings", "posture", *(p for p in error["loc"] if isinstance(p, str | int)))
            line, column = locate(path)
            where = ".".join(str(p) for p in path)
            problems.append(PackProblem(line, column, where, f"{where}: {error['msg']}"))
        return problems
    return []

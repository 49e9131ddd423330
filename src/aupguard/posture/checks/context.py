"""What every posture check reads: the directory, the district's settings, the time of
judgement, and what earlier imports established (people already coached, managed devices)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aupguard.directory.addresses import normalize_email
from aupguard.directory.index import Directory
from aupguard.model import Person
from aupguard.posture.settings import PostureSettings


@dataclass
class CheckContext:
    directory: Directory
    settings: PostureSettings
    as_of: datetime  # the moment exports are judged at (an export row has no time of its own)
    timezone: ZoneInfo
    # (who, group) -> the first day with a personal-web finding in an earlier import: a later
    # day is a repeat, that day itself stays the first (re-importing must not change it).
    web_seen: dict[tuple[str, str], date] = field(default_factory=dict)
    # Device names and MACs an MDM inventory import has listed as managed.
    managed_devices: set[str] = field(default_factory=set)

    def person(self, who: str | None) -> Person | None:
        """The directory person a log names: person id, e-mail, or a bare user name at one of
        the district's mail domains (proxy and DHCP logs write "jsmith")."""
        if not who:
            return None
        who = who.rsplit("\\", 1)[-1]  # "DISTRICT\\jsmith" (NTLM proxy authentication)
        d = self.directory
        found = d.person(who) or d.person_at(normalize_email(who))
        if found is not None or "@" in who:
            return found
        for domain in sorted(d.district_domains):
            found = d.person_at(f"{who.lower()}@{domain}")
            if found is not None:
                return found
        return None


def matches_any(value: str, patterns: list[str]) -> bool:
    v = value.strip().lower()
    return any(fnmatch.fnmatchcase(v, p.strip().lower()) for p in patterns)

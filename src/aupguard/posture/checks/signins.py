"""Remote access and use of another's account (401.13R1 off-site access, others-account) and
mailbox access (others-email), from sign-in and audit events.

Places come only from the district's own settings (`district_networks`, `network_locations`):
aupguard never looks an address up online, so impossible travel is judged only between places
the district has located, and concurrency between the district's network and outside it, or
between two unrelated outside networks.
"""

from __future__ import annotations

import ipaddress
import math
from collections import defaultdict
from datetime import date, timedelta

from aupguard.posture.checks.context import CheckContext
from aupguard.posture.evidence import Observation, evidence_item, signal
from aupguard.posture.readers.activity import ActivityEvent
from aupguard.posture.settings import NetworkLocation

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Places:
    def __init__(self, ctx: CheckContext) -> None:
        self.district = ctx.settings.networks()
        self.located = [(ipaddress.ip_network(n.cidr, strict=False), n) for n in ctx.settings.network_locations]

    @staticmethod
    def address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address((ip or "").strip())
        except ValueError:
            return None

    def inside(self, ip: str | None) -> bool | None:
        addr = self.address(ip)
        if addr is None:
            return None
        return any(addr in net for net in self.district)

    def located_at(self, ip: str | None) -> NetworkLocation | None:
        addr = self.address(ip)
        return next((loc for net, loc in self.located if addr is not None and addr in net), None)

    def network_key(self, ip: str | None) -> str:
        """Which place an address is: a named location, the district, or its /16 (/32 for v6)."""
        loc = self.located_at(ip)
        if loc is not None:
            return loc.name
        if self.inside(ip):
            return "district"
        addr = self.address(ip)
        prefix = 16 if addr is not None and addr.version == 4 else 32
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)) if addr is not None else "unknown"


def km_between(a: NetworkLocation, b: NetworkLocation) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def check_signins(events: list[ActivityEvent], ctx: CheckContext) -> list[Observation]:
    places = Places(ctx)
    sign_ins = sorted((e for e in events if e.is_sign_in and e.at is not None and e.actor), key=lambda e: e.at)  # type: ignore[arg-type,return-value]
    by_person: dict[str, list[ActivityEvent]] = defaultdict(list)
    for e in sign_ins:
        by_person[e.actor].append(e)
    out: list[Observation] = []
    for actor, evs in sorted(by_person.items()):
        person = ctx.person(actor)
        pid = person.id if person else None
        if places.district:
            out.extend(_offsite(actor, pid, evs, places, ctx))
        out.extend(_sharing(actor, pid, evs, places, ctx))
    return out


def _offsite(
    actor: str, pid: str | None, evs: list[ActivityEvent], places: Places, ctx: CheckContext
) -> list[Observation]:
    """Off-site sign-ins, one observation per person per local day."""
    days: dict[date, list[ActivityEvent]] = defaultdict(list)
    for e in evs:
        if places.inside(e.ip) is False:
            days[e.at.astimezone(ctx.timezone).date()].append(e)  # type: ignore[union-attr]
    out = []
    for day, day_events in sorted(days.items()):
        ips = sorted({e.ip or "" for e in day_events})
        sig = signal(
            "posture_signins",
            "posture.offsite_signin",
            f"{actor} signed in {len(day_events)} time(s) on {day} from outside the district's networks "
            f"({', '.join(ips[:5])})",
            text=" ".join(ips[:5]),
            person_id=pid,
            who=actor,
            day=str(day),
            ips=ips[:20],
        )
        item = evidence_item(
            [e.lines for e in day_events],
            kind=f"{day_events[0].platform}-signins",
            at=day_events[0].at,
            address=actor,
            summary=f"off-site sign-ins of {actor} on {day}",
        )
        out.append(Observation(item, [sig]))
    return out


def _sharing(
    actor: str, pid: str | None, evs: list[ActivityEvent], places: Places, ctx: CheckContext
) -> list[Observation]:
    """Consecutive sign-ins from two places that one person could not be in at once."""
    out = []
    window = timedelta(minutes=ctx.settings.concurrent_minutes)
    for a, b in zip(evs, evs[1:], strict=False):
        if a.ip == b.ip or a.at is None or b.at is None:
            continue
        hours = max((b.at - a.at).total_seconds() / 3600, 1 / 60)
        la, lb = places.located_at(a.ip), places.located_at(b.ip)
        km = km_between(la, lb) if la and lb else None
        sig = None
        if km is not None and km / hours > ctx.settings.travel_max_kmh:
            sig = signal(
                "posture_signins",
                "posture.impossible_travel",
                f"{actor} signed in at {la.name} and {km:.0f} km away at {lb.name} "  # type: ignore[union-attr]
                f"{(b.at - a.at).total_seconds() / 60:.0f} minutes later",
                text=f"{a.ip} {b.ip}",
                person_id=pid,
                who=actor,
                km=round(km),
                minutes=round(hours * 60),
            )
        elif b.at - a.at <= window:
            ka, kb = places.network_key(a.ip), places.network_key(b.ip)
            if ka != kb and "unknown" not in (ka, kb):
                sig = signal(
                    "posture_signins",
                    "posture.concurrent_signin",
                    f"{actor} signed in from {ka} and from {kb} within "
                    f"{(b.at - a.at).total_seconds() / 60:.0f} minutes",
                    text=f"{a.ip} {b.ip}",
                    score=0.6,
                    person_id=pid,
                    who=actor,
                    places=[ka, kb],
                )
        if sig is not None:
            item = evidence_item(
                [a.lines, b.lines],
                kind=f"{a.platform}-signins",
                at=b.at,
                address=actor,
                summary=f"sign-ins of {actor} from two places",
            )
            out.append(Observation(item, [sig]))
    return out


# Admin and Gmail audit event names that give one user access to another's mailbox. Removals
# are not access. Parameter names per the Reports API (USER_EMAIL is the mailbox owner).
_OWNER_KEYS = ("USER_EMAIL", "user_email", "mailbox_owner", "owner", "affected_email_address", "EMAIL_ADDRESS")
_DELEGATE_KEYS = ("DELEGATE", "DELEGATE_EMAIL", "delegate", "delegate_email", "DESTINATION_USER_EMAIL", "MONITOR_USER")


def check_mailbox(events: list[ActivityEvent], ctx: CheckContext) -> list[Observation]:
    out = []
    for e in events:
        name = e.name.upper()
        if any(w in name for w in ("REMOVE", "DELETE", "REVOKE")):
            continue
        params = e.parameters
        owner = next((str(params[k]).lower() for k in _OWNER_KEYS if params.get(k)), "")
        if "DELEGATE" in name or "EMAIL_MONITOR" in name:
            kind = "posture.mailbox_delegation"
            grantee = next((str(params[k]).lower() for k in _DELEGATE_KEYS if params.get(k)), "") or e.actor
        elif e.application == "gmail" and owner and e.actor and owner != e.actor:
            kind, grantee = "posture.mailbox_access", e.actor
        else:
            continue
        if not owner or owner == grantee:
            continue
        person = ctx.person(grantee)
        verb = "was given access to" if kind.endswith("delegation") else "accessed"
        sig = signal(
            "posture_mailbox",
            kind,
            f"{grantee} {verb} the mailbox of {owner} ({e.name}, by {e.actor or '?'})",
            text=owner,
            person_id=person.id if person else None,
            mailbox=owner,
            grantee=grantee,
            event=e.name,
            actor=e.actor,
        )
        item = evidence_item(
            [e.lines],
            kind=f"{e.platform}-activity",
            at=e.at,
            address=grantee,
            summary=f"{e.name}: {grantee} -> mailbox {owner}",
        )
        out.append(Observation(item, [sig]))
    return out

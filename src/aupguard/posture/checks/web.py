"""Personal use of district technology on the web (401.13R1 personal use, social networking;
401.13 district time on external sites), from proxy logs.

Only totals per person per day leave this module: requests and bytes per category and the few
most-visited listed domains, never a list of every site. A person's first day in a group is
coaching (a low-severity finding); later days, in this import or after an earlier one, are
repeats. Requests outside the district's work hours are not counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from aupguard.posture.checks.context import CheckContext
from aupguard.posture.evidence import Observation, SourceLines, evidence_item, signal
from aupguard.posture.readers.categories import Categorizer
from aupguard.posture.readers.squid import WebRequest
from aupguard.posture.settings import WEEKDAYS

TOP_DOMAINS = 3


@dataclass
class DayUse:
    requests: int = 0
    nbytes: int = 0
    first: str = ""
    last: str = ""
    first_line: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)


def aggregate(
    requests: Iterable[WebRequest], categorizer: Categorizer, ctx: CheckContext
) -> dict[tuple[str, date, str], DayUse]:
    """(who, local day, "social" | "non_work") -> totals, for requests in work hours."""
    web = ctx.settings.web
    group_of = {c: "social" for c in web.social_categories} | {c: "non_work" for c in web.non_work_categories}
    hours = ctx.settings.work_hours
    days = {WEEKDAYS.index(d) for d in hours.days}
    tz = ctx.timezone
    out: dict[tuple[str, date, str], DayUse] = {}
    categorize = categorizer.categorize
    for r in requests:
        hit = categorize(r.host, r.path)
        if hit is None:
            continue
        group = group_of.get(hit[0])
        if group is None:
            continue
        local = datetime.fromtimestamp(r.ts, tz)
        clock = local.time()
        if local.weekday() not in days or not (hours.start <= clock < hours.end):
            continue
        key = (r.user.lower() or f"ip:{r.client}", local.date(), group)
        use = out.get(key)
        if use is None:
            use = out[key] = DayUse(first=f"{clock:%H:%M}", first_line=r.line)
        use.requests += 1
        use.nbytes += r.nbytes
        use.last = f"{clock:%H:%M}"
        use.categories[hit[0]] += 1
        use.domains[hit[1]] += 1
    return out


def check_web(
    requests: Iterable[WebRequest], source: str, categorizer: Categorizer, ctx: CheckContext
) -> list[Observation]:
    totals = aggregate(requests, categorizer, ctx)
    seen = dict(ctx.web_seen)
    out = []
    for (who, day, group), use in sorted(totals.items()):
        if use.requests < ctx.settings.web.min_requests_per_day:
            continue
        who_name = who.removeprefix("ip:")
        person = None if who.startswith("ip:") else ctx.person(who_name)
        key = person.id if person else who
        first_day = seen.get((key, group))
        repeat = first_day is not None and first_day < day
        seen[(key, group)] = min(first_day or day, day)
        record = {
            "who": who,
            "day": str(day),
            "group": group,
            "requests": use.requests,
            "bytes": use.nbytes,
            "first": use.first,
            "last": use.last,
            "categories": dict(use.categories),
            "top_domains": dict(use.domains.most_common(TOP_DOMAINS)),
            "distinct_domains": len(use.domains),
        }
        lines = SourceLines(source, use.first_line, json.dumps(record, sort_keys=True))
        what = "social networking" if group == "social" else "non-work sites"
        stage = "repeat" if repeat else "first"
        top = [d for d, _ in use.domains.most_common(TOP_DOMAINS)]
        sig = signal(
            "posture_web",
            f"posture.web.{group}.{stage}",
            f"{who_name}: {use.requests} requests to {what} in work hours on {day} "
            f"({use.first}-{use.last}; mostly {', '.join(top)})"
            + ("; a later day: repeated use" if repeat else "; first occurrence: coaching, not discipline"),
            text=" ".join(top),
            person_id=person.id if person else None,
            who=key,
            day=str(day),
            requests=use.requests,
        )
        item = evidence_item(
            [lines],
            kind="squid",
            at=datetime.combine(day, datetime.min.time(), ctx.timezone),
            address=who_name if "@" in who_name else None,
            summary=f"{what} use by {who_name} on {day}: {use.requests} requests",
        )
        out.append(Observation(item, [sig]))
    return out

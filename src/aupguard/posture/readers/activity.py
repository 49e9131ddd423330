"""Activity events: Google Admin SDK Reports API activities and Entra sign-in log CSV.

Reports API records come as the API returns them (an `activities.list` response with `items`,
a JSON list, or NDJSON, one activity per line), each activity holding one or more `events`
whose `parameters` are `[{name, value | intValue | boolValue | multiValue}]`. Exporters that
flatten one event per record (Panther, SIEM pipelines: top-level `name`, `type`, `parameters`
as a mapping) read the same. Each event keeps its activity's source line(s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aupguard.directory.addresses import normalize_email
from aupguard.exportfiles import parse_time
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines
from aupguard.posture.readers.tabular import Row, read_csv, read_json_records

LOGIN_SUCCESS = ("login_success",)


@dataclass(slots=True)
class ActivityEvent:
    platform: str  # "google" | "entra"
    application: str  # Reports API applicationName: login, admin, token, gmail, drive ...
    name: str  # event name: login_success, ASSIGN_ROLE, ...
    type: str
    at: datetime | None
    actor: str  # normalized e-mail of who acted
    ip: str | None
    lines: SourceLines
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sign_in(self) -> bool:
        return self.application == "login" and self.name in LOGIN_SUCCESS


def _parameters(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)
    out: dict[str, Any] = {}
    for p in raw if isinstance(raw, list) else []:
        if isinstance(p, dict) and "name" in p:
            for key in ("value", "intValue", "boolValue", "multiValue", "multiIntValue", "messageValue"):
                if key in p:
                    out[str(p["name"])] = p[key]
                    break
    return out


def read_google_activity(path: Path, errors: list[ReadError]) -> list[ActivityEvent]:
    out: list[ActivityEvent] = []
    for row in read_json_records(path, errors):
        try:
            out.extend(_google_events(row))
        except (TypeError, AttributeError, ValueError) as exc:
            errors.append(ReadError(row.lines.source, row.lines.position, f"not a Reports API activity: {exc}"))
    return out


def _google_events(row: Row) -> Iterator[ActivityEvent]:
    log = row.values.get("log")
    rec: dict[str, Any] = log if isinstance(log, dict) else row.values
    ident = rec.get("id") or {}
    actor = rec.get("actor") or {}
    at = parse_time(ident.get("time") or rec.get("p_event_time"))
    events = rec.get("events")
    if events is None:
        events = [{"name": rec.get("name"), "type": rec.get("type"), "parameters": rec.get("parameters")}]
    elif isinstance(events, dict):
        events = [events]
    if not ident.get("applicationName") or not any(isinstance(e, dict) and e.get("name") for e in events):
        raise ValueError("no id.applicationName or event name")
    for event in events:
        if not isinstance(event, dict) or not event.get("name"):
            continue
        yield ActivityEvent(
            platform="google",
            application=str(ident["applicationName"]).lower(),
            name=str(event["name"]),
            type=str(event.get("type") or ""),
            at=at,
            actor=normalize_email(str(actor.get("email") or "")),
            ip=rec.get("ipAddress"),
            lines=row.lines,
            parameters=_parameters(event.get("parameters")),
        )


# Entra admin center > Sign-in logs > Download (CSV); Graph signIn property names also accepted.
_WHEN = ("dateutc", "date", "createddatetime")
_WHO = ("username", "userprincipalname", "user")


def read_entra_signins(path: Path, errors: list[ReadError]) -> list[ActivityEvent]:
    out = []
    for row in read_csv(path, errors, required=(_WHEN, _WHO)):
        at = parse_time(row.pick(*_WHEN))
        who = normalize_email(row.pick(*_WHO))
        if at is None or "@" not in who:
            errors.append(ReadError(row.lines.source, row.lines.position, "no sign-in time or user principal name"))
            continue
        status = row.pick("status", "statuserrorcode", "signinerrorcode", "errorcode").lower()
        ok = status in ("success", "0", "")
        out.append(
            ActivityEvent(
                platform="entra",
                application="login",
                name="login_success" if ok else "login_failure",
                type="login",
                at=at,
                actor=who,
                ip=row.pick("ipaddress", "ip") or None,
                lines=row.lines,
                parameters={"application": row.pick("application", "appdisplayname"), "location": row.pick("location")},
            )
        )
    return out

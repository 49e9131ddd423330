"""The pack's `settings: gateway:` section: which rules hold a message in the filter's quarantine.

    settings:
      gateway:
        hold_rules: [student-info-external]

By default the filter delivers everything and flags it for review; holding delays mail, so it is
the district's explicit choice, per rule. `check_gateway_settings` is called by
`aupguard policy check` (policy/crosscheck.py) so a misspelt rule id is reported with its line.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from aupguard.policy.problems import FieldPath, PackProblem


class GatewaySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hold_rules: list[str] = []


def gateway_settings(pack: Any) -> GatewaySettings:
    """The validated section of a loaded pack (defaults when the pack has none)."""
    return GatewaySettings.model_validate(dict(getattr(pack.settings, "gateway", {}) or {}))


def check_gateway_settings(data: dict[str, Any], locate: Any) -> list[PackProblem]:
    """Problems in `settings.gateway` of raw pack data, placed at their YAML lines."""
    settings = data.get("settings") if isinstance(data, dict) else None
    raw = settings.get("gateway") if isinstance(settings, dict) else None
    if raw is None:
        return []

    def problem(path: FieldPath, message: str) -> PackProblem:
        line, column = locate(path)
        return PackProblem(line, column, ".".join(str(p) for p in path), message)

    try:
        parsed = GatewaySettings.model_validate(raw)
    except ValidationError as exc:
        out = []
        for error in exc.errors():
            path: FieldPath = ("settings", "gateway", *(p for p in error["loc"] if isinstance(p, str | int)))
            out.append(problem(path, f"{'.'.join(str(p) for p in path)}: {error['msg']}"))
        return out
    rules = data.get("rules")
    known = (
        {r["id"] for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str)}
        if isinstance(rules, list)
        else set()
    )
    out = []
    for i, rule_id in enumerate(parsed.hold_rules):
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            out.append(
                problem(("settings", "gateway", "hold_rules", i), f"hold_rules names unknown rule '{rule_id}'{hint}")
            )
    return out

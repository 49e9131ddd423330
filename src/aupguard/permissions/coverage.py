"""Does a permission cover a finding? One function, used by the scan and by `aupguard permit`.

A permission covers a finding when its kind is one the rule accepts, it was granted to the person
the finding is about, it was in force when the item happened, and every scope it sets matches the
item (an empty scope covers every item of that kind for the grantee).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from aupguard.model import Item, Permission, Signal

# Evidence data keys that name a person the message is about or addressed to.
_PERSON_KEYS = ("person_id", "student_id", "counterpart_id")


def _scope_matches(key: str, allowed: Sequence[str], item: Item, evidence: Sequence[Signal]) -> bool:
    wanted = {a.lower() for a in allowed}
    if key == "students":
        return any(str(s.data.get(k, "")).lower() in wanted for s in evidence for k in _PERSON_KEYS)
    if key == "phones":
        return any(addr.lower() in wanted for addr in [item.sender or "", *item.recipients])
    if key == "groups":
        return any(str(s.data.get("group_id", "")).lower() in wanted for s in evidence)
    if key == "sites":
        where = " ".join(str(item.meta.get(k, "")) for k in ("site_name", "url")) + f" {item.platform or ''}"
        return any(w in where.lower() for w in wanted)
    if key == "mailboxes":
        return any(addr.lower() in wanted for addr in [item.sender or "", *item.recipients]) or any(
            str(s.data.get("mailbox", "")).lower() in wanted for s in evidence
        )
    if key in ("software", "devices"):
        names = " ".join((a.filename or "") for a in item.attachments) + " " + " ".join(s.text for s in evidence)
        return any(w in names.lower() for w in wanted)
    return False  # an unknown scope key never widens a permission


def covers(
    permission: Permission,
    kinds: Iterable[str],
    person_id: str | None,
    at: datetime | None,
    item: Item,
    evidence: Sequence[Signal],
) -> bool:
    if permission.kind not in set(kinds) or person_id is None or permission.grantee_id != person_id:
        return False
    if at is not None and not permission.in_force(at):
        return False
    if at is None and permission.revoked_at is not None:
        return False
    return all(_scope_matches(k, v, item, evidence) for k, v in permission.scope.items() if v)


def covering(
    permissions: Iterable[Permission],
    kinds: Iterable[str],
    person_id: str | None,
    at: datetime | None,
    item: Item,
    evidence: Sequence[Signal],
) -> Permission | None:
    """The first permission that covers the finding (emergency ones last: prefer planned consent)."""
    kinds = list(kinds)
    if not kinds:
        return None
    for p in sorted(permissions, key=lambda p: (p.emergency, p.id or 0)):
        if covers(p, kinds, person_id, at, item, evidence):
            return p
    return None

"""The sample district's console users: one per role, linked to the demo district's people."""

from __future__ import annotations

from sqlalchemy import Engine

from aupguard.console import auth
from aupguard.console.roles import Role

# (user name, role, person id in the sample district, buildings). The sample district names no
# designee and no separate reviewer, so those two users are not linked to a person.
DEMO_USERS: list[tuple[str, Role, str | None, list[str]]] = [
    ("kholt", Role.SUPERINTENDENT, "stf-001", []),
    ("designee", Role.DESIGNEE, None, []),
    ("mjorgensen", Role.PRINCIPAL, "stf-005", ["bld-hs"]),
    ("apruitt", Role.PRINCIPAL, "stf-006", ["bld-ms"]),
    ("bdecker", Role.TECHNOLOGY_DIRECTOR, "stf-002", []),
    ("lmoreno", Role.TECHNOLOGY_INTEGRATIONIST, "stf-003", []),
    ("jkowalczyk", Role.RECORDS_CUSTODIAN, "stf-004", []),
    ("reviewer", Role.REVIEWER, None, []),
    ("thartley", Role.BOARD_PRESIDENT, "vol-001", []),
    ("cbauman", Role.EMPLOYEE, "stf-011", []),
]


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str | None]]:
    """Create the demo users; returns (user, role, one-time password or None when already set up).

    A user who has not finished a first sign-in gets a fresh one-time password on each run; one
    who has chosen a password keeps it."""
    out: list[tuple[str, str, str | None]] = []
    for username, role, person_id, buildings in DEMO_USERS:
        existing = auth.find_user(engine, username)
        if existing is None:
            password = auth.one_time_password()
            auth.create_user(engine, username, role, password, person_id, buildings)
        elif existing.must_change_password:
            password = auth.reset_user(engine, username)
        else:
            password = None
        out.append((username, role.value, password))
    return out

"""Workspace settings kept in the database (district name, mail domains, ...)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from aupguard.store.tables import workspace_settings


def get(conn: Connection, key: str, default: Any = None) -> Any:
    row = conn.execute(select(workspace_settings.c.value).where(workspace_settings.c.key == key)).first()
    return default if row is None else row[0]


def put(conn: Connection, key: str, value: Any) -> None:
    if conn.execute(select(workspace_settings.c.key).where(workspace_settings.c.key == key)).first():
        conn.execute(workspace_settings.update().where(workspace_settings.c.key == key).values(value=value))
    else:
        conn.execute(workspace_settings.insert().values(key=key, value=value))

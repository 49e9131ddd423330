"""Many-row INSERTs for the scan's single writer, without SQLAlchemy's per-row parameter work.

`conn.execute(table.insert(), rows)` passes every value of every row through the compiled
statement's parameter machinery (construct_params, then the column type's bind processor): on
the scan's hot inserts (items, their sources, their chain entries) that was about a third of the
writer's CPU per message. `BulkInsert` compiles the same Core statement once per dialect and applies the
same bind processors itself, only to the columns that have one, then hands the driver the rows:
the same SQL and the same stored values, on SQLite and PostgreSQL alike, by one code path.

JSON columns may be declared `encoded_json`: their values arrive as the JSON text the column's
type would have made of them (see findings_repo.encoded_item_row), so that the encoding runs in
the scan's workers. SQLite stores that text as it is; on PostgreSQL the statement casts each
JSON parameter (`%(meta)s::JSONB`), so the server parses the text as it would have parsed the
driver's own encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

from aupguard.store.db import insert_ignore


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool  # qmark (SQLite): rows as tuples in `names` order; else rows as mappings
    names: tuple[str, ...]
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # a row's values in `names` order
    processors: tuple[tuple[int, str, Callable[[Any], Any]], ...]  # (position, name, bind processor)


class BulkInsert:
    """An INSERT of whole rows (every column of `table` in each row) into `table`.

    `ignore_existing` skips rows whose key is already stored (`db.insert_ignore`)."""

    def __init__(self, table: Table, *, ignore_existing: bool = False, encoded_json: Sequence[str] = ()) -> None:
        self.table = table
        self.ignore_existing = ignore_existing
        self.encoded_json = frozenset(encoded_json)
        unknown = self.encoded_json - set(table.c.keys())
        if unknown:
            raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
        self._by_dialect: dict[str, _Compiled] = {}

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert `rows`; returns how many the database added (its rowcount)."""
        if not rows:
            return 0
        compiled = self._compiled(conn.dialect)
        return conn.exec_driver_sql(compiled.sql, _driver_rows(compiled, rows)).rowcount

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = insert_ignore(dialect.name, self.table) if self.ignore_existing else insert(self.table)
        compiled = statement.compile(dialect=dialect, column_keys=list(self.table.c.keys()))
        # Each column's bind parameter is named after the column: rows are keyed by column.
        names = tuple(compiled.positiontup or compiled.bind_names.values())
        if len(names) < 2 or set(names) != set(self.table.c.keys()):
            raise ValueError(f"{self.table.name}: parameters {names} are not its columns")
        processors = []
        for position, name in enumerate(names):
            if name in self.encoded_json:
                continue
            process = self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((position, name, process))
        # itemgetter of two names or more returns a tuple: one C call per row
        return _Compiled(compiled.string, compiled.positional, names, itemgetter(*names), tuple(processors))


_NOTHING = object()


def _driver_rows(compiled: _Compiled, rows: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
    processors = compiled.processors
    if compiled.positional:
        if not processors:
            return [compiled.values(row) for row in rows]
        # A value that is the previous row's (the batch's first_seen_at, one object for every
        # row) reuses its result: bind processors are pure functions of the value.
        last: list[Any] = [_NOTHING] * len(processors)
        done: list[Any] = [None] * len(processors)
        out: list[Any] = []
        for row in rows:
            values = list(compiled.values(row))
            for i, (position, _, process) in enumerate(processors):
                value = values[position]
                if value is not last[i]:
                    last[i], done[i] = value, process(value)
                values[position] = done[i]
            out.append(tuple(values))  # SQLAlchemy passes only tuples and mappings on
        return out
    if not processors:
        return rows if isinstance(rows, list) else list(rows)  # the driver looks each name up in the row
    return [{**row, **{name: process(row[name]) for _, name, process in processors}} for row in rows]

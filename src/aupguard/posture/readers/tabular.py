"""CSV and JSON sources read the same way by every posture reader: rows with their source
lines, header names matched loosely, timestamps in the forms exports use, and bad rows turned
into ReadErrors with file and line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aupguard.directory.batch import ImportProblem
from aupguard.directory.csv_rows import HeaderKey, read_rows
from aupguard.exportfiles import delimiter_of, open_text
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines


def loose_key(header: str) -> str:
    """ "Install Date" / "install_date" / "installDate" -> "installdate"."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\[[^\]]*\]", "", header).lower())


@dataclass(slots=True)
class Row:
    values: dict[str, Any]
    lines: SourceLines

    def pick(self, *keys: str) -> str:
        """The first non-empty value among candidate column keys (already normalized)."""
        for key in keys:
            value = self.values.get(key)
            if value not in (None, ""):
                return str(value).strip()
        return ""


def read_csv(
    path: Path, errors: list[ReadError], required: tuple[tuple[str, ...], ...] = (), key: HeaderKey = loose_key
) -> list[Row]:
    """Rows of a CSV file with their source lines (header first). `required` lists groups of
    alternative keys; a file lacking any group is one error and no rows."""
    try:
        with open_text(path) as stream:
            text = stream.read()
    except OSError as exc:
        errors.append(ReadError(str(path), "line 0", f"cannot open: {exc}"))
        return []
    # Split on "\n" only, as the csv module counts lines (str.splitlines also breaks at U+2028 ...).
    lines = [line + "\n" for line in text.split("\n")]
    header_line = lines[0] if text else ""
    problems: list[ImportProblem] = []
    parsed = list(read_rows(io.StringIO(text, newline=""), str(path), problems, (), key))
    errors.extend(ReadError(p.file, f"line {p.line}", p.reason) for p in problems)
    present = header_keys(header_line, key)
    missing = [" or ".join(group) for group in required if not present.intersection(group)]
    if missing and not problems:  # an empty or unreadable file already has its error
        errors.append(ReadError(str(path), "line 1", f"missing required column(s): {'; '.join(missing)}"))
        return []
    rows = []
    for i, row in enumerate(parsed):
        end = parsed[i + 1].line - 1 if i + 1 < len(parsed) else len(lines)
        body = "".join(lines[row.line - 1 : end]).rstrip("\r\n") + "\n"
        rows.append(Row(dict(row.values), SourceLines(str(path), row.line, header_line + body)))
    return rows


def header_keys(header_line: str, key: HeaderKey = loose_key) -> set[str]:
    """The column keys of a CSV header line (delimiter sniffed as the directory readers do)."""
    try:
        cells = next(csv.reader([header_line.rstrip("\r\n")], delimiter=delimiter_of(header_line)), [])
    except csv.Error:
        return set()
    return {key(c) for c in cells} - {""}


def read_json_records(path: Path, errors: list[ReadError], list_keys: tuple[str, ...] = ("items",)) -> Iterator[Row]:
    """Objects from a JSON document (a list, or an object holding a list under one of
    `list_keys`, as API responses do) or from NDJSON (one object per line)."""
    try:
        with open_text(path) as stream:
            text = stream.read()
    except OSError as exc:
        errors.append(ReadError(str(path), "line 0", f"cannot open: {exc}"))
        return
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and _is_one_document(stripped)):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(ReadError(str(path), f"line {exc.lineno}", f"invalid JSON: {exc.msg}"))
            return
        records = (
            doc if isinstance(doc, list) else next((doc[k] for k in list_keys if isinstance(doc.get(k), list)), [doc])
        )
        for i, rec in enumerate(records):
            if isinstance(rec, dict):
                yield Row(rec, SourceLines(str(path), i + 1, json.dumps(rec, sort_keys=True)))
            else:
                errors.append(ReadError(str(path), f"record {i + 1}", "not a JSON object"))
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(ReadError(str(path), f"line {n}", f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(rec, dict):
            errors.append(ReadError(str(path), f"line {n}", "not a JSON object"))
            continue
        yield Row(rec, SourceLines(str(path), n, line))


def _is_one_document(text: str) -> bool:
    """A pretty-printed object spans lines; NDJSON has one complete object per line."""
    first = text.split("\n", 1)[0].strip()
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return True
    return "\n" not in text.strip()


def truthy(value: str | bool | None) -> bool | None:
    """Yes/No cells in their many spellings; None when blank or unknown."""
    if isinstance(value, bool):
        return value
    v = (value or "").strip().lower()
    if v in {"true", "yes", "y", "1", "on", "enabled", "enrolled", "enforced", "registered", "capable"}:
        return True
    if v in {"false", "no", "n", "0", "off", "disabled", "not enrolled", "not enforced", "not registered", "none"}:
        return False
    return None

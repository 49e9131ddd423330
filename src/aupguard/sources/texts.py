"""Text-message exports (CSV, JSON, JSON Lines) to TEXT items, one per message.

Two layouts are read (see docs/readers.md): one row per message (`recipients`, `;`-separated
or a JSON list) and one row per recipient (`message_id` + `recipient`, rows of a message
adjacent). Rows are parsed here, in the reading process, because they are small; each becomes a
RawRecord of format "item" whose raw bytes are the row(s) as written in the export's own format.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aupguard.directory.addresses import normalize_address
from aupguard.exportfiles import decode_unmarked, delimiter_of, encoding_of, mark_length, parse_utc, width_codec
from aupguard.model import Channel, Item, ReadError, content_id

from .base import RawRecord
from .jsonstream import JsonStreamError, iter_array, iter_lines

REQUIRED = ("sender", "body")
# Other names exports give the columns (the issue that asked for this reader says "time"); a
# column under its own name wins over another under an alias.
ALIASES = {
    "time": "sent_at",
    "timestamp": "sent_at",
    "date": "sent_at",
    "sent": "sent_at",
    "from": "sender",
    "to": "recipients",
    "text": "body",
    "message": "body",
}


def canonical_names(columns: Iterable[str]) -> list[str]:
    """Column names (lowercased, stripped) with aliases read as the names they stand for; an
    alias whose name is also present, or taken by an earlier column, stays as it is."""
    names = [str(c).strip().lower() for c in columns]
    taken = set(names)
    out = []
    for name in names:
        target = ALIASES.get(name)
        if target is not None and target not in taken:
            taken.add(target)
            name = target
        out.append(name)
    return out


def is_text_export(columns: Iterable[str]) -> bool:
    names = set(canonical_names(columns))
    return set(REQUIRED) <= names and ("recipients" in names or {"message_id", "recipient"} <= names)


def _describe(columns: Iterable[str]) -> str:
    return "not a recognised export: columns " + ", ".join(columns)


@dataclass
class _Row:
    position: str  # "line N" / "record N" of the (first) row
    fields: dict[str, Any]
    raw: list[str] = field(default_factory=list)  # the row(s) as written
    nbytes: int = 0
    recipients: list[str] = field(default_factory=list)  # per-recipient layout: gathered here


def _split_recipients(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return []


def _to_item(row: _Row, source: str, raw: bytes) -> Item:
    """Raises ValueError with the reason when the row is not a usable message."""
    fields = row.fields
    sender = str(fields.get("sender") or "").strip()
    body = fields.get("body")
    if not sender:
        raise ValueError("no sender")
    if not isinstance(body, str) or not body.strip():
        raise ValueError("no body")
    sent_at = parse_utc(fields.get("sent_at"))
    names = row.recipients or _split_recipients(fields.get("recipients"))
    if not names:
        raise ValueError("no recipients")
    recipients = list(dict.fromkeys(normalize_address(n) for n in names))
    meta: dict[str, Any] = {}
    for key in ("thread", "id", "message_id"):
        if fields.get(key):
            meta[key] = str(fields[key])
    return Item(
        id=content_id(raw),
        channel=Channel.TEXT,
        source=source,
        position=row.position,
        raw=raw,
        sent_at=sent_at,
        sender=normalize_address(sender),
        recipients=recipients,
        body=body,
        meta=meta,
    )


def _group_by_message(rows: Iterator[_Row | ReadError]) -> Iterator[_Row | ReadError]:
    """Per-recipient layout: adjacent rows with the same message_id become one message."""
    current: _Row | None = None
    for row in rows:
        if isinstance(row, ReadError):
            yield row
            continue
        message_id = str(row.fields.get("message_id") or "").strip()
        recipient = str(row.fields.get("recipient") or "").strip()
        if not message_id:
            yield ReadError("", row.position, "no message_id")
            continue
        if current is not None and str(current.fields.get("message_id")).strip() == message_id:
            current.raw += row.raw
            current.nbytes += row.nbytes
        else:
            if current is not None:
                yield current
            current = row
        if recipient:
            current.recipients.append(recipient)
    if current is not None:
        yield current


def _emit(rows: Iterator[_Row | ReadError], source: str, header: str, joiner: str) -> Iterator[RawRecord | ReadError]:
    for row in rows:
        if isinstance(row, ReadError):
            yield ReadError(source, row.position, row.reason)
            continue
        raw = (header + joiner.join(row.raw)).encode("utf-8")
        try:
            item = _to_item(row, source, raw)
        except ValueError as exc:
            yield ReadError(source, row.position, str(exc))
            continue
        yield RawRecord(source, row.position, "item", raw, item=item, nbytes=row.nbytes)


def _decoded_lines(handle: io.BufferedReader, counter: list[int]) -> Iterator[str]:
    """Lines as text for the csv module, counting bytes. UTF-16 and UTF-32 files (a byte-order
    mark says so) are decoded as such; otherwise each line as `exportfiles.decode_unmarked`
    reads it (UTF-8, or Windows-1252 when it is not), a line at a time since exports are
    streamed."""
    head = handle.peek(4)[:4]
    encoding = encoding_of(head)
    counter[0] += mark_length(head)
    if encoding != "utf-8-sig":
        width = width_codec(encoding)
        for decoded in io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline=""):
            counter[0] += len(decoded.encode(width, "surrogatepass"))
            yield decoded
        return
    handle.read(mark_length(head))
    for line in handle:
        counter[0] += len(line)
        yield decode_unmarked(line)


def iter_csv(path: Path) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    with path.open("rb") as handle:
        counter = [0]
        lines = _decoded_lines(handle, counter)
        first = next(lines, None)
        if first is None:
            yield ReadError(source, "", "empty file")
            return
        # Comma, semicolon or tab, as the header line is written (exportfiles.delimiter_of).
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter_of(first))
        try:
            written = [h.strip().lower() for h in next(reader)]
        except csv.Error as exc:
            yield ReadError(source, "line 1", f"not CSV: {exc}")
            return
        if not is_text_export(written):
            yield ReadError(source, "", _describe(written))
            return
        header = canonical_names(written)
        header_text = _csv_line(written)

        def rows() -> Iterator[_Row | ReadError]:
            line, used = reader.line_num + 1, counter[0]
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield ReadError(source, f"line {line}", f"not CSV: {exc}")
                    line, used = reader.line_num + 1, counter[0]
                    continue
                nbytes, used = counter[0] - used, counter[0]
                if any(v.strip() for v in values):
                    fields = dict(zip(header, values, strict=False))
                    yield _Row(f"line {line}", fields, [_csv_line(values)], nbytes)
                line = reader.line_num + 1

        grouped = _group_by_message(rows()) if "recipients" not in header else rows()
        yield from _emit(grouped, source, header_text, "")


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def _json_rows(numbered: Iterator[tuple[int, Any, str]], label: str, width: str) -> Iterator[_Row | ReadError]:
    """Rows of JSON records; `width` is the codec whose length of a record's text is the bytes it
    took in the file (for progress)."""
    for number, value, text in numbered:
        position = f"{label} {number}"
        if isinstance(value, json.JSONDecodeError):
            yield ReadError("", position, f"not JSON: {value.msg}")
        elif not isinstance(value, dict):
            yield ReadError("", position, "not a JSON object")
        else:
            fields = dict(zip(canonical_names(value), value.values(), strict=True))
            yield _Row(position, fields, [text], len(text.encode(width, "surrogatepass")) + len("\n".encode(width)))


def iter_json(path: Path, lines: bool) -> Iterator[RawRecord | ReadError]:
    """A JSON array of message objects, or JSON Lines (one object per line)."""
    source = str(path)
    with path.open("rb") as probe:
        encoding = encoding_of(probe.read(4))
    # Universal newlines (unlike open_text): a record's raw text, and so its id, is the same
    # whether the export was saved with CRLF or LF line ends.
    with path.open(encoding=encoding, errors="replace") as handle:
        numbered = iter_lines(handle) if lines else iter_array(handle)
        width = width_codec(encoding)
        rows = _json_rows(numbered, "line" if lines else "record", width)
        leading: list[_Row | ReadError] = []  # bad lines before the first object that decides the layout
        try:
            for row in rows:
                leading.append(row)
                if isinstance(row, _Row):
                    break
        except JsonStreamError as exc:
            yield ReadError(source, "", f"not JSON: {exc}")
            return
        first = leading[-1] if leading else None
        if not isinstance(first, _Row):
            yield from (ReadError(source, e.position, e.reason) for e in leading if isinstance(e, ReadError))
            yield ReadError(source, "", "empty export: no messages")
            return
        if not is_text_export(first.fields):
            yield ReadError(source, "", _describe(first.fields).replace("columns", "keys"))
            return
        per_recipient = "recipients" not in first.fields

        def all_rows() -> Iterator[_Row | ReadError]:
            yield from leading
            try:
                yield from rows
            except JsonStreamError as exc:  # a broken array: everything after it is lost, say so
                yield ReadError(source, "", f"JSON array broken: {exc}; later records not read")

        grouped = _group_by_message(all_rows()) if per_recipient else all_rows()
        yield from _emit(grouped, source, "", "\n")

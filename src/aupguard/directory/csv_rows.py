"""Reading the CSV exports the directory importers share: one place for encodings, dialects,
header matching and line numbers, so every importer reports problems the same way.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from aupguard.directory.batch import ImportProblem
from aupguard.exportfiles import decode_text, delimiter_of, open_text

# Exports from spreadsheets may carry one giant cell; the csv default limit (128 KiB) would
# turn a valid file into an error.
csv.field_size_limit(16 * 1024 * 1024)

HeaderKey = Callable[[str], str]


def plain_key(header: str) -> str:
    """Header comparison key: case and surrounding blanks do not matter."""
    return header.strip().lower()


@dataclass(slots=True)
class CsvRow:
    line: int  # 1-based physical line where the record starts (the header is line 1)
    values: dict[str, str]  # header key -> stripped cell ("" when the row was short)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def read_rows(
    stream: TextIO,
    file: str,
    problems: list[ImportProblem],
    required: Iterable[str] = (),
    header_key: HeaderKey = plain_key,
) -> Iterator[CsvRow]:
    """Yield the data rows of a CSV stream, keyed by `header_key(header)`.

    When a required column is missing, one problem is recorded for the file and no row is
    yielded: reading half a file with the wrong layout would import nonsense. A csv error
    (NUL bytes, an unterminated quote) ends the file with one problem at its line.
    """
    text = stream.read()
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter_of(text.partition("\n")[0]))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.append(ImportProblem(file, 1, f"unreadable header: {exc}"))
        return
    if header is None:
        problems.append(ImportProblem(file, 1, "empty file (no header row)"))
        return
    keys = [header_key(h) for h in header]
    missing = [r for r in required if r not in keys]
    if missing:
        problems.append(ImportProblem(file, 1, f"missing required column(s): {', '.join(missing)}"))
        return
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(ImportProblem(file, start, f"malformed CSV, rest of file skipped: {exc}"))
            return
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # blank lines are layout, not records
        values = {k: (cells[i].strip() if i < len(cells) else "") for i, k in enumerate(keys) if k}
        yield CsvRow(line, values)


def split_list(value: str, separators: str = ";") -> list[str]:
    """Split a multi-valued cell ("a;b", "a, b") into its non-empty trimmed parts."""
    if not value:
        return []
    parts = re.split("[" + re.escape(separators) + "]", value)
    return [p.strip() for p in parts if p.strip()]


def parse_date(value: str) -> date | None:
    """An ISO date (a trailing time part is ignored); raises ValueError when it is not one."""
    return date.fromisoformat(value.strip()[:10])


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in {"true", "t", "yes", "y", "1", "on"}:
        return True
    if v in {"false", "f", "no", "n", "0", "off"}:
        return False
    return None


class ExportFolder:
    """The CSV files of an export, from a folder or a .zip, looked up by name ignoring case
    (vendors write "Users.csv" as often as "users.csv") and ignoring sub-folders in a zip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, str] = {}
        if path.is_dir():
            for p in sorted(path.iterdir()):
                if p.is_file():
                    self._names.setdefault(p.name.lower(), p.name)
        else:
            self._zip = zipfile.ZipFile(path)
            for name in self._zip.namelist():
                if not name.endswith("/"):
                    self._names.setdefault(name.rsplit("/", 1)[-1].lower(), name)

    def names(self) -> list[str]:
        """File names (without folders) in the export, as written."""
        return [real.rsplit("/", 1)[-1] for real in self._names.values()]

    def has(self, name: str) -> bool:
        return name.lower() in self._names

    def label(self, name: str) -> str:
        """How problems name the file: the real path, or "archive.zip!member"."""
        real = self._names.get(name.lower(), name)
        return f"{self.path}!{real}" if self._zip else str(self.path / real)

    def open(self, name: str) -> TextIO:
        real = self._names[name.lower()]
        if self._zip is None:
            return open_text(self.path / real)
        return io.StringIO(decode_text(self._zip.read(real)), newline="")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

"""What an importer produces: directory records plus the rows it could not use."""

from __future__ import annotations

from dataclasses import dataclass, field

from aupguard.model import Account, Building, Group, Person


@dataclass(slots=True)
class ImportProblem:
    """A row an importer could not use, with file and line so the admin can fix the export."""

    file: str
    line: int  # 1-based line number in the file (the header is line 1)
    reason: str


@dataclass
class DirectoryBatch:
    """Records read from one export. Ids are stable so re-importing updates, never duplicates.

    `people`/`accounts`/`groups` may be partial views: e.g. a Google Workspace export knows a
    person's email, org unit and title but not their building. Fields left as None/empty in a
    batch MUST NOT overwrite what an earlier import stored (see store.directory.upsert).
    """

    source: str
    people: list[Person] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    rows_read: int = 0
    # Mail domains the export shows the district owns (e.g. from Workspace primary emails).
    district_domains: set[str] = field(default_factory=set)

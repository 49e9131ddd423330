"""Builders for reader tests: real messages made with the stdlib email package, on tmp_path."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from aupguard.model import Item, ReadError
from aupguard.sources import iter_records, parse_record


def make_email(
    subject: str = "Field trip",
    body: str = "See you Friday.",
    sender: str = "Pat Teacher <pat.teacher@district.k12.ia.us>",
    to: str = "parent@example.com",
    date: str | None = "Mon, 03 Jun 2024 10:00:00 -0500",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = date
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def read_all(*paths: Path) -> tuple[list[Item], list[ReadError], int]:
    """Items, errors (from reading and parsing) and the number of records read."""
    items: list[Item] = []
    errors: list[ReadError] = []
    records = 0
    for record in iter_records(paths):
        records += 1
        result = record if isinstance(record, ReadError) else parse_record(record)
        (errors if isinstance(result, ReadError) else items).append(result)  # type: ignore[arg-type]
    return items, errors, records

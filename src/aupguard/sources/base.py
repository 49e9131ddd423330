"""The reader contract.

Reading is split in two so a scan can use every core:

* `iter_records(path)` runs in the main process. It MUST stream (never hold a whole mbox or
  export in memory), MUST yield exactly one `RawRecord` or `ReadError` per input record, and
  SHALL NOT raise for bad input: a record it cannot read becomes a `ReadError` with a reason.
* `parse_record(record)` runs in a worker process and turns a RawRecord into an `Item`, or a
  `ReadError` when the bytes cannot be understood. It SHALL NOT raise either.

So for every scan: items + errors == records read.
"""

from __future__ import annotations

from dataclasses import dataclass

from aupguard.model import Item


@dataclass(slots=True)
class RawRecord:
    source: str  # file path
    position: str  # where inside the file ("" for a whole file, "message 3", "line 7", ...)
    format: str  # "rfc822" (email bytes), "msg" (Outlook .msg bytes) or "item" (already parsed)
    raw: bytes  # the original bytes, archived as they are
    item: Item | None = None  # set when format == "item" (texts, posts: parsed while reading)
    nbytes: int = 0  # bytes of input this record consumed, for progress reporting
    # Recipients the transport knew (the gateway's SMTP envelope or a journal report's list),
    # Bcc included: scan adds those the headers do not name (`scanning.add_envelope`).
    envelope: tuple[str, ...] = ()

"""The release package of a records request: a ZIP with one PDF per released item, a manifest with
hashes, and a redaction log.

Redactions are burned in: each confirmed redaction is replaced in the text *before* the PDF is
drawn, so the redacted words are nowhere in the file (no black box over live text, no text
layer underneath, nothing in the metadata). The log says what kind of thing was redacted, where
(field and how many times), under which code and citation, and who decided; never the text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from aupguard.archive import chain
from aupguard.records import codes
from aupguard.records.redaction import FIELDS, burn, field_text
from aupguard.records.requests import RequestError, add_event, get
from aupguard.store import audit_repo
from aupguard.store.records_tables import records_requests, redactions, request_items
from aupguard.store.tables import items

FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
]
FIELD_LABELS = {"sender": "From", "sender_name": "From (name)", "recipients": "To", "subject": "Subject", "body": ""}
_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {9: "    "}


@dataclass
class PackageResult:
    path: Path
    released: int
    withheld: int
    redactions: int
    manifest: dict[str, Any]


def _clean(text: str) -> str:
    return text.translate(_CONTROL)


class _Renderer:
    """One PDF per document; a Unicode font when the system has DejaVu, else the PDF core font
    (text outside Latin-1 then shows as '?')."""

    def __init__(self) -> None:
        self.font = next((p for p in FONT_CANDIDATES if p.exists()), None)

    def render(self, title: str, lines: list[tuple[str, str]], body: str) -> bytes:
        # Imported here: fpdf takes most of a second to import, and every `aupguard` command
        # imports this module through the CLI; only building a release package draws PDFs.
        from fpdf import FPDF

        pdf = FPDF(format="Letter")
        pdf.set_auto_page_break(True, margin=15)
        pdf.set_title(title)
        pdf.set_creator("aupguard")
        pdf.add_page()
        if self.font:
            pdf.add_font("DejaVu", fname=str(self.font))
            pdf.set_font("DejaVu", size=10)
            fix = _clean
        else:
            pdf.set_font("Helvetica", size=10)

            def fix(text: str) -> str:
                return _clean(text).encode("latin-1", "replace").decode("latin-1")

        pdf.multi_cell(0, 6, fix(title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for label, value in lines:
            pdf.multi_cell(0, 5, fix(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.multi_cell(0, 5, fix(body) or " ", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


def build(engine: Engine, request_id: int, dest: Path, *, actor: str) -> PackageResult:
    """Write the package to `dest` (a .zip file). Every item must be decided and every proposed
    redaction confirmed or rejected first: nothing leaves on a default."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        req = get(conn, request_id)
        decided = list(
            conn.execute(
                select(request_items).where(request_items.c.request_id == request_id).order_by(request_items.c.item_id)
            )
        )
        pending = [r.item_id for r in decided if r.decision == "pending"]
        if pending:
            raise RequestError(f"{len(pending)} items are not decided yet (release, redact or withhold each)")
        red_rows = list(conn.execute(select(redactions).where(redactions.c.request_id == request_id)))
        if any(r.status == "proposed" for r in red_rows):
            raise RequestError("some proposed redactions are neither confirmed nor rejected")
        confirmed: dict[str, list[Any]] = {}
        for r in red_rows:
            if r.status == "confirmed":
                confirmed.setdefault(r.item_id, []).append(r)
        released_ids = [r.item_id for r in decided if r.decision in ("release", "redact")]
        rows = {}
        for start in range(0, len(released_ids), 500):
            for it in conn.execute(select(items).where(items.c.id.in_(released_ids[start : start + 500]))).mappings():
                rows[it["id"]] = dict(it)
        head = chain.head(conn)
    missing = [i for i in released_ids if i not in rows]
    if missing:
        raise RequestError(f"items no longer in the archive (disposed of?): {', '.join(missing[:3])}")

    renderer = _Renderer()
    files: list[dict[str, Any]] = []
    log_rows: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, decision in enumerate((d for d in decided if d.decision in ("release", "redact")), start=1):
            row = rows[decision.item_id]
            item_reds = confirmed.get(decision.item_id, [])
            pairs = [(r.text, r.code) for r in item_reds]
            name = f"documents/{n:04d}.pdf"
            burned: dict[str, str] = {}
            for field in FIELDS:
                burned[field], counts = burn(field_text(row, field), pairs)
                for red, (_, count) in zip(item_reds, counts, strict=True):
                    if count:
                        log_rows.append(
                            {
                                "document": name,
                                "item_id": decision.item_id,
                                "field": FIELD_LABELS[field] or "body",
                                "occurrences": count,
                                "what": red.kind,
                                "code": red.code,
                                "citation": codes.citation(red.code),
                                "decided_by": red.decided_by,
                                "decided_at": red.decided_at.isoformat() if red.decided_at else "",
                            }
                        )
            sent = row["sent_at"]
            header = [("Channel", row["channel"]), ("Sent", sent.isoformat() if sent else "unknown")]
            header += [
                (FIELD_LABELS[f], burned[f]) for f in ("sender_name", "sender", "recipients", "subject") if burned[f]
            ]
            pdf = renderer.render(f"Records request {request_id}, document {n}", header, burned["body"])
            zf.writestr(name, pdf)
            files.append(
                {
                    "path": name,
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                    "bytes": len(pdf),
                    "item_id": decision.item_id,
                    "decision": decision.decision,
                    "code": decision.code,
                    "redactions": len(item_reds),
                }
            )
        withheld = [
            {"item_id": d.item_id, "code": d.code, "citation": codes.citation(d.code) if d.code else None}
            for d in decided
            if d.decision == "withhold"
        ]
        log_csv = io.StringIO()
        fields = ["document", "item_id", "field", "occurrences", "what", "code", "citation", "decided_by", "decided_at"]
        writer = csv.DictWriter(log_csv, fieldnames=fields)
        writer.writeheader()
        writer.writerows(log_rows)
        log_bytes = log_csv.getvalue().encode()
        zf.writestr("redaction_log.csv", log_bytes)
        manifest = {
            "request": {
                "id": request_id,
                "requester": req.requester,
                "received_on": req.received_on.isoformat(),
                "description": req.description,
            },
            "generated_at": now.isoformat(),
            "generated_by": actor,
            "archive_head": head.as_dict(),
            "documents": files,
            "withheld": withheld,
            "redaction_log": {
                "path": "redaction_log.csv",
                "sha256": hashlib.sha256(log_bytes).hexdigest(),
                "rows": len(log_rows),
            },
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buffer.getvalue())
    with engine.begin() as conn:
        conn.execute(records_requests.update().where(records_requests.c.id == request_id).values(status="released"))
        add_event(
            conn,
            request_id,
            "released",
            actor,
            package=str(dest),
            documents=len(files),
            withheld=len(withheld),
            sha256=hashlib.sha256(buffer.getvalue()).hexdigest(),
        )
        audit_repo.record_in(
            conn,
            "request.release",
            target=f"request:{request_id}",
            actor=actor,
            documents=len(files),
            withheld=len(withheld),
            package=str(dest),
        )
    return PackageResult(dest, len(files), len(withheld), len(log_rows), manifest)

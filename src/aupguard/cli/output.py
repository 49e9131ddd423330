"""Rendering findings for the terminal (table), for programs (JSON Lines) and spreadsheets (CSV)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from aupguard.model import Signal

CSV_COLUMNS = ["id", "item", "file", "position", "item_time", "rule", "clause", "severity", "status",
               "person", "reviewer", "permission", "evidence"]  # fmt: skip


def evidence_json(s: Signal) -> dict[str, Any]:
    return {
        "detector": s.detector,
        "kind": s.kind,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "score": round(float(s.score), 4),
        "explanation": s.explanation,
    }


def finding_json(row: dict[str, Any]) -> dict[str, Any]:
    file, position = row["source"]
    return {
        "id": row["id"],
        "item": row["item_id"],
        "item_time": row["item_time"].isoformat() if row.get("item_time") else None,
        "source": {"file": file, "position": position},
        "rule": row["rule_id"],
        "clause": row["clause_id"],
        "severity": row["severity"],
        "status": row["status"],
        "person": row["person_id"],
        "reviewer": row["reviewer"],
        "permission": row["permission_id"],
        "pack_version": row["pack_version"],
        "evidence": [evidence_json(s) for s in row["evidence"]],
    }


def evidence_brief(row: dict[str, Any], width: int = 60) -> str:
    parts = []
    for s in row["evidence"][:3]:
        text = " ".join(s.text.split())
        parts.append(f"{s.kind}: {text[:width]}")
    if len(row["evidence"]) > 3:
        parts.append(f"(+{len(row['evidence']) - 3} more)")
    return "; ".join(parts)


class FindingWriter:
    """Streams findings in the chosen format; table rows are collected and printed at the end."""

    def __init__(self, fmt: str, console: Console, table_limit: int = 200) -> None:
        self.fmt = fmt
        self.console = console
        self.rows: list[dict[str, Any]] = []
        self.table_limit = table_limit
        self.total = 0
        self._csv = csv.writer(sys.stdout) if fmt == "csv" else None
        if self._csv:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.total += 1
            if self.fmt == "json":
                sys.stdout.write(json.dumps(finding_json(row), ensure_ascii=False) + "\n")
            elif self._csv:
                f = finding_json(row)
                self._csv.writerow(
                    [
                        f["id"],
                        f["item"],
                        f["source"]["file"],
                        f["source"]["position"],
                        f["item_time"],
                        f["rule"],
                        f["clause"],
                        f["severity"],
                        f["status"],
                        f["person"],
                        f["reviewer"],
                        f["permission"],
                        evidence_brief(row, 200),
                    ]  # fmt: skip
                )
            elif len(self.rows) < self.table_limit:
                self.rows.append(row)
        sys.stdout.flush()

    def finish(self, title: str = "Findings") -> None:
        if self.fmt != "table":
            return
        if not self.rows:
            self.console.print("No findings.")
            return
        table = Table(title=title, show_lines=False)
        for col in ("id", "when", "severity", "status", "rule", "clause", "person", "evidence"):
            table.add_column(col, overflow="fold")
        for r in self.rows:
            when = r["item_time"].strftime("%Y-%m-%d") if r.get("item_time") else "-"
            table.add_row(str(r["id"]), when, r["severity"], r["status"], r["rule_id"], r["clause_id"],
                          r["person_id"] or "-", evidence_brief(r))  # fmt: skip
        self.console.print(table)
        if self.total > len(self.rows):
            self.console.print(f"... and {self.total - len(self.rows)} more: use --format csv or `aupguard findings`.")

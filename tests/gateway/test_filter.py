"""Filter mode: store, scan, re-inject with the envelope unchanged; hold what the district marks
`hold`; release and reject from the quarantine, the sender told in plain words."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiosmtpd", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")
pytest.importorskip("aiosmtplib", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")

import yaml
from sqlalchemy import select

from aupguard.gateway import quarantine
from aupguard.gateway.server import Gateway, GatewayConfig, running
from aupguard.gateway.settings import check_gateway_settings
from aupguard.gateway.spool import Spool
from aupguard.store.gateway_tables import gateway_quarantine
from aupguard.store.tables import audit_log, items
from aupguard.workspace import Workspace
from tests.conftest import Sink
from tests.gateway.conftest import LEAK_BODY, item_count, message, sha, wait_for

SENDER, RECIPIENTS = "sam.ortiz@district.example", ["reporter@news.example", "hidden-bcc@news.example"]


@contextmanager
def filtering(ws: Workspace, next_port: int) -> Iterator[Gateway]:
    config = GatewayConfig(
        mode="filter", port=0, scan_interval=0.1, next_hop=("127.0.0.1", next_port), scan_in_subprocess=False
    )
    with running(ws, config) as gateway:
        yield gateway


def send(gateway: Gateway, raw: bytes) -> str:
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail(SENDER)
        for rcpt in RECIPIENTS:
            smtp.rcpt(rcpt)
        code, reply = smtp.data(raw)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return reply.decode()


def mark_hold(ws: Workspace, rules: list[str]) -> None:
    (path,) = ws.pack_paths()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("settings", {})["gateway"] = {"hold_rules": rules}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_filtered_mail_is_delivered_with_its_envelope_and_archived(district: Workspace, sink: tuple[Sink, int]) -> None:
    handler, port = sink
    raw = message("story", LEAK_BODY)
    with filtering(district, port) as gateway:
        assert "delivered" in send(gateway, raw)
        wait_for(
            lambda: item_count(district, sha(raw)) == 1 and Spool.for_workspace(district.root).count() == 0, "scan"
        )
    assert handler.received == [(SENDER, RECIPIENTS, raw)]  # flagged, but delivered: no hold by default
    assert district.blobs.get(sha(raw)) == raw
    # The Bcc recipient is only in the SMTP envelope; the stored item names it, marked as such.
    with district.engine.connect() as conn:
        row = conn.execute(select(items.c.recipients, items.c.meta).where(items.c.id == sha(raw))).one()
    assert row.recipients == RECIPIENTS
    assert row.meta["bcc"] == ["hidden-bcc@news.example"]
    assert row.meta["envelope_recipients"] == RECIPIENTS


def test_next_hop_down_answers_451_so_postfix_keeps_the_message(district: Workspace) -> None:
    # nothing listens on port 1
    with filtering(district, 1) as gateway, pytest.raises(smtplib.SMTPDataError) as refused:
        send(gateway, message("story"))
    assert refused.value.smtp_code == 451


@pytest.mark.parametrize(
    ("subject", "body", "held"),
    [("story", LEAK_BODY, True), ("agenda", "The staff meeting moves to Thursday.", False)],
    ids=["student-info-held", "clean-delivered"],
)
def test_a_hold_rule_holds_only_matching_mail(
    district: Workspace, sink: tuple[Sink, int], subject: str, body: str, held: bool
) -> None:
    handler, port = sink
    mark_hold(district, ["student-info-external"])
    raw = message(subject, body)
    with filtering(district, port) as gateway:
        reply = send(gateway, raw)
    assert ("held for review" in reply) is held
    assert len(handler.received) == (0 if held else 1)
    with district.engine.connect() as conn:
        rows = list(conn.execute(select(gateway_quarantine)))
    assert [(r.item_id, r.mail_from, r.rcpt_to, r.rules, r.status) for r in rows] == (
        [(sha(raw), SENDER, RECIPIENTS, ["student-info-external"], "held")] if held else []
    )


def test_hold_check_with_the_database_locked_answers_451(
    district: Workspace, sink: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from aupguard.gateway import server

    def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    mark_hold(district, ["student-info-external"])
    monkeypatch.setattr(server, "scan", locked)
    monkeypatch.setattr("aupguard.gateway.consumer.scan", locked)
    with filtering(district, sink[1]) as gateway, pytest.raises(smtplib.SMTPDataError) as refused:
        send(gateway, message("story", LEAK_BODY))
    assert refused.value.smtp_code == 451
    assert sink[0].received == [] and Spool.for_workspace(district.root).count() == 1  # kept, not lost


def held_entry(ws: Workspace, sink: tuple[Sink, int]) -> tuple[int, bytes]:
    mark_hold(ws, ["student-info-external"])
    raw = message("story", LEAK_BODY)
    with filtering(ws, sink[1]) as gateway:
        send(gateway, raw)
    (entry,) = [r["id"] for r in quarantine.entries(ws, "held", "cli:tester")]
    return entry, raw


def test_release_delivers_the_held_message_unchanged(district: Workspace, sink: tuple[Sink, int]) -> None:
    entry, raw = held_entry(district, sink)
    quarantine.release(district, entry, "cli:reviewer", "interview was approved by the principal", "127.0.0.1", sink[1])
    assert sink[0].received == [(SENDER, RECIPIENTS, raw)]
    with pytest.raises(quarantine.QuarantineError, match="already released"):
        quarantine.release(district, entry, "cli:reviewer", "again", "127.0.0.1", sink[1])
    with district.engine.connect() as conn:
        actions = set(conn.scalars(select(audit_log.c.action)))
    assert {"gateway.quarantine.list", "gateway.quarantine.released"} <= actions


def test_reject_tells_the_sender_in_plain_words(district: Workspace, sink: tuple[Sink, int]) -> None:
    entry, _ = held_entry(district, sink)
    told = quarantine.reject(
        district,
        entry,
        "cli:reviewer",
        "student records may not go to the press",
        "127.0.0.1",
        sink[1],
        "postmaster@district.example",
    )
    assert told
    ((mail_from, rcpts, raw),) = sink[0].received
    assert (mail_from, rcpts) == ("<>", [SENDER])  # null sender (aiosmtpd's "<>"): a notice never bounces back
    notice = message_from_bytes(raw)
    text = notice.get_payload(decode=True).decode()
    assert notice["Subject"] == "Not delivered: story" and notice["To"] == SENDER
    assert "was not delivered" in text and "student records may not go to the press" in text
    assert "student-info-external" in text and "Nothing has been sent to the recipients" in text


@pytest.mark.parametrize(
    ("section", "problems"),
    [
        ({"hold_rules": ["student-info-external"]}, []),
        ({"hold_rules": []}, []),
        (
            {"hold_rules": ["student-info-externl"]},
            ["unknown rule 'student-info-externl' (did you mean 'student-info-external'?)"],
        ),
        ({"hold_rules": "student-info-external"}, ["Input should be a valid list"]),
        ({"hold": ["student-info-external"]}, ["Extra inputs are not permitted"]),
    ],
    ids=["known-rule", "empty", "misspelt", "not-a-list", "unknown-key"],
)
def test_policy_check_validates_hold_rules(section: dict[str, Any], problems: list[str]) -> None:
    data = {"rules": [{"id": "student-info-external"}, {"id": "offensive-language"}], "settings": {"gateway": section}}
    found = check_gateway_settings(data, lambda path: (7, 3))
    assert len(found) == len(problems)
    for problem, expected in zip(found, problems, strict=True):
        assert expected in problem.message and problem.line == 7


def test_policy_check_of_a_pack_reports_a_misspelt_hold_rule(district: Workspace, tmp_path: Path) -> None:
    from aupguard.policy.loader import check_pack

    mark_hold(district, ["student-info-externl"])
    (path,) = district.pack_paths()
    messages = [p.message for p in check_pack(path)]
    assert any("hold_rules names unknown rule 'student-info-externl'" in m for m in messages)


def test_quarantine_from_the_command_line(district: Workspace, sink: tuple[Sink, int]) -> None:
    from typer.testing import CliRunner

    from aupguard.cli import app

    entry, _ = held_entry(district, sink)
    runner = CliRunner()
    listed = runner.invoke(app, ["gateway", "quarantine", "list", "--json"], catch_exceptions=False)
    assert listed.exit_code == 0 and '"student-info-external"' in listed.output and str(entry) in listed.output
    hop = f"127.0.0.1:{sink[1]}"
    rejected = runner.invoke(
        app, ["gateway", "quarantine", "reject", str(entry), "--reason", "not for the press", "--next-hop", hop]
    )
    assert rejected.exit_code == 0, rejected.output
    assert "the sender was told" in rejected.output
    again = runner.invoke(app, ["gateway", "quarantine", "release", str(entry), "--reason", "oops", "--next-hop", hop])
    assert again.exit_code != 0 and "already rejected" in again.output
    assert len(sink[0].received) == 1  # the notice only; the held message never went out

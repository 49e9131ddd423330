"""The journal receiver against Python's smtplib: 250 only once durable, scanned exactly once,
4xx (never loss) on internal errors, size limit, who may send, journal reports unwrapped."""

from __future__ import annotations

import errno
import os
import shutil
import smtplib
import ssl
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiosmtpd", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")
pytest.importorskip("aiosmtplib", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from aupguard.archive.chain import archive_entries
from aupguard.gateway import consumer, spool
from aupguard.gateway.access import hash_password
from aupguard.gateway.server import Gateway, GatewayConfig, running
from aupguard.gateway.spool import Spool
from aupguard.store.tables import findings, items, scan_errors
from aupguard.workspace import Workspace
from tests.gateway.conftest import LEAK_BODY, item_count, message, sha, wait_for
from tests.gateway.test_unwrap import journal_report

FROM, TO = "journal@district.example", ["archive@district.example"]


@contextmanager
def journal(ws: Workspace, **options: Any) -> Iterator[Gateway]:
    # Scans in a thread (quick to start, and tests can patch it); the CLI's default, a scanner child
    # process, is used where marked and by test_fault.py.
    options = {"scan_in_subprocess": False, **options}
    with running(ws, GatewayConfig(mode="journal", port=0, scan_interval=0.1, **options)) as gateway:
        yield gateway


def send(gateway: Gateway, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as smtp:
        smtp.sendmail(FROM, TO, raw)


def scanned(ws: Workspace, item_id: str) -> bool:
    return item_count(ws, item_id) == 1 and Spool.for_workspace(ws.root).count() == 0


def chain_links(ws: Workspace, item_id: str) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(archive_entries.c.item_id == item_id)).scalar_one())


def rules_of(ws: Workspace, item_id: str) -> set[str]:
    with ws.engine.connect() as conn:
        return set(conn.scalars(select(findings.c.rule_id).where(findings.c.item_id == item_id)))


def test_250_comes_after_the_spool_file_and_its_folder_are_fsynced(
    district: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")

    monkeypatch.setattr(spool.os, "fsync", recording_fsync)
    raw = message("story", LEAK_BODY)
    with journal(district, scan_in_subprocess=True) as gateway:
        send(gateway, raw)
        events.append("250")
        wait_for(lambda: scanned(district, sha(raw)), "the message to be scanned")
    assert events == ["fsync file", "fsync folder", "250"]
    # archived (blob + chain link) and scanned (the leak is a finding), like `aupguard scan`
    assert district.blobs.get(sha(raw)) == raw
    assert chain_links(district, sha(raw)) == 1
    assert "student-info-external" in rules_of(district, sha(raw))


def test_a_message_sent_twice_is_archived_and_scanned_once(district: Workspace) -> None:
    raw, other = message("story", LEAK_BODY), message("agenda")
    with journal(district) as gateway:
        send(gateway, raw)
        wait_for(lambda: scanned(district, sha(raw)), "the first copy to be scanned")
        send(gateway, raw)
        send(gateway, other)
        wait_for(lambda: scanned(district, sha(other)), "the other message to be scanned")
    assert item_count(district) == 2
    assert chain_links(district, sha(raw)) == 1
    with district.engine.connect() as conn:
        leak_findings = conn.execute(select(func.count()).where(findings.c.item_id == sha(raw))).scalar_one()
    assert leak_findings == len(rules_of(district, sha(raw))) >= 1


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 452),
        (PermissionError(errno.EACCES, "Permission denied"), 451),
        (OSError(errno.EIO, "Input/output error"), 451),
        (RuntimeError("a bug"), 451),
    ],
    ids=["disk-full", "spool-unwritable", "io-error", "bug"],
)
def test_an_internal_error_answers_4xx_and_the_retry_is_archived(
    district: Workspace, monkeypatch: pytest.MonkeyPatch, error: Exception, code: int
) -> None:
    raw = message("story", LEAK_BODY)
    real_put = Spool.put

    def failing_put(self: Spool, data: bytes, recipients: Any = ()) -> Path:
        raise error

    with journal(district) as gateway:
        monkeypatch.setattr(Spool, "put", failing_put)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(gateway, raw)
        assert refused.value.smtp_code == code
        assert Spool.for_workspace(district.root).count() == 0 and item_count(district) == 0
        monkeypatch.setattr(Spool, "put", real_put)  # the fault clears; the sender retries
        send(gateway, raw)
        wait_for(lambda: scanned(district, sha(raw)), "the retried message to be scanned")


def test_a_half_written_spool_file_is_not_left_behind(district: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool.os, "write", full_disk)
    store = Spool.for_workspace(district.root).ensure()
    with pytest.raises(OSError):
        store.put(message("story"))
    assert list(store.tmp.iterdir()) == [] and store.count() == 0


def test_database_locked_keeps_the_message_spooled_until_the_store_works(
    district: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scan = consumer.scan
    locked = {"on": True, "tries": 0}

    def scan_while_locked(ws: Workspace, paths: list[Path], **options: Any) -> Any:
        if locked["on"]:
            locked["tries"] += 1
            raise OperationalError("INSERT INTO items", {}, Exception("database is locked"))
        return real_scan(ws, paths, **options)

    monkeypatch.setattr(consumer, "scan", scan_while_locked)
    raw = message("story", LEAK_BODY)
    with journal(district) as gateway:
        send(gateway, raw)  # accepted: the spool is durable even while the database is not writable
        wait_for(lambda: locked["tries"] >= 2, "the scan to be tried while locked")
        assert Spool.for_workspace(district.root).count() == 1 and item_count(district) == 0
        locked["on"] = False
        gateway.handler.spooled.set()
        wait_for(lambda: scanned(district, sha(raw)), "the message to be scanned once unlocked")
    assert gateway.scan_failures >= 2


def test_a_message_left_in_the_spool_by_an_earlier_run_is_scanned_at_start(district: Workspace) -> None:
    raw = message("story", LEAK_BODY)
    Spool.for_workspace(district.root).ensure().put(raw)
    with journal(district):
        wait_for(lambda: scanned(district, sha(raw)), "the leftover message to be scanned")


def test_a_message_over_the_size_limit_is_refused_with_552(district: Workspace) -> None:
    small, big = message("small"), message("big", "x" * 80 + "\n" * 0 + ("y" * 70 + "\n") * 100)
    with journal(district, max_size=2000) as gateway:
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
            send(gateway, big)
        assert refused.value.smtp_code == 552
        send(gateway, small)
        wait_for(lambda: scanned(district, sha(small)), "the small message to be scanned")
    assert item_count(district) == 1


@pytest.mark.parametrize(
    ("networks", "accepted"),
    [(["127.0.0.0/8"], True), (["127.0.0.1/32", "10.0.0.0/8"], True), (["10.0.0.0/8"], False), (["::1/128"], False)],
)
def test_only_allowed_client_networks_may_send(district: Workspace, networks: list[str], accepted: bool) -> None:
    raw = message("story")
    with journal(district, allow_networks=networks) as gateway:
        if accepted:
            send(gateway, raw)
        else:
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                send(gateway, raw)
            assert refused.value.smtp_code == 554
    assert Spool.for_workspace(district.root).count() + item_count(district) == (1 if accepted else 0)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(
    ("login", "accepted"),
    [
        (("journal", "s3cret-journal"), True),
        (("journal", "wrong"), False),
        (("nobody", "s3cret-journal"), False),
        (None, False),
    ],
    ids=["right-password", "wrong-password", "unknown-user", "no-auth"],
)
def test_outside_the_allow_list_a_client_must_authenticate_over_starttls(
    district: Workspace, certificate: tuple[Path, Path], login: tuple[str, str] | None, accepted: bool
) -> None:
    cert, key = certificate
    options = {
        "tls_cert": cert,
        "tls_key": key,
        "allow_networks": ["10.0.0.0/8"],
        "passwords": {"journal": hash_password("s3cret-journal")},
    }
    raw = message("story")
    with journal(district, **options) as gateway, smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as smtp:
        smtp.starttls(context=ssl._create_unverified_context())  # noqa: S323 - self-signed test certificate
        smtp.ehlo()
        if accepted:
            assert login is not None
            smtp.login(*login)
            smtp.sendmail(FROM, TO, raw)
        else:
            with pytest.raises((smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)) as refused:
                if login:
                    smtp.login(*login)
                smtp.sendmail(FROM, TO, raw)
            assert refused.value.smtp_code in (530, 535)
    assert Spool.for_workspace(district.root).count() + item_count(district) == (1 if accepted else 0)


def test_lines_longer_than_rfc5321_allows_are_archived_not_bounced(district: Workspace) -> None:
    body = b"<p>" + b"word " * 2000 + b"</p>"  # one 10,000-character line, as some senders write
    raw = message("newsletter").split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + body + b"\r\n"
    assert max(len(line) for line in raw.split(b"\r\n")) > 1000
    with journal(district) as gateway:
        send(gateway, raw)
        wait_for(lambda: scanned(district, sha(raw)), "the long-lined message to be scanned")


def test_a_microsoft_journal_report_is_archived_as_the_original_message(district: Workspace) -> None:
    original = message("story", LEAK_BODY)
    report = journal_report(original)
    with journal(district) as gateway:
        send(gateway, report)
        wait_for(lambda: scanned(district, sha(original)), "the unwrapped original to be scanned")
    assert item_count(district) == 1 and item_count(district, sha(report)) == 0
    assert district.blobs.get(sha(original)) == original
    assert "student-info-external" in rules_of(district, sha(original))


def test_the_bcc_recipients_a_journal_report_lists_are_kept_with_the_original(district: Workspace) -> None:
    original = message("story", LEAK_BODY)  # To: reporter@news.example; nothing says who else got it
    listing = b"Sender: sam.ortiz@district.example\r\nTo: reporter@news.example\r\nBcc: Lee <lee@blog.example>\r\n"
    report = journal_report(original).replace(
        b"Sender: sam.ortiz@district.example\r\nSubject: story\r\nRecipient: reporter@news.example\r\n", listing
    )
    with journal(district) as gateway:
        send(gateway, report)
        wait_for(lambda: scanned(district, sha(original)), "the unwrapped original to be scanned")
    with district.engine.connect() as conn:
        row = conn.execute(select(items.c.recipients, items.c.meta).where(items.c.id == sha(original))).one()
    assert row.recipients == ["reporter@news.example", "lee@blog.example"]
    assert row.meta["bcc"] == ["lee@blog.example"]
    assert not list(Spool.for_workspace(district.root).new.iterdir())  # the list went with the message


def test_a_file_another_scan_stored_and_removed_meanwhile_leaves_no_read_error(
    district: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The filter's hold check scans a message at once and removes its spool file; the scanner,
    # which listed the file just before, then finds it gone. The message is stored: no error stays.
    spooled = Spool.for_workspace(district.root).ensure()
    raw = message("story", LEAK_BODY)
    path = spooled.put(raw)
    consumer.scan(district, [path])
    spooled.done(path)
    monkeypatch.setattr(Spool, "pending", lambda self, limit: [path])
    result = consumer.drain_once(district, spooled)
    assert (result.stored, result.set_aside, result.left) == (1, 0, 0)
    assert item_count(district, sha(raw)) == 1
    with district.engine.connect() as conn:
        assert conn.execute(select(scan_errors.c.source, scan_errors.c.reason)).all() == []
    assert not list(spooled.failed.iterdir())


def test_a_file_that_is_gone_without_its_item_being_stored_keeps_its_error(
    district: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    spooled = Spool.for_workspace(district.root).ensure()
    path = spooled.new / ("0" * 64 + ".eml")  # listed, then lost before any scan stored it
    monkeypatch.setattr(Spool, "pending", lambda self, limit: [path])
    result = consumer.drain_once(district, spooled)
    assert (result.stored, result.set_aside) == (0, 1)
    with district.engine.connect() as conn:
        assert conn.execute(select(scan_errors.c.reason)).scalars().all() == ["no such file or folder"]

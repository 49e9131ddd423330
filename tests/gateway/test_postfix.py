"""A real Postfix on loopback ports routes mail through `aupguard gateway filter`
(FILTER_README's after-queue pattern) and re-injection; swaks and smtplib send; the message is
delivered (to a sink standing in for the next mail server), archived and scanned. swaks also
journals straight to the journal receiver.

The Postfix instance is private to the test: its own config_directory, queue and log in
tmp_path, listening on free loopback ports only. Skips, saying why, without postfix, swaks or
root (Postfix's master runs as root)."""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")
pytest.importorskip("aiosmtplib", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")

from sqlalchemy import select

from aupguard.gateway.server import GatewayConfig, running
from aupguard.gateway.spool import Spool
from aupguard.store.tables import findings
from aupguard.workspace import Workspace
from tests.conftest import Sink, free_port
from tests.gateway.conftest import LEAK_BODY, item_count, message, wait_for

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
SWAKS = shutil.which("swaks")

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(POSTFIX), reason="Debian's postfix is not installed (.ci/run installs it as root)"
    ),
    pytest.mark.skipif(SWAKS is None, reason="swaks is not installed (.ci/run installs it as root)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="a private Postfix instance needs root to start its master"),
]

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.district.example
mydomain = district.example
myorigin = $mydomain
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{sink}
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
smtputf8_enable = no
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
smtpd_relay_restrictions = permit_mynetworks, reject
"""

# The receiving smtpd hands every message to aupguard; the 10026-style smtpd takes it back with
# content_filter switched off, so it is delivered (to the sink via relayhost) and not looped.
MASTER_CF = """\
127.0.0.1:{smtp} inet n - n - - smtpd
  -o content_filter=aupguard:[127.0.0.1]:{filter}
aupguard  unix -  -  n  -  4  smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
127.0.0.1:{reinject} inet n - n - 10 smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


# docs/gateway.md's journaling setup: every message is also sent to the journal receiver.
JOURNAL_CF = """\
always_bcc = journal@archive.invalid
transport_maps = inline:{{ journal@archive.invalid=smtp:[127.0.0.1]:{journal} }}
"""


class PrivatePostfix:
    def __init__(self, root: Path, sink_port: int, filter_port: int, journal_port: int | None = None) -> None:
        self.root = root
        self.etc = root / "etc"
        self.smtp, self.reinject, self.filter = free_port(), free_port(), filter_port
        self.etc.mkdir(parents=True)
        (root / "data").mkdir()
        (root / "queue").mkdir(mode=0o755)  # root's; `postfix start` creates the queues inside
        ports = {"root": root, "sink": sink_port, "smtp": self.smtp, "filter": filter_port, "reinject": self.reinject}
        main_cf, master_cf = MAIN_CF.format(**ports), MASTER_CF.format(**ports)
        if journal_port is not None:  # journaling instead of filtering: a Bcc of everything
            main_cf += JOURNAL_CF.format(journal=journal_port)
            master_cf = master_cf.replace(f"  -o content_filter=aupguard:[127.0.0.1]:{filter_port}\n", "")
        (self.etc / "main.cf").write_text(main_cf)
        (self.etc / "master.cf").write_text(master_cf)
        os.chown(root / "data", *_postfix_ids())

    def postfix(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([POSTFIX, "-c", str(self.etc), *args], capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        done = self.postfix("start")
        if done.returncode != 0:
            pytest.fail(f"postfix start failed: {done.stdout}{done.stderr}\n{self.log()}")
        wait_for(self.listening, "postfix to listen", limit=30)

    def listening(self) -> bool:
        try:
            smtplib.SMTP("127.0.0.1", self.smtp, timeout=2).quit()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        self.postfix("abort")

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else "(no maillog)"


def _postfix_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postfix")
    return entry.pw_uid, entry.pw_gid


@contextmanager
def private_postfix(sink_port: int, journal_port: int | None = None) -> Iterator[PrivatePostfix]:
    # Not in tmp_path: pytest's folders are private to root, and Postfix's daemons run as postfix.
    root = Path(tempfile.mkdtemp(prefix="aupguard-postfix-"))
    root.chmod(0o755)
    instance = PrivatePostfix(root, sink_port, free_port(), journal_port)
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postfix(sink: tuple[Sink, int]) -> Iterator[PrivatePostfix]:
    with private_postfix(sink[1]) as instance:
        yield instance


def delivered(sink: Sink, subject: str) -> list[tuple[str, list[str], bytes]]:
    return [r for r in sink.received if f"Subject: {subject}".encode() in r[2]]


def test_postfix_content_filter_delivers_archives_and_scans(
    district: Workspace, postfix: PrivatePostfix, sink: tuple[Sink, int]
) -> None:
    handler, _ = sink
    config = GatewayConfig(
        mode="filter",
        port=postfix.filter,
        next_hop=("127.0.0.1", postfix.reinject),
        scan_in_subprocess=False,
        scan_interval=0.1,
    )
    leak = message("story for the paper", LEAK_BODY)
    with running(district, config):
        # smtplib: the leak, to an outside recipient and a Bcc only the envelope knows
        with smtplib.SMTP("127.0.0.1", postfix.smtp, timeout=30) as smtp:
            smtp.sendmail("sam.ortiz@district.example", ["reporter@news.example", "editor@news.example"], leak)
        # swaks: an ordinary message
        sent = subprocess.run(
            [
                SWAKS or "swaks",
                "--server",
                f"127.0.0.1:{postfix.smtp}",
                "--from",
                "avery.cole@district.example",
                "--to",
                "sam.ortiz@district.example",
                "--header",
                "Subject: swaks agenda",
                "--body",
                "The staff meeting moves to Thursday.",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        try:
            wait_for(
                lambda: delivered(handler, "story for the paper") and delivered(handler, "swaks agenda"),
                "postfix to deliver both messages through the filter",
                limit=40,
            )
        except AssertionError:
            raise AssertionError(f"not delivered; postfix log:\n{postfix.log()}") from None
        wait_for(lambda: Spool.for_workspace(district.root).count() == 0, "the filter's spool to be scanned")
    ((mail_from, rcpts, _),) = delivered(handler, "story for the paper")
    assert (mail_from, sorted(rcpts)) == (
        "sam.ortiz@district.example",
        ["editor@news.example", "reporter@news.example"],
    )
    # archived: what aupguard received from Postfix (Postfix adds its Received header)
    with district.engine.connect() as conn:
        rules = set(conn.scalars(select(findings.c.rule_id)))
    assert item_count(district) == 2
    assert "student-info-external" in rules
    log = postfix.log()
    assert f"relay=127.0.0.1[127.0.0.1]:{postfix.filter}" in log and "filtered and delivered" in log


def test_swaks_journals_to_the_journal_receiver(district: Workspace) -> None:
    config = GatewayConfig(mode="journal", port=free_port(), scan_in_subprocess=False, scan_interval=0.1)
    raw = message("journaled story", LEAK_BODY)
    with running(district, config) as gateway:
        sent = subprocess.run(
            [
                SWAKS or "swaks",
                "--server",
                f"127.0.0.1:{gateway.port}",
                "--from",
                "journal@district.example",
                "--to",
                "archive@district.example",
                "--data",
                "-",
            ],
            input=raw.decode(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "250 2.0.0 Ok: queued as" in sent.stdout
        wait_for(lambda: item_count(district) == 1 and Spool.for_workspace(district.root).count() == 0, "scan")
    with district.engine.connect() as conn:
        assert "student-info-external" in set(conn.scalars(select(findings.c.rule_id)))


def test_postfix_always_bcc_journals_every_message_to_the_receiver(district: Workspace, sink: tuple[Sink, int]) -> None:
    handler, sink_port = sink
    journal_port = free_port()
    config = GatewayConfig(mode="journal", port=journal_port, scan_in_subprocess=False, scan_interval=0.1)
    leak = message("journaled by postfix", LEAK_BODY)
    with running(district, config), private_postfix(sink_port, journal_port) as postfix:
        with smtplib.SMTP("127.0.0.1", postfix.smtp, timeout=30) as smtp:
            smtp.sendmail("sam.ortiz@district.example", ["reporter@news.example"], leak)
        try:
            wait_for(
                lambda: delivered(handler, "journaled by postfix") and item_count(district) == 1,
                "postfix to deliver the message and journal its copy",
                limit=40,
            )
        except AssertionError:
            raise AssertionError(f"not delivered and journaled; postfix log:\n{postfix.log()}") from None
        wait_for(lambda: Spool.for_workspace(district.root).count() == 0, "the journal spool to be scanned")
    ((_, rcpts, _),) = delivered(handler, "journaled by postfix")
    assert rcpts == ["reporter@news.example"]  # the journal copy went to aupguard, not on to the sink
    with district.engine.connect() as conn:
        assert "student-info-external" in set(conn.scalars(select(findings.c.rule_id)))

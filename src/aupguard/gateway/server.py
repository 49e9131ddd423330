"""The SMTP side of the gateway (aiosmtpd): accept, spool durably, answer; scan in the background.

Answers a sending server can rely on:
  250  the bytes are fsynced in the spool (journal), and delivered onward or held (filter)
  452  the spool's disk is full                    } temporary: the sender keeps the message
  451  any other internal error (folder not         } and retries, so nothing is lost
       writable, database locked, next hop down)   }
  552  larger than --max-size (aiosmtpd's own check, before anything is stored)
  530/554  not authenticated / client network not allowed

Spool writes and scans run in threads, at most `concurrency` messages at a time, so one huge
message (or a slow disk) never blocks the event loop that serves every other session.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import aiosmtplib
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from aupguard.gateway import quarantine
from aupguard.gateway.access import LOOPBACK, AccessPolicy
from aupguard.gateway.consumer import drain, item_id_of
from aupguard.gateway.reinject import reinject, reverse_path
from aupguard.gateway.settings import gateway_settings
from aupguard.gateway.spool import Spool
from aupguard.gateway.unwrap import unwrap
from aupguard.interrupt import exit_with_parent
from aupguard.scanning import scan
from aupguard.store.tables import findings, items
from aupguard.workspace import Workspace

log = logging.getLogger(__name__)

Mode = Literal["journal", "filter"]


@dataclass
class GatewayConfig:
    mode: Mode = "journal"
    host: str = "127.0.0.1"
    port: int = 10025  # 0: any free port (tests)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    require_tls: bool = False
    allow_networks: list[str] = field(default_factory=lambda: list(LOOPBACK))
    passwords: dict[str, str] = field(default_factory=dict)  # user -> argon2 hash (AUTH)
    max_size: int = 50 * 2**20
    concurrency: int = 8
    busy_timeout: float = 30.0  # waiting longer than this for a free slot answers 451
    next_hop: tuple[str, int] = ("127.0.0.1", 10026)  # filter mode: Postfix's re-injection smtpd
    scan_batch: int = 200
    scan_interval: float = 2.0  # seconds to gather arriving messages into one scan round
    # Scan in a child process (default), so parsing and detecting never hold the interpreter lock
    # the SMTP sessions need; False scans in a thread of this process (tests patch the scan).
    scan_in_subprocess: bool = True


class GatewaySMTP(SMTP):
    # RFC 5321 caps a line at 1,000 octets, and aiosmtpd refuses longer ones with a permanent 500,
    # which would make the journaling server bounce the copy and the archive miss it. Real mail
    # breaks the rule (long HTML lines), so accept lines up to 1 MiB; --max-size still bounds it.
    line_length_limit = 2**20


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


class GatewayHandler:
    def __init__(self, ws: Workspace, spool: Spool, config: GatewayConfig, access: AccessPolicy) -> None:
        self.ws = ws
        self.spool = spool
        self.config = config
        self.access = access
        self.slots = asyncio.Semaphore(config.concurrency)
        self.spooled = asyncio.Event()  # wakes the consumer
        self.scan_lock = threading.Lock()  # one scan at a time: SQLite has one writer
        self.hold_rules = set(gateway_settings(ws.current_pack()).hold_rules) if config.mode == "filter" else set()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:  # noqa: N802 - aiosmtpd's hook name
        if not (session.authenticated or self.access.allows_peer(session.peer)):
            if self.access.passwords:
                return "530 5.7.0 Authentication required"
            return "554 5.7.1 Client host not allowed to send to this gateway"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        received = envelope.original_content or envelope.content
        if not isinstance(received, bytes):
            received = str(received).encode("utf-8", "surrogateescape")
        try:
            await asyncio.wait_for(self.slots.acquire(), self.config.busy_timeout)
        except TimeoutError:
            return "451 4.3.2 Gateway busy, try again later"
        try:
            return await self._accept(received, envelope)
        finally:
            self.slots.release()

    async def _accept(self, received: bytes, envelope: Envelope) -> str:
        try:
            if self.config.mode == "journal":
                path = await asyncio.to_thread(self._spool_journaled, received)
            else:
                # RCPT TO names every recipient, Bcc included; the headers do not.
                path = await asyncio.to_thread(self.spool.put, received, list(envelope.rcpt_tos))
        except OSError as exc:
            log.error("spool write failed: %s", exc)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                return "452 4.3.1 Insufficient system storage, try again later"
            return "451 4.3.0 Temporary local problem, try again later"
        except Exception:  # noqa: BLE001 - the sender must retry, never lose the message
            log.exception("spool write failed")
            return "451 4.3.0 Temporary local problem, try again later"
        self.spooled.set()
        if self.config.mode == "journal":
            return f"250 2.0.0 Ok: queued as {item_id_of(path)[:16]}"
        return await self._filter(received, path, envelope)

    def _spool_journaled(self, received: bytes) -> Path:
        unwrapped = unwrap(received)
        if unwrapped.note:
            log.warning("%s", unwrapped.note)
        # A journal copy's own envelope is the journal mailbox; a Microsoft report lists the
        # original's recipients (Bcc included), which is what is kept.
        return self.spool.put(unwrapped.raw, unwrapped.recipients)

    async def _filter(self, received: bytes, path: Path, envelope: Envelope) -> str:
        mail_from = reverse_path(envelope.mail_from)
        rcpt_to = list(envelope.rcpt_tos)
        if self.hold_rules:
            try:
                matched = await asyncio.to_thread(self._scan_now, path)
                if matched:
                    entry = await asyncio.to_thread(
                        quarantine.hold, self.ws.engine, item_id_of(path), mail_from, rcpt_to, matched
                    )
                    return f"250 2.0.0 Ok: held for review (quarantine {entry})"
            except Exception:  # noqa: BLE001 - database locked or down: Postfix retries
                log.exception("hold check failed")
                return "451 4.3.0 Temporary local problem, try again later"
        host, port = self.config.next_hop
        try:
            await reinject(received, mail_from, rcpt_to, host, port)
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:  # the next hop refused for good: Postfix bounces it
                return f"{exc.code} {exc.message}"
            return f"451 4.4.0 Next hop deferred: {exc.code} {exc.message}"
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.error("re-injection to %s:%s failed: %s", host, port, exc)
            return "451 4.4.1 Next hop not available, try again later"
        return "250 2.0.0 Ok: filtered and delivered"

    def _scan_now(self, path: Path) -> list[str]:
        """Scan one spooled message now and return the hold rules its findings matched."""
        item_id = item_id_of(path)
        with self.scan_lock:
            with self.ws.engine.connect() as conn:
                known = conn.execute(select(items.c.id).where(items.c.id == item_id)).first() is not None
            if not known and path.exists():
                scan(self.ws, [path], envelopes=self.spool.envelopes([path]))
            with self.ws.engine.connect() as conn:
                if conn.execute(select(items.c.id).where(items.c.id == item_id)).first() is not None:
                    self.spool.done(path)
                rules = conn.scalars(
                    select(findings.c.rule_id).where(
                        findings.c.item_id == item_id, findings.c.rule_id.in_(sorted(self.hold_rules))
                    )
                )
                return sorted(set(rules))

    def drain_spool(self) -> None:
        with self.scan_lock:
            drain(self.ws, self.spool, self.config.scan_batch)


# The scanner child process's own workspace (engine, blobs), opened once by its initializer.
_SCANNER_WS: Workspace | None = None


def _open_scanner_workspace(root: str, gateway_pid: int) -> None:
    global _SCANNER_WS
    # Watch first: the gateway may already be gone (killed while this process was starting).
    exit_with_parent(gateway_pid, every=1.0)
    # Scanning can wait; answering the sending server cannot: give the SMTP side the CPU first.
    with contextlib.suppress(OSError):
        os.nice(10)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s scanner: %(message)s")
    _SCANNER_WS = Workspace.open(root)


def _drain_in_scanner(batch: int) -> None:
    assert _SCANNER_WS is not None, "scanner not initialised"
    try:
        drain(_SCANNER_WS, Spool.for_workspace(_SCANNER_WS.root), batch)
    except KeyboardInterrupt:
        # SIGTERM or SIGINT to this process: the scan stopped between batches (the spool keeps
        # what it did not store). Leave as a killed scanner would, so the gateway starts a new
        # one (or, stopping, finds this one gone) instead of receiving the interrupt itself.
        os._exit(1)


class Gateway:
    """One listening socket and its spool consumer, on the running event loop."""

    def __init__(self, ws: Workspace, config: GatewayConfig) -> None:
        self.ws = ws
        self.config = config
        self.spool = Spool.for_workspace(ws.root).ensure()
        self.spool.clear_tmp()
        self.access = AccessPolicy(config.allow_networks, config.passwords)
        self.handler = GatewayHandler(ws, self.spool, config, self.access)
        self.tls = tls_context(config.tls_cert, config.tls_key) if config.tls_cert and config.tls_key else None
        self.server: asyncio.Server | None = None
        self.consumer: asyncio.Task[None] | None = None
        self.scanner: ProcessPoolExecutor | None = None
        self.scan_failures = 0

    def _scanner(self) -> ProcessPoolExecutor:
        # spawn, not fork: this process has threads and a running event loop
        if self.scanner is None:
            self.scanner = ProcessPoolExecutor(
                1,
                mp_context=get_context("spawn"),
                initializer=_open_scanner_workspace,
                initargs=(str(self.ws.root), os.getpid()),
            )
        return self.scanner

    async def _drain(self) -> None:
        if not self.config.scan_in_subprocess:
            await asyncio.to_thread(self.handler.drain_spool)
            return
        try:
            await asyncio.get_running_loop().run_in_executor(self._scanner(), _drain_in_scanner, self.config.scan_batch)
        except BrokenProcessPool:  # the scanner died (killed, out of memory): start a new one
            self.scanner = None
            raise

    def _protocol(self) -> SMTP:
        return GatewaySMTP(
            self.handler,
            data_size_limit=self.config.max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=None,
            ident="aupguard gateway",
            tls_context=self.tls,
            require_starttls=self.config.require_tls and self.tls is not None,
            auth_require_tls=True,
            authenticator=self.access.authenticator if self.config.passwords else None,
        )

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._protocol, self.config.host, self.config.port, reuse_address=True)
        self.handler.spooled.set()  # scan what an earlier run left in the spool
        self.consumer = asyncio.create_task(self._consume())

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self.consumer is not None:
            self.consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.consumer
        if self.scanner is not None:
            self.scanner.shutdown(wait=True, cancel_futures=True)

    async def _consume(self) -> None:
        """Scan the spool after messages arrive, gathering them for `scan_interval` first: each
        round is one scan in the store's history, so rounds are batches, not single messages."""
        backoff = 0.0
        while True:
            with contextlib.suppress(TimeoutError):  # and a look every 30 s whatever happens
                await asyncio.wait_for(self.handler.spooled.wait(), 30.0)
            await asyncio.sleep(max(self.config.scan_interval, backoff))
            self.handler.spooled.clear()
            try:
                await self._drain()
                backoff = 0.0
            except Exception:  # noqa: BLE001 - database locked or down: the spool keeps it all
                self.scan_failures += 1
                log.exception("scanning the spool failed; the messages stay spooled and are retried")
                backoff = min(max(backoff * 2, 1.0), 30.0)
                self.handler.spooled.set()


async def serve_forever(ws: Workspace, config: GatewayConfig, ready: Any = None) -> None:
    gateway = Gateway(ws, config)
    await gateway.start()
    if ready is not None:
        ready(gateway)
    try:
        await asyncio.Event().wait()
    finally:
        await gateway.stop()


@contextlib.contextmanager
def running(ws: Workspace, config: GatewayConfig) -> Iterator[Gateway]:
    """Run a gateway on an event loop in a thread (tests, benches); stops it on exit."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Gateway] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        gateway = Gateway(ws, config)
        loop.run_until_complete(gateway.start())
        holder["gateway"] = gateway
        started.set()
        loop.run_forever()
        loop.run_until_complete(gateway.stop())
        loop.close()

    thread = threading.Thread(target=run, name="aupguard-gateway", daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("gateway did not start")
    try:
        yield holder["gateway"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)

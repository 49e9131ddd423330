"""Message building blocks, the corpus of everything generated, and the writers of message files
and expectations."""

from __future__ import annotations

import io
import json
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from demo_district.exports import write_csv
from demo_district.people import (
    BUILDINGS,
    CDT,
    CST,
    DISTRICT,
    DOMAIN,
    Someone,
    national,
)

START = date(2026, 9, 1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """`day` days after 2026-09-01, Central time (CDT until Nov 1, then CST)."""
    d = START + timedelta(days=day)
    tz = CDT if d < date(2026, 11, 1) else CST
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=tz)


def school_day(rng: random.Random) -> int:
    """A weekday between Sep 1 and Nov 20, 2026."""
    while True:
        n = rng.randint(0, 80)
        if (START + timedelta(days=n)).weekday() < 5:
            return n


@dataclass
class Expectation:
    file: str
    position: str
    message_id: str
    rule: str
    person_id: str | None
    note: str


@dataclass
class Mail:
    message_id: str
    sender: str | None  # bare address, for the mbox "From " line
    sent: datetime
    raw: bytes


class Corpus:
    """Everything the district's exports hold, plus what the scan is expected to find in it."""

    def __init__(self) -> None:
        self.eml: list[Mail] = []
        self.mbox: list[Mail] = []
        self.texts: dict[str, list[dict[str, object]]] = {"csv": [], "per_recipient": [], "json": []}
        self.posts: dict[tuple[str, str], list[dict[str, object]]] = {}
        self.connections: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.violations: list[Expectation] = []
        self.near_misses: list[Expectation] = []
        self._pending: list[tuple[str, str, str, str | None, str, bool]] = []  # resolved at write time
        self.n = 0

    def next_id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:04d}"

    def expect(self, key: str, rule: str, person: str | None, note: str, near_miss: bool = False) -> None:
        self._pending.append((key, rule, "", person, note, near_miss))


def address_header(who: Someone | tuple[str, str], personal: bool = False) -> str:
    if isinstance(who, tuple):
        name, addr = who
    else:
        name, addr = who.name, (who.personal_email if personal else who.email)
    return f'"{name}" <{addr}>' if any(c in name for c in ",.") else f"{name} <{addr}>"


def make_email(
    mid: str,
    sender: Someone | tuple[str, str] | None,
    to: list[Someone | tuple[str, str]],
    subject: str,
    body: str,
    sent: datetime,
    *,
    personal: bool = False,
    cc: list[Someone | tuple[str, str]] | None = None,
    headers: list[tuple[str, str]] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> Mail:
    msg = EmailMessage()
    for name, value in headers or []:
        msg[name] = value
    if sender is not None:
        msg["From"] = address_header(sender, personal)
    msg["To"] = ", ".join(address_header(t) for t in to)
    if cc:
        msg["Cc"] = ", ".join(address_header(t) for t in cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{mid}@mail.{DOMAIN}>"
    msg.set_content(body, cte="7bit")  # readable on disk; every body here is ASCII
    for filename, ctype, payload in attachments or []:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    if msg.is_multipart():
        msg.set_boundary(f"=_pccsd_{mid}")  # the default boundary is random: fix it
    bare = None
    if sender is not None:
        bare = sender[1] if isinstance(sender, tuple) else (sender.personal_email if personal else sender.email)
    return Mail(f"<{mid}@mail.{DOMAIN}>", bare, sent, msg.as_bytes())


def signature(s: Someone) -> str:
    where = dict((b[0], b[1]) for b in BUILDINGS).get(s.building or "", DISTRICT)
    return f"\n\n{s.name}\n{s.title}, {where}\n{national(s.phone)}\n"


PASS_AUTH = f"mx.{DOMAIN}; spf=pass smtp.mailfrom={{d}}; dkim=pass header.d={{d}}; dmarc=pass header.from={{d}}"


def exe_bytes() -> bytes:
    """A tiny fake Windows executable: the MZ header and padding, enough for magic-byte checks."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 180


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 10, 1, 12, 0, 0))  # fixed: reproducible bytes
            zf.writestr(info, payload)
    return buf.getvalue()


def text(c: Corpus, where: str, sender: str, recipients: list[str], sent: datetime, body: str, thread: str = "") -> str:
    tid = c.next_id("t")
    c.texts[where].append(
        {
            "id": tid,
            "thread": thread,
            "sender": sender,
            "recipients": recipients,
            "sent_at": sent.isoformat(),
            "body": body,
        }
    )
    return tid


def write_messages(c: Corpus, out: Path) -> dict[str, tuple[str, str]]:
    """Write every message file; return message key -> (file, position) for the expectations."""
    where: dict[str, tuple[str, str]] = {}
    email_dir = out / "messages" / "email"
    email_dir.mkdir(parents=True, exist_ok=True)
    for n, mail in enumerate(sorted(c.eml, key=lambda m: m.sent), start=1):
        name = f"messages/email/msg-{n:03d}.eml"
        (out / name).write_bytes(mail.raw)
        where[mail.message_id] = (name, "")
    chunks = []
    for n, mail in enumerate(sorted(c.mbox, key=lambda m: m.sent), start=1):
        stamp = mail.sent.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
        body = mail.raw.replace(b"\nFrom ", b"\n>From ")
        chunks.append(f"From {mail.sender or 'MAILER-DAEMON'} {stamp}\n".encode() + body.rstrip(b"\n") + b"\n\n")
        where[mail.message_id] = ("messages/mail.mbox", f"message {n}")
    (out / "messages" / "mail.mbox").write_bytes(b"".join(chunks))

    texts_dir = out / "messages" / "texts"
    by_time = {k: sorted(v, key=lambda t: str(t["sent_at"])) for k, v in c.texts.items()}
    rows = [
        [t["id"], t["thread"], t["sender"], ";".join(t["recipients"]), t["sent_at"], t["body"]]  # type: ignore[arg-type]
        for t in by_time["csv"]
    ]
    write_csv(texts_dir / "texts.csv", ["id", "thread", "sender", "recipients", "sent_at", "body"], rows)
    for n, t in enumerate(by_time["csv"]):
        where[str(t["id"])] = ("messages/texts/texts.csv", f"line {n + 2}")
    rows, line = [], 2
    for t in by_time["per_recipient"]:
        where[str(t["id"])] = ("messages/texts/texts_per_recipient.csv", f"line {line}")
        for r in t["recipients"]:  # type: ignore[attr-defined]
            rows.append([t["id"], t["sender"], r, t["sent_at"], t["body"]])
            line += 1
    write_csv(texts_dir / "texts_per_recipient.csv", ["message_id", "sender", "recipient", "sent_at", "body"], rows)
    for n, t in enumerate(by_time["json"], start=1):
        where[str(t["id"])] = ("messages/texts/texts.json", f"record {n}")
    (texts_dir / "texts.json").write_text(json.dumps(by_time["json"], indent=1) + "\n", encoding="utf-8")

    social_dir = out / "messages" / "social"
    social_dir.mkdir(parents=True, exist_ok=True)
    for (platform, owner), posts in c.posts.items():
        name = f"messages/social/{platform}-posts-{owner.replace('.', '-')}.json"
        posts = sorted(posts, key=lambda p: str(p["posted_at"]))
        export = {"export": "posts", "platform": platform, "author": "@" + owner, "posts": posts}
        (out / name).write_text(json.dumps(export, indent=1) + "\n", encoding="utf-8")
        for n, p in enumerate(posts, start=1):
            where[str(p["id"])] = (name, f"post {n}")
    for (platform, owner), conns in c.connections.items():
        name = f"messages/social/{platform}-connections-{owner.replace('.', '-')}.json"
        conns = sorted(conns, key=lambda x: x["connected_at"])
        export = {"export": "connections", "platform": platform, "owner": "@" + owner, "connections": conns}
        (out / name).write_text(json.dumps(export, indent=1) + "\n", encoding="utf-8")
        for n, x in enumerate(conns, start=1):
            where[f"{platform}:{owner}->{x['handle'].lstrip('@')}"] = (name, f"connection {n}")
    return where


def write_expectations(c: Corpus, where: dict[str, tuple[str, str]], out: Path) -> None:
    for key, rule, _, person, note, is_near in c._pending:
        file, position = where[key]
        (c.near_misses if is_near else c.violations).append(Expectation(file, position, key, rule, person, note))
    order = lambda e: (e.rule, e.file, e.position)  # noqa: E731
    violations = sorted(c.violations, key=order)
    near = sorted(c.near_misses, key=order)
    doc = {
        "district": DISTRICT,
        "generated_by": "scripts/build_demo_district.py",
        "keys": "message_id is the email Message-ID, the text id, the post id, or "
        "'platform:owner->handle' for a connection; position is 'message N' (1-based) in mbox, "
        "'record N' (1-based) in texts.json, 'line N' (header = line 1) in text CSVs, "
        "'post N' / 'connection N' in social exports.",
        "violations": [e.__dict__ for e in violations],
        "near_misses": [e.__dict__ for e in near],
    }
    (out / "expected.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    lines = [
        f"# {DISTRICT}: what a scan should find",
        "",
        "Generated by `scripts/build_demo_district.py` (do not edit by hand; rerun the script).",
        "Everyone here is fictional. `expected.json` holds the same lists for tests.",
        "",
        "## Planted violations",
        "",
        "| rule | file | position | who | what |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {e.rule} | {e.file} | {e.position} | {e.person_id or '(unknown sender)'} | {e.note} |" for e in violations
    ]
    lines += [
        "",
        "## Near misses (must NOT produce the finding named)",
        "",
        "| rule that must not fire | file | position | who | why not |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {e.rule} | {e.file} | {e.position} | {e.person_id or ''} | {e.note} |" for e in near]
    lines += [
        "",
        "Everything else is ordinary school business and should produce no finding. Rules that",
        "check a permission (covered_by) find these as open: the demo district grants none.",
        "",
    ]
    (out / "EXPECTED.md").write_text("\n".join(lines), encoding="utf-8")

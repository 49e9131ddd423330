"""A tiny hand-made district and mail folder shared by pipeline and CLI tests."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from aupguard.directory.batch import DirectoryBatch
from aupguard.model import Account, Building, Person, PersonKind
from aupguard.store import directory_repo
from aupguard.workspace import Workspace

DOMAIN = "district.example"


def seed_directory(ws: Workspace) -> None:
    batch = DirectoryBatch(
        source="test",
        people=[
            Person("prin", PersonKind.STAFF, "Avery", "Cole", roles=["principal"], building_ids=["hs"]),
            Person("t1", PersonKind.STAFF, "Samuel", "Ortiz", roles=["teacher"], building_ids=["hs"]),
            Person("s1", PersonKind.STUDENT, "Marisol", "Lindqvist", building_ids=["hs"], identifier="204417"),
            Person("g1", PersonKind.GUARDIAN, "Ruth", "Lindqvist", guardian_of=["s1"]),
        ],
        buildings=[Building("hs", "Prairie High School", ["prin"])],
        accounts=[
            Account(f"sam.ortiz@{DOMAIN}", "email", "t1", True),
            Account("samortiz77@gmail.com", "email", "t1", False),
            Account(f"avery.cole@{DOMAIN}", "email", "prin", True),
            Account("ruth.lindqvist@gmail.com", "email", "g1", False),
            Account("+15155550142", "phone", "s1", False),
        ],
        district_domains={DOMAIN},
    )
    directory_repo.upsert(ws.engine, batch, "test")


def eml(folder: Path, name: str, sender: str, to: str, subject: str, body: str, day: int = 5) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = f"Mon, {day:02d} Oct 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<{name}@{DOMAIN}>"
    msg.set_content(body)
    (folder / name).write_bytes(bytes(msg))


def write_mail(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    eml(folder, "leak.eml", f"sam.ortiz@{DOMAIN}", "reporter@news.example", "story",
        "You can interview Marisol Lindqvist, student id 204417, after practice.")  # fmt: skip
    eml(folder, "parent.eml", f"sam.ortiz@{DOMAIN}", "ruth.lindqvist@gmail.com", "Marisol",
        "Marisol Lindqvist did great on the lab today.")  # fmt: skip
    eml(folder, "clean.eml", f"sam.ortiz@{DOMAIN}", f"avery.cole@{DOMAIN}", "Agenda",
        "The staff meeting moves to Thursday.", day=20)  # fmt: skip
    eml(folder, "personal.eml", "samortiz77@gmail.com", "ruth.lindqvist@gmail.com", "practice",
        "Practice is moved to 4pm.", day=21)  # fmt: skip
    (folder / "garbage.eml").write_bytes(b"\x00\x01\x02 not a message at all \xff\xfe")
    (folder / "texts.csv").write_text(
        "sender,recipients,sent_at,body\n"
        "+15155550199,+15155550142,2026-10-07T18:00:00Z,Great game!\n"
        "+15155550199,+15155550142,not-a-date,oops\n",
        encoding="utf-8",
    )
    return folder

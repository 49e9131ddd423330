"""software_transfer: attachments and links that MUST and MUST NOT be flagged as software."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.software_transfer import SoftwareTransferDetector
from aupguard.model import Attachment, Channel, Item

CTX = DetectContext()
PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n"
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls and .msi share this container


def att(name: str | None, ctype: str = "application/octet-stream", head: bytes = b"", members=()) -> Attachment:
    return Attachment(name, ctype, 1000, "0" * 64, members=list(members), head=head)


def item(*attachments: Attachment, body: str = "", subject: str | None = None) -> Item:
    return Item("x", Channel.EMAIL, "t.eml", "", b"", subject=subject, body=body, attachments=list(attachments))


def kinds(it: Item) -> list[str]:
    return [s.kind for s in SoftwareTransferDetector().detect(it, CTX)]


ATTACHMENT_FIRES = [
    (att("game.exe", head=b"MZ\x90\x00"), "software.executable"),
    (att("game.exe"), "software.executable"),
    (att("report.pdf", "application/pdf", head=b"MZ\x90\x00\x03"), "software.executable"),  # disguised
    (att("tool", head=b"\x7fELF\x02\x01"), "software.executable"),
    (att("App", head=b"\xcf\xfa\xed\xfe\x07"), "software.executable"),
    (att("Universal", head=b"\xca\xfe\xba\xbe\x00"), "software.executable"),
    (att("run-me", "text/plain", head=b"#!/bin/sh\ncurl "), "software.executable"),
    (att("fix.bat", "text/plain"), "software.executable"),
    (att("Cleanup.PS1"), "software.executable"),
    (att("macro.vbs"), "software.executable"),
    (att("minecraft.jar", "application/java-archive", head=ZIP), "software.executable"),
    (att("app-release.apk", head=ZIP), "software.executable"),
    (att("screensaver.scr"), "software.executable"),
    (att(None, "application/x-msdownload"), "software.executable"),
    (att("Setup.exe", head=b"MZ"), "software.installer"),
    (att("PhotoshopInstaller.exe"), "software.installer"),
    (att("office.msi", head=OLE), "software.installer"),
    (att("Zoom.pkg"), "software.installer"),
    (att("VLC.dmg"), "software.installer"),
    (att("tool_1.0_amd64.deb"), "software.installer"),
    (att("tool.rpm"), "software.installer"),
    (att("Krita.AppImage"), "software.installer"),
    (att("windows11.iso"), "software.installer"),
    (att("blob", "application/x-apple-diskimage"), "software.installer"),
    (
        att("games.zip", "application/zip", ZIP, ["readme.txt", "bin/game.exe"]),
        "software.archive_with_executable",
    ),
    (att("office.zip", "application/zip", ZIP, ["Office/setup.msi"]), "software.archive_with_executable"),
    (
        att("stuff.tar.gz", "application/gzip", b"\x1f\x8b", ["x/app.AppImage"]),
        "software.archive_with_executable",
    ),
    (att("movie.torrent", "application/x-bittorrent", b"d8:announce"), "software.torrent"),
    (att("movie", "application/x-bittorrent"), "software.torrent"),
]

ATTACHMENT_SILENT = [
    att("syllabus.pdf", "application/pdf", PDF),
    att("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
    att("chart.png", "image/png", PNG),
    att("grades.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    att("minutes.doc", "application/msword", OLE),
    att("handouts.zip", "application/zip", ZIP, ["week1.pdf", "week2.pdf", "images/a.png"]),
    att("notes.txt", "text/plain", b"Meeting notes"),
    att("invite.ics", "text/calendar", b"BEGIN:VCALENDAR"),
    att(None, "text/html", b"<html>"),
    att("www.example.com.pdf", "application/pdf", PDF),
    att("exe-policy.docx", "application/vnd.openxmlformats", ZIP),
]


@pytest.mark.parametrize(("attachment", "expected"), ATTACHMENT_FIRES)
def test_attachment_fires(attachment: Attachment, expected: str) -> None:
    assert kinds(item(attachment)) == [expected]


@pytest.mark.parametrize("attachment", ATTACHMENT_SILENT, ids=lambda a: a.filename or a.content_type)
def test_attachment_silent(attachment: Attachment) -> None:
    assert kinds(item(attachment)) == []


LINK_FIRES = [
    ("get it here magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=movie", "software.magnet"),
    ("magnet:?dn=x&xt=urn:btih:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A", "software.magnet"),
    ("download https://example.org/files/ubuntu-24.04.torrent now", "software.torrent"),
    ("(http://tracker.example/get.torrent?id=4)", "software.torrent"),
]

LINK_SILENT = [
    "see https://example.org/files/syllabus.pdf",
    "the word magnet: a magnet attracts iron",
    "we saw a torrent of rain on the field trip",
    "http://example.org/torrent-of-rain.html",
]


@pytest.mark.parametrize(("body", "expected"), LINK_FIRES)
def test_link_fires_with_span(body: str, expected: str) -> None:
    it = item(body=body, subject="Hi")
    (sig,) = SoftwareTransferDetector().detect(it, CTX)
    assert sig.kind == expected
    assert it.text[sig.start : sig.end] == sig.text
    assert sig.text.lower().startswith(("magnet:", "http"))


@pytest.mark.parametrize("body", LINK_SILENT)
def test_link_silent(body: str) -> None:
    assert kinds(item(body=body)) == []


def test_disguised_executable_is_explained() -> None:
    (sig,) = SoftwareTransferDetector().detect(item(att("report.pdf", "application/pdf", b"MZ\x90")), CTX)
    assert "MZ" in sig.explanation and "name does not say so" in sig.explanation
    assert (sig.start, sig.end, sig.text) == (-1, -1, "report.pdf")

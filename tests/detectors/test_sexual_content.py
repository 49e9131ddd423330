"""sexual_content: text and attachments that MUST and MUST NOT be flagged."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.sexual_content import SexualContentDetector, filename_words
from aupguard.model import Attachment, Channel, Item

CTX = DetectContext()


def item(body: str = "", *attachments: Attachment, subject: str | None = None) -> Item:
    return Item("x", Channel.EMAIL, "t", "", b"", subject=subject, body=body, attachments=list(attachments))


def att(name: str | None, ctype: str = "image/jpeg", members: tuple[str, ...] = ()) -> Attachment:
    return Attachment(name, ctype, 2000, "0" * 64, members=list(members))


def kinds(it: Item, ctx: DetectContext = CTX) -> list[str]:
    return [s.kind for s in SexualContentDetector().detect(it, ctx)]


TEXT_FIRES = [
    ("check out this porn site", "porn"),
    ("She said send nudes lol", "send nudes"),
    ("got any NUDES?", "NUDES"),
    ("link: https://www.pornhub.com/view_video.php?x=1", "pornhub"),
    ("the blow\njob video", "blow\njob"),
    ("subscribe to my OnlyFans", "OnlyFans"),
    ("hentai collection", "hentai"),
    ("more dick pics", "dick pics"),
    ("free pr0n here", "pr0n"),
    ("send n00dz", "n00dz"),
]

TEXT_SILENT = [
    "The sex education unit starts Monday; permission slips are due.",
    "Middlesex and Essex counties, Sussex too.",
    "Sexual harassment training is mandatory for all staff.",
    "Figure drawing uses a nude model at the art museum (permission slips required).",
    "The web filter now blocks pornography under CIPA.",
    "Breast cancer awareness walk on Saturday.",
    "Teaching about the reproductive system in biology.",
    "Invoice XXX-XXXX will follow; call 555-XXXX.",
    "Pornstarr Ave is closed for construction.",  # not a word-boundary match
    "The Scunthorpe game and the Cockburn trip.",
]


@pytest.mark.parametrize(("body", "span"), TEXT_FIRES)
def test_text_fires_with_span(body: str, span: str) -> None:
    it = item(body, subject="Hey")
    signals = SexualContentDetector().detect(it, CTX)
    assert [s.kind for s in signals] == ["content.sexual"]
    (sig,) = signals
    assert sig.text == span == it.text[sig.start : sig.end]


@pytest.mark.parametrize("body", TEXT_SILENT)
def test_text_silent(body: str) -> None:
    assert kinds(item(body)) == []


ATTACHMENT_FIRES = [
    att("SendNudes.jpg"),
    att("porn_video.mp4", "video/mp4"),
    att("my-nudes-2024.zip", "application/zip"),
    att("photos.zip", "application/zip", ("trip/IMG_1.jpg", "private/hentai_01.png")),
    att("xxx-videos.mov", "video/quicktime"),
]

ATTACHMENT_SILENT = [
    att("IMG_2041.JPG"),
    att(None, "image/png"),
    att("science_fair.png", "image/png"),
    att("sex_education_unit_plan.pdf", "application/pdf"),
    att("Middlesex_roster.csv", "text/csv"),
    att("Essex-trip.jpg"),
    att("photos.zip", "application/zip", ("IMG_1.jpg", "IMG_2.jpg")),
    att("beach.mp4", "video/mp4"),
]


@pytest.mark.parametrize("attachment", ATTACHMENT_FIRES, ids=lambda a: a.filename)
def test_attachment_fires(attachment: Attachment) -> None:
    assert kinds(item("see attached", attachment)) == ["content.sexual_attachment"]


@pytest.mark.parametrize("attachment", ATTACHMENT_SILENT, ids=lambda a: a.filename or a.content_type)
def test_attachment_silent(attachment: Attachment) -> None:
    assert kinds(item("see attached", attachment)) == []


def test_allow_setting_exempts_a_phrase() -> None:
    ctx = DetectContext(settings={"sexual_content": {"allow": ["Porn Studies journal"]}})
    assert kinds(item("An article in the Porn Studies journal"), ctx) == []
    assert kinds(item("An article in the Porn Studies journal. Also porn."), ctx) == ["content.sexual"]


def test_extra_terms_setting() -> None:
    ctx = DetectContext(settings={"sexual_content": {"extra_terms": ["lewd pics"]}})
    assert kinds(item("more lewd pics"), ctx) == ["content.sexual"]
    assert kinds(item("more lewd pics")) == []


def test_filename_words() -> None:
    assert filename_words("SendNudes_2024-final.JPG") == "send nudes 2024 final jpg"

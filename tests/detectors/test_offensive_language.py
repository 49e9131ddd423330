"""offensive_language: vulgar words, harassment and identity attacks that MUST and MUST NOT fire."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.language.own_text import own_units
from aupguard.detectors.offensive_language import OffensiveLanguageDetector
from aupguard.model import Channel, Item

CTX = DetectContext()


def item(body: str, subject: str | None = None, channel: Channel = Channel.EMAIL) -> Item:
    return Item("x", channel, "t", "", b"", subject=subject, body=body)


def kinds(body: str, ctx: DetectContext = CTX, **kw: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in OffensiveLanguageDetector().detect(item(body, **kw), ctx):  # type: ignore[arg-type]
        out.setdefault(s.kind, []).append(s.text)
    return out


# (text, kind that must be present, the signal's text)
MUST_FIRE = [
    ("This damn printer jammed again.", "language.offensive", "damn"),
    ("This new schedule is bullshit.", "language.offensive", "bullshit"),
    ("Meeting moved to 3pm. Tell him to fuck off. See you there.", "language.offensive", "fuck"),
    ("Those BASTARDS!!!", "language.offensive", "BASTARDS"),
    ("What a sh1t show.", "language.offensive", "sh1t"),
    ("f***ing copier", "language.offensive", "f***ing"),
    ("fuuuuck this", "language.offensive", "fuuuuck"),
    ("f.u.c.k the rules", "language.offensive", "f.u.c.k"),
    ("f u c k the rules", "language.offensive", "f u c k"),
    ("what an @sshole", "language.offensive", "@sshole"),
    ("You are a worthless idiot.", "language.harassment", "You are a worthless idiot."),
    ("Shut up about the duty schedule, you stupid bitch.", "language.harassment",
     "Shut up about the duty schedule, you stupid bitch."),
    ("She is a lying, incompetent fool and everyone knows it.", "language.harassment",
     "She is a lying, incompetent fool and everyone knows it."),
    ("Go back to where you came from, nobody wants your kind here.", "language.identity_attack",
     "Go back to where you came from"),
]  # fmt: skip

MUST_NOT_FIRE = [
    "Please send me the attendance report by Friday.",
    "The sex education unit starts Monday in room 12.",
    "Scunthorpe and Middlesex counties sent their rosters.",
    "The assistant principal passed the class list to the cocktail committee.",
    "Please call Dick Smith about the bus schedule.",
    "We shopped at Dick's Sporting Goods for the team.",
    "Coach Dick will drive the van.",
    "We are going to Hell's Kitchen for dinner.",
    "He'll bring the forms tomorrow.",
    "Kill the process and restart the server.",
    "I am so stupid, I forgot my keys.",
    "That's because I am stupid! so sorry!",
    "LOSERS",
    "Please put your trash in the bins by the gym.",
    "Thank you for your kind words.",
    "Room 455 and mp3 files, U.S. e-mail, covid19.",
    "**Important**: bring your *own* lunch.",
    "",
    "----- 12.5% ----- 3,200 ----",
]


@pytest.mark.parametrize(("body", "kind", "text"), MUST_FIRE)
def test_must_fire(body: str, kind: str, text: str) -> None:
    assert text in kinds(body).get(kind, []), kinds(body)


@pytest.mark.parametrize("body", MUST_NOT_FIRE)
def test_must_not_fire(body: str) -> None:
    assert kinds(body) == {}


def test_untargeted_swearing_is_etiquette_not_harassment() -> None:
    found = kinds("This damn printer is jammed again.")
    assert found == {"language.offensive": ["damn"]}


def test_spans_point_at_the_word_and_explain_the_entry() -> None:
    it = item("Update\nThe copier is f***ing broken.", subject="Re x")
    (sig,) = OffensiveLanguageDetector().detect(it, CTX)
    assert it.text[sig.start : sig.end] == sig.text == "f***ing"
    assert "read as 'fucking', masked" in sig.explanation and "lexicon vulgar strong" in sig.explanation
    assert sig.data["severity"] == "strong" and sig.data["obfuscation"] == "masked"


def test_harassment_explains_models_and_words() -> None:
    sigs = OffensiveLanguageDetector().detect(item("You are a worthless idiot."), CTX)
    (h,) = [s for s in sigs if s.kind == "language.harassment"]
    assert "offensive model" in h.explanation and "targeted model" in h.explanation
    assert "'idiot' (insult)" in h.explanation and "addressed to someone" in h.explanation
    assert 0 < h.data["offensive"] <= 1 and 0 < h.data["targeted"] <= 1


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Re: game", "Sounds good.\n\n> You are a fucking idiot.\n> Whatever."),
        ("RE: game", "Sounds good.\n\n-----Original Message-----\nFrom: X\n\nYou are a fucking idiot."),
        ("Re: game", "Sounds good.\n\nOn Mon, Jan 1, 2024 at 9:00 AM Pat <p@x.org> wrote:\nThis is bullshit."),
    ],
)
def test_quoted_reply_text_is_someone_elses_words(subject: str, body: str) -> None:
    assert kinds(body, subject=subject) == {}


def test_forwarded_text_is_the_senders_choice() -> None:
    body = "Ha!\n\n-----Original Message-----\nFrom: X\n\nWhat a bullshit idea."
    assert kinds(body, subject="FW: joke") == {"language.offensive": ["bullshit"]}


def test_min_severity_setting() -> None:
    moderate = DetectContext(settings={"offensive_language": {"min_severity": "moderate"}})
    assert kinds("This damn printer.", moderate) == {}
    assert kinds("This shitty printer.", moderate) == {"language.offensive": ["shitty"]}


def test_allow_setting_exempts_words_and_phrases() -> None:
    allow = DetectContext(settings={"offensive_language": {"allow": ["crap lake", "damn"]}})
    assert kinds("Field trip to crap lake on Friday.") == {"language.offensive": ["crap"]}
    assert kinds("Field trip to crap lake on Friday.", allow) == {}
    assert kinds("Field trip to Hell Creek on Friday.") == {}  # a name: capitalized, before a capital
    assert kinds("This damn printer.", allow) == {}
    assert kinds("This crap printer.", allow) == {"language.offensive": ["crap"]}


def test_extra_terms_setting_adds_lexicon_entries() -> None:
    extra = DetectContext(settings={"offensive_language": {"extra_terms": {"vulgar": {"moderate": ["frak[ing]"]}}}})
    assert kinds("This frakking printer.", extra) == {}
    assert kinds("This fraking printer.", extra) == {"language.offensive": ["fraking"]}


def test_posts_are_scored_like_tweets() -> None:
    # No lexicon word: mail reports nothing; a social post is judged by the model.
    text = "Liberals are destroying this country, they should all be locked up"
    assert kinds(text) == {}
    assert kinds(text, channel=Channel.POST) != {}


def test_max_units_caps_what_is_read() -> None:
    body = "\n\n".join(["Fine."] * 5 + ["This is bullshit."])
    capped = DetectContext(settings={"offensive_language": {"max_units": 5}})
    assert kinds(body, capped) == {}
    assert kinds(body) == {"language.offensive": ["bullshit"]}


def test_own_units_skip_quoted_headers_and_split_long_paragraphs() -> None:
    it = item("From: Pat\nSent: Monday\nTo: All\n\nReal words here.")
    assert [it.text[s:e] for s, e in own_units(it)] == ["Real words here."]
    long = item(" ".join(["This is a sentence of ordinary words."] * 12))
    assert len(list(own_units(long))) == 12


def test_detect_command_reads_lines_as_the_channel_asked(workspace_env: object) -> None:
    import json

    from typer.testing import CliRunner

    from aupguard.cli.reference import build_app

    line = json.dumps({"id": 1, "text": "Liberals are destroying this country, they should all be locked up"}) + "\n"
    runner = CliRunner()
    as_mail = runner.invoke(build_app(), ["detect", "-d", "offensive_language", "--channel", "email"], input=line)
    as_post = runner.invoke(build_app(), ["detect", "-d", "offensive_language", "--channel", "post"], input=line)
    assert as_mail.exit_code == as_post.exit_code == 0, as_mail.output + as_post.output
    assert json.loads(as_mail.stdout)["signals"] == []
    assert json.loads(as_post.stdout)["signals"]
    bad = runner.invoke(build_app(), ["detect", "-d", "offensive_language", "--channel", "fax"], input=line)
    assert bad.exit_code != 0

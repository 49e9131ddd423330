"""commercial: messages that MUST and MUST NOT be flagged as commercial activity."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.commercial import CommercialDetector, find_cues
from aupguard.model import Channel, Item

CTX = DetectContext()


def item(body: str, subject: str | None = None, channel: Channel = Channel.EMAIL) -> Item:
    return Item("x", channel, "t", "", b"", subject=subject, body=body)


def fires(body: str, ctx: DetectContext = CTX, subject: str | None = None) -> bool:
    return bool(CommercialDetector().detect(item(body, subject), ctx))


MUST_FIRE = [
    # one strong cue
    "New fall scents are here! DM me to order.",
    "Message me if you want to order before the holidays.",
    "Looking for extra income? Join my team!",
    "Be your own boss - ask me how.",
    "Check out my Etsy shop for teacher gifts: https://www.etsy.com/shop/MrsKCrafts",
    "Closet cleanout: https://poshmark.com/closet/jdoe_style",
    "Shop here: https://teacherstuff.myshopify.com/products/planner",
    "I'm now taking orders for custom tumblers.",
    # two weak categories
    "Cookie dough is $12 each, orders due Friday.",
    "Scentsy warmers 20% off this week only!",
    "Use code TEACH20 for free shipping.",
    "Color Street nails - limited time offer, message me for details.",
    "For sale: my old laptop, just $150.",
    # three different weak cues
    "Special offer! Act now, no credit card needed.",
]

MUST_NOT_FIRE = [
    "Please send me the attendance report by Friday.",
    "The field trip costs $12 each; checks to the school office.",  # price alone
    "Pizza lunch is $5 each, Venmo me.",  # price + payment: collecting for a staff lunch
    "My business trip to Des Moines was cancelled.",
    "Our students will study supply and demand and prices.",
    "I ordered the books from Amazon: https://www.amazon.com/dp/B00TEST123",
    "Click here to see the new lunch menu.",
    "Please unsubscribe me from the parent newsletter.",
    "Our team shut out Ames 3-0!",
    # school fundraiser (documented choice: not personal commercial activity)
    "Band fundraiser! Cookie dough $12 each, orders due Friday. All proceeds go to the band trip.",
    "Support our robotics team: t-shirts $15 each, order by Monday.",
    "PTO fundraiser: wrapping paper 20% off until Friday.",
    # quoted reply text is someone else's words
    "Thanks, not interested.\n> DM me to order!\n> Join my team!",
]


@pytest.mark.parametrize("body", MUST_FIRE)
def test_must_fire(body: str) -> None:
    assert fires(body)


@pytest.mark.parametrize("body", MUST_NOT_FIRE)
def test_must_not_fire(body: str) -> None:
    assert not fires(body)


def test_fundraiser_with_personal_cue_still_fires() -> None:
    assert fires("Scentsy fundraiser for the band: warmers $25 each, order by Friday!")
    assert fires("Fundraiser for the PTO - DM me to order.")


def test_fundraisers_can_be_made_commercial() -> None:
    body = "Band fundraiser! Cookie dough $12 each, orders due Friday."
    ctx = DetectContext(settings={"commercial": {"fundraisers_are_commercial": True}})
    assert fires(body, ctx)


def test_allow_setting_ignores_cues_inside_phrases() -> None:
    body = "The Scholastic Book Fair: 20% off, ends Friday, last day to order."
    ctx = DetectContext(settings={"commercial": {"allow": ["Scholastic Book Fair: 20% off", "last day to order"]}})
    assert fires(body)
    assert not fires(body, ctx)


def test_signal_span_is_the_strong_cue_and_explanation_lists_cues() -> None:
    it = item("Cookie dough $12 each! DM me to order.", subject="Treats")
    (sig,) = CommercialDetector().detect(it, CTX)
    assert sig.text == "DM me to order" == it.text[sig.start : sig.end]
    assert "strong order request 'DM me to order'" in sig.explanation
    assert "weak price '$12 each'" in sig.explanation
    assert {c["category"] for c in sig.data["cues"]} >= {"order_request", "price"}


def test_weak_only_scores_lower_than_strong() -> None:
    (weak,) = CommercialDetector().detect(item("Scentsy warmers 20% off!"), CTX)
    (strong,) = CommercialDetector().detect(item("Join my team!"), CTX)
    assert weak.score < strong.score


def test_find_cues_counts_a_wording_once() -> None:
    cues = find_cues("only $5 each! only $5 each! Only $5 each!")
    assert [c.category for c in cues] == ["price"]


def test_lockdown_codes_are_not_discount_codes() -> None:
    assert find_cues("During the drill we use code RED, then use code yellow.") == []
    assert [c.category for c in find_cues("Use code TEACH20")] == ["price"]

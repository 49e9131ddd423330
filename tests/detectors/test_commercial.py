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


# ---------------------------------------------------------------- advertising staff received

NEWSLETTER = (
    "This week's deals: hotel rooms for only $79 a night, limited time offer!\n\n"
    "You are currently subscribed to hotdeals as jdoe@district.example.org.\n"
)
NEWSLETTER_WITH_FOOTER = (
    "Cruise from just $658 per person. Book today, limited time offer!\n\nTo unsubscribe, click here."
)
BULK = DetectContext(settings={"commercial": {"bulk_mail_is_commercial": True}})
FORWARDED = DetectContext(settings={"commercial": {"forwarded_is_commercial": True}})


def mail(body: str, sender: str = "deals@vendor.example.com", **headers: str) -> Item:
    return Item(
        "x", Channel.EMAIL, "t", "", b"", sender=sender, body=body,
        headers={name.replace("_", "-"): [value] for name, value in headers.items()},
    )  # fmt: skip


def signals(it: Item, ctx: DetectContext = CTX) -> list[str]:
    return [s.explanation for s in CommercialDetector().detect(it, ctx)]


@pytest.mark.parametrize(
    "it",
    [
        mail(
            "Hotel rooms for only $79 a night, limited time offer!",
            list_unsubscribe="<mailto:leave@vendor.example.com>",
        ),
        mail("Hotel rooms for only $79 a night, limited time offer!", list_id="<deals.vendor.example.com>"),
        mail("Hotel rooms for only $79 a night, limited time offer!", precedence="bulk"),
        mail(NEWSLETTER),
        mail(NEWSLETTER_WITH_FOOTER),
        # 1-800 CONTACTS reminder (Enron): "in stock" and a list footer
        mail(
            "Over 10 million contacts in stock.\n"
            "If you would like to be removed from our reminder list, reply UNSUBSCRIBE."
        ),
        mail("Special Offer! Save 20%, buy online.\n<a href='x'>Remove Name from E-Mail List</a>"),
    ],
)
def test_mass_mailing_received_does_not_fire_by_default_and_fires_with_the_setting(it: Item) -> None:
    assert signals(it) == []
    assert signals(it, BULK)


def test_staff_pitch_with_an_unsubscribe_footer_fires() -> None:
    pitch = mail(
        "Hi friends! New Scentsy fall scents are here, 20% off - DM me to order.\n\nReply STOP to unsubscribe.",
        sender="jdoe@gmail.example.com",
    )
    (explanation,) = signals(pitch)
    assert "strong order request 'DM me to order'" in explanation
    assert "A mass mailing (footer 'unsubscribe'), flagged for the sender's own cues." in explanation
    # an MLM brand with one other weak category is personal too
    assert signals(mail("Color Street nails 30% off this week!\nunsubscribe", sender="jdoe@gmail.example.com"))


def test_mailing_from_a_district_address_is_judged_like_any_message() -> None:
    from aupguard.directory.index import Directory

    district = DetectContext(directory=Directory.build([], district_domains=["district.example.org"]))
    sale = "Cookie dough $12 each, orders due Friday.\n\nTo unsubscribe from the staff list, click here."
    assert signals(mail(sale, sender="cafeteria@district.example.org"), district)
    assert signals(mail(sale, sender="sales@vendor.example.com"), district) == []


@pytest.mark.parametrize(
    "divider",
    [
        "-----Original Message-----",
        "----- Original Message -----",
        "---------------------- Forwarded by Sally Beck/HOU/ECT on 10/11/2000 01:43 PM ---------------------------",
        "Begin forwarded message:",
        "---------- Forwarded message ---------",
        "________________________________\nFrom: Deals <deals@vendor.example.com>",
    ],
)
def test_forwarded_advertising_is_left_out_by_default(divider: str) -> None:
    body = f"FYI - cheap flights for the conference.\n\n{divider}\nFares for only $79, limited time offer! Act now."
    assert not fires(body)
    assert fires(body, FORWARDED)


def test_own_pitch_above_a_forwarded_message_fires() -> None:
    body = "I'm now taking orders for custom tumblers!\n\n-----Original Message-----\nFrom: Ann\nLove the mugs."
    assert fires(body)


def test_underscore_rules_in_a_newsletter_are_not_forward_dividers() -> None:
    body = "Cookie dough $12 each!\n_____________________NEWS_____________________\nOrders due Friday."
    assert fires(body)


@pytest.mark.parametrize(
    "header",
    [
        b"List-Unsubscribe: <mailto:leave@vendor.example.com>",
        b"Precedence: bulk",
        b"List-Id: <deals.vendor.example.com>",
    ],
)
def test_the_mail_reader_keeps_the_mass_mailing_headers_the_detector_reads(header: bytes) -> None:
    from aupguard.sources.eml import parse_email

    raw = (
        b"From: deals@vendor.example.com\r\nTo: jdoe@district.example.org\r\nSubject: deals\r\n"
        + header
        + b"\r\n\r\nHotel rooms for only $79 a night, limited time offer!\r\n"
    )
    parsed = parse_email(raw, "t", "")
    assert isinstance(parsed, Item)
    assert signals(parsed) == []  # a received mass mailing, told apart by its header alone
    assert signals(parsed, BULK)


def test_start_word_bound_never_skips_enough_cues() -> None:
    """`_may_be_enough` answers from the start words alone; whenever it says no, the cues the
    regexes find are not enough either (so skipping them changes no verdict)."""
    import random

    from aupguard.detectors.commercial import SCANNER, _enough, _find_cues, _may_be_enough

    phrases = [
        "$12 each", "$ 5", "orders due Friday", "order now", "DM me", "free shipping", "20% off",
        "unsubscribe", "limited time offer", "Venmo me", "for sale", "act now", "join my team",
        "the price", "order", "border", "shop", "fundraiser", "Friday", "hello", "> DM me to order",
    ]  # fmt: skip
    rng = random.Random(5)
    texts = MUST_FIRE + MUST_NOT_FIRE + [" ".join(rng.choices(phrases, k=rng.randint(0, 6))) for _ in range(3000)]
    skipped = enough = 0
    for text in texts:
        scan = SCANNER.scan(text)
        cues = _find_cues(scan, None)
        is_enough = bool(cues) and _enough(cues)
        if not _may_be_enough(scan):
            assert not is_enough, text
            skipped += bool(cues)  # regexes that would have run and found too little
        enough += is_enough
    assert skipped > 100 and enough > 100

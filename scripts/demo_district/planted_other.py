"""Planted text-message and social-media violations and near misses."""

from __future__ import annotations

from datetime import datetime

from demo_district.corpus import (
    Corpus,
    at,
    text,
)
from demo_district.people import (
    District,
    Someone,
    national,
)


def group_texts(d: District, c: Corpus) -> None:
    def members(gid: str) -> tuple[Someone, list[Someone], Someone]:
        name, kind, bld, people = d.groups[gid]
        lead = next(d.staff[p] for p, r in people.items() if r in ("coach", "sponsor"))
        kids = [d.students[p] for p, r in people.items() if r == "student"]
        principal = next(s for s in d.staff.values() if "principal" in s.roles and s.building == bld)
        return lead, kids, principal

    # Complete and correct: every player and the principal, from the coach's district phone.
    coach, kids, principal = members("grp-bbb")
    tid = text(
        c,
        "json",
        coach.phone,
        [k.phone for k in kids] + [principal.phone],
        at(15, 18, 30),
        "Practice tomorrow moves to 6:30 am in the main gym. Bring both jerseys for pictures.",
        "bbb",
    )
    c.expect(tid, "group-text-incomplete", coach.id, "complete team text: all players and the principal", True)
    c.expect(tid, "off-district-contact", coach.id, "sent from the coach's district phone", True)
    coach, kids, principal = members("grp-vvb")
    tid = text(
        c,
        "per_recipient",
        coach.phone,
        [k.phone for k in kids] + [principal.phone],
        at(22, 19, 0),
        "Great win tonight! Film session at 3:45 tomorrow in Room 114.",
        "vvb",
    )
    c.expect(tid, "group-text-incomplete", coach.id, "complete team text: all players and the principal", True)

    # Incomplete: two players and the principal left off.
    tid = text(
        c,
        "csv",
        coach.phone,
        [k.phone for k in kids[:-2]],
        at(35, 20, 15),
        "Bus leaves at 3:10 for the Ames tournament. Don't be late.",
        "vvb",
    )
    c.expect(
        tid,
        "group-text-incomplete",
        coach.id,
        f"team text misses {kids[-2].id}, {kids[-1].id} and the principal {principal.id}",
    )
    # Club text to every member but without the principal.
    sponsor, kids_r, principal_r = members("grp-rob")
    tid = text(
        c,
        "per_recipient",
        sponsor.phone,
        [k.phone for k in kids_r],
        at(41, 16, 0),
        "Robotics meets in the physics lab Saturday 9-noon to finish the drivetrain.",
        "rob",
    )
    c.expect(tid, "group-text-incomplete", sponsor.id, f"club text without the principal {principal_r.id}")

    # One-to-one from a personal phone: both the text-list rule and the contact rule.
    coach_b, kids_b, _ = members("grp-bbb")
    tid = text(
        c,
        "csv",
        coach_b.personal_phone,
        [kids_b[2].phone],
        at(46, 22, 40),
        "Hey, you played great tonight. Text me anytime if you need a ride.",
    )
    c.expect(tid, "group-text-incomplete", coach_b.id, f"coach texts one player ({kids_b[2].id}) alone")
    c.expect(tid, "off-district-contact", coach_b.id, "from the coach's personal phone to a student")
    coach_x, kids_x, _ = members("grp-mxc")
    tid = text(
        c,
        "json",
        coach_x.personal_phone,
        [kids_x[0].phone],
        at(57, 21, 5),
        "Don't tell your parents but practice is optional tomorrow.",
    )
    c.expect(tid, "group-text-incomplete", coach_x.id, f"coach texts one runner ({kids_x[0].id}) alone")
    c.expect(tid, "off-district-contact", coach_x.id, "from the coach's personal phone to a student")

    # A teacher texts a parent from a personal phone.
    yb = d.staff["stf-014"]
    g = next(x for x in d.guardians.values() if set(x.guardian_of) & set(d.groups["grp-ybk"][3]))
    tid = text(
        c,
        "csv",
        yb.personal_phone,
        [g.phone],
        at(49, 19, 12),
        "Hi, this is Ms. Carlsen from yearbook. Can you drop off the baby photo by Friday?",
    )
    c.expect(tid, "off-district-contact", yb.id, "teacher texts a guardian from a personal phone")
    # A coach texts the assistant coach: no students, so no text-list finding.
    tid = text(
        c,
        "csv",
        coach.personal_phone,
        [d.staff["stf-011"].personal_phone],
        at(35, 20, 20),
        "Can you drive the second van Saturday?",
    )
    c.expect(tid, "group-text-incomplete", coach.id, "coach-to-coach text, no students", True)

    # A booster-club volunteer texts the roster to an outside number.
    vol = d.volunteers["vol-002"]
    player = kids[0]
    tid = text(
        c,
        "json",
        vol.personal_phone,
        [OUTSIDE_NUMBER],
        at(53, 12, 0),
        f"For the program: {player.name}, #12, student ID {player.identifier}, is our libero this year.",
    )
    c.expect(tid, "student-info-external", vol.id, f"volunteer sends {player.id}'s name and ID to an outside number")

    # Abuse and sexual content by text.
    a, b = d.staff["stf-026"], d.staff["stf-020"]
    tid = text(
        c,
        "per_recipient",
        a.personal_phone,
        [b.personal_phone],
        at(60, 21, 45),
        "You're a worthless bitch and you'll regret reporting me, asshole.",
    )
    c.expect(tid, "offensive-language", a.id, "abusive text to a colleague")
    c.expect(tid, "harassing-messages", a.id, "insult and threat aimed at a colleague")
    tid = text(
        c,
        "csv",
        b.personal_phone,
        [d.staff["stf-021"].personal_phone],
        at(63, 23, 15),
        "Come over tonight, I want sex. I'll send you nude photos first.",
    )
    c.expect(tid, "sexual-content", b.id, "sexual proposition by text")
    tid = text(
        c,
        "csv",
        a.personal_phone,
        [b.personal_phone],
        at(64, 7, 40),
        "Can you log in as me and post the sub plans? The sign-in code it just sent me is 735201.",
    )
    c.expect(tid, "credentials-in-message", a.id, "one-time sign-in code forwarded to a colleague")


OUTSIDE_NUMBER = "+14025550100"  # Nebraska: outside the phone pool, so nobody in the district


def social(d: District, c: Corpus) -> None:
    st = d.staff

    def post(owner: str, platform: str, posted: datetime, body: str, **extra: object) -> str:
        pid = c.next_id("p")
        entry: dict[str, object] = {
            "id": pid,
            "posted_at": posted.isoformat(),
            "text": body,
            "visibility": "public",
            "type": "post",
            "media": [],
        }
        entry.update(extra)
        c.posts.setdefault((platform, owner), []).append(entry)
        return pid

    nolan_fb = "derek.nolan.pc"
    vvb = [d.students[p] for p, r in d.groups["grp-vvb"][3].items() if r == "student"]
    pid = post(
        nolan_fb,
        "facebook",
        at(22, 21, 30),
        "What a night! Proud of these girls. Back at it Tuesday.",
        media=[{"filename": "team-huddle.jpg", "content_type": "image/jpeg"}],
    )
    c.expect(pid, "student-info-external", "stf-010", "team post without student names", True)
    pid = post(
        nolan_fb,
        "facebook",
        at(36, 20, 0),
        f"Shout out to {vvb[0].name} and {vvb[1].name} for making the all-tournament team!",
    )
    c.expect(pid, "student-info-external", "stf-010", f"public post names students {vvb[0].id} and {vvb[1].id}")
    pid = post(nolan_fb, "facebook", at(70, 19, 0), "Season's over. Thank you, families, for a great fall.")

    hend_fb = "paul.hendricks.77"
    pid = post(
        hend_fb,
        "facebook",
        at(12, 18, 0),
        "Created the page PCHS Robotics Club. Like and follow for updates!",
        type="site_created",
        site_name="PCHS Robotics Club",
        url="https://www.facebook.com/pchsrobotics.example",
    )
    c.expect(pid, "social-site-unapproved", "stf-013", "teacher starts a club Facebook page without approval")
    pid = post(
        hend_fb, "facebook", at(30, 18, 0), "Check out the district's robotics page for photos from the scrimmage."
    )
    c.expect(pid, "social-site-unapproved", "stf-013", "an ordinary post that mentions a page", True)
    carl_ig = "amycarlsen_reads"
    pid = post(
        carl_ig,
        "instagram",
        at(19, 20, 0),
        "New account for PCHS Yearbook 2027! Follow along.",
        type="site_created",
        site_name="PCHS Yearbook 2027",
        url="https://instagram.com/pchsyearbook27.example",
    )
    c.expect(pid, "social-site-unapproved", "stf-014", "teacher starts a yearbook Instagram account")
    post(carl_ig, "instagram", at(48, 20, 0), "Reading list for fall: three novels I can't put down.")

    seller = st["stf-021"]
    pid = post(
        seller.handles[0].split(":")[1],
        "facebook",
        at(27, 21, 0),
        "New fall leggings just dropped! $25 each or 3 for $65. Shop now: https://shop.example.com/pcstyle "
        "DM me to order, I ship anywhere!",
    )
    c.expect(pid, "commercial-activity", "stf-021", "personal sales post with prices and DM me to order")
    fan = st["stf-022"]
    birthday = st["stf-020"]
    pid = post(
        fan.handles[0].split(":")[1],
        "facebook",
        at(39, 7, 30),
        f"Happy birthday to my favorite coworker {birthday.name}! Mail a card to {birthday.address} "
        f"or send a text to {national(birthday.personal_phone)}.",
    )
    c.expect(pid, "personal-info-revealed", "stf-022", "public post gives a colleague's home address and cell phone")
    pid = post(
        fan.handles[0].split(":")[1],
        "facebook",
        at(42, 18, 0),
        "Fall break camping trip with the family. Hope everyone had a restful weekend!",
    )
    art = st["stf-023"]
    pid = post(
        art.handles[0].split(":")[1],
        "facebook",
        at(66, 17, 0),
        "Exclusive preview: uncensored nude pics in the link, xxx videos for subscribers! 18+ only",
    )
    c.expect(pid, "sexual-content", "stf-023", "sexual post on a staff member's public page")
    pid = post(
        art.handles[0].split(":")[1],
        "facebook",
        at(31, 16, 0),
        "Museum day: the art department toured the classical sculpture hall, nude figure studies and all.",
    )
    c.expect(pid, "sexual-content", "stf-023", "art-history post: 'nude' in its ordinary sense", True)

    # Connections: a teacher following students on Instagram, friends with one on Facebook.
    def connect(platform: str, owner: str, handle: str, name: str, when: datetime, kind: str) -> str:
        c.connections.setdefault((platform, owner), []).append(
            {"handle": "@" + handle, "name": name, "connected_at": when.isoformat(), "type": kind}
        )
        return f"{platform}:{owner}->{handle}"

    with_handles = [s for s in d.students.values() if s.handles]
    for i, s in enumerate(with_handles[:2]):
        key = connect("instagram", "hendricks_physics", s.handles[0].split(":")[1], s.name, at(10 + i, 21), "follow")
        c.expect(key, "social-student-connection", "stf-013", f"follows student {s.id} on Instagram")
    for s in (st["stf-011"], st["stf-014"]):
        handle = (s.handles[0] if s.handles else f"x:{s.given.lower()}").split(":")[1]
        key = connect("instagram", "hendricks_physics", handle, s.name, at(5, 20), "follow")
    key = connect("instagram", "hendricks_physics", "prairiecreekbulldogs", "PCHS Athletics", at(3, 20), "follow")
    c.expect(key, "social-student-connection", "stf-013", "follows an account not in the directory", True)
    s = next(x for x in with_handles[2:] if len(x.handles) > 1)
    key = connect("facebook", "derek.nolan.pc", s.handles[1].split(":")[1], s.name, at(25, 22), "friend")
    c.expect(key, "social-student-connection", "stf-010", f"Facebook friends with student {s.id}")
    g = next(iter(d.guardians.values()))
    connect("facebook", "derek.nolan.pc", f"{g.given.lower()}.{g.family.lower()}.fb", g.name, at(9, 19), "friend")

"""Ordinary school business: the mail and texts that should produce no finding."""

from __future__ import annotations

import random
from datetime import timedelta

from demo_district.corpus import (
    PASS_AUTH,
    START,
    Corpus,
    at,
    make_email,
    school_day,
    signature,
    text,
)
from demo_district.people import (
    DISTRICT,
    DOMAIN,
    District,
)

STAFF_TOPICS = [
    (
        "Sub plans for {day}",
        "Hi {to},\n\nI will be out {day} for a district PD session. Sub plans are in the red folder on "
        "my desk; periods 2 and 5 have a quiz review and the answer key is clipped to the front.\n\nThanks,\n{me}",
    ),
    (
        "Personal day request - {day}",
        "Hi {to},\n\nI'd like to request a personal day on {day}. I have already put the "
        "absence into the sub system and shared my plans in the team drive.\n\nThank you,\n{me}",
    ),
    (
        "Field trip forms due Friday",
        "Hi {to},\n\nPermission forms for the {place} field trip on {day} are due Friday. "
        "The bus leaves at 8:15 from the east doors and food service is packing sack lunches.\n\n{me}",
    ),
    (
        "Unit plan: {topic}",
        "Hi {to},\n\nHere is the unit plan for {topic}. The first week is mostly vocabulary and a "
        "short lab; feel free to adapt it for your sections.\n\n{me}",
    ),
    (
        "Room change {day}",
        "Hi {to},\n\nThe state assessment is in Room {room} on {day}, so my third period will meet in "
        "the library. Could you let the office know?\n\n{me}",
    ),
    (
        "Projector in Room {room}",
        "Hi {to},\n\nThe projector in Room {room} will not connect to the teacher Chromebook "
        "again. Could someone take a look before Thursday?\n\nThanks,\n{me}",
    ),
    (
        "Lunch duty swap",
        "Hi {to},\n\nWould you be willing to swap lunch duty with me on {day}? I can take your Thursday "
        "in return.\n\n{me}",
    ),
    (
        "Chromebook cart",
        "Hi {to},\n\nI reserved the blue Chromebook cart for periods 4 and 5 on {day} for the research "
        "project. I will return it charged.\n\n{me}",
    ),
    (
        "Staff meeting moved",
        "Hi {to},\n\nThe staff meeting is moved to {day} at 3:30 in the media center because of the "
        "volleyball home game.\n\n{me}",
    ),
    (
        "Budget request for lab supplies",
        "Hi {to},\n\nI'm requesting $240 from the science budget for goggles and "
        "replacement beakers. The quote from the district vendor is in the shared folder.\n\n{me}",
    ),
    (
        "Observation schedule",
        "Hi {to},\n\nI'd like to schedule your fall observation for {day}, second period. We can "
        "meet the day before to go over the lesson.\n\n{me}",
    ),
    (
        "Copier on the second floor",
        "Hi {to},\n\nThe second floor copier is out of toner again. I left a note for the "
        "custodians but wanted you to know.\n\n{me}",
    ),
    (
        "Lesson plan review",
        "Hi {to},\n\nThanks for sharing your {topic} lesson. I especially liked the exit ticket; I am "
        "going to try it with my sections next week.\n\n{me}",
    ),
    (
        "Sex education unit materials",
        "Hi {to},\n\nThe 8th grade health unit on human growth and sex education starts "
        "{day}. The opt-out letters went home last week and the curriculum binder is in the nurse's office.\n\n{me}",
    ),
    (
        "Pink Out game",
        "Hi {to},\n\nFriday's volleyball game is our Pink Out for breast cancer awareness. Staff shirts "
        "are in the office for anyone who ordered one.\n\n{me}",
    ),
]
# Ordinary topics that contain words a careless detector would flag; the first of each is listed.
NEAR_MISS_TOPICS = [
    ("Sex education", "sexual-content", "health curriculum notice"),
    ("Pink Out", "sexual-content", "breast cancer awareness game"),
    ("Budget request", "commercial-activity", "internal supply budget request with a price"),
]
PLACES = ["Science Center of Iowa", "Living History Farms", "Blank Park Zoo", "State Capitol", "Ledges State Park"]
TOPICS = ["cell biology", "the water cycle", "persuasive essays", "linear equations", "the Civil War", "fractions"]

GUARDIAN_TOPICS = [
    (
        "Conference sign-ups are open",
        "Dear families,\n\nParent-teacher conferences are October 22 and 23. Please sign "
        "up for a time slot on the district website under Conferences. Evening slots fill up quickly.",
    ),
    (
        "Field trip reminder",
        "Dear families,\n\nOur field trip to {place} is on {day}. Students should wear comfortable "
        "shoes and bring a water bottle. Lunches are provided.",
    ),
    (
        "Picture day",
        "Dear families,\n\nPicture day is {day}. Order forms were sent home in Friday folders; retakes will "
        "be in November.",
    ),
    (
        "Thank you for volunteering",
        "Dear families,\n\nThank you to everyone who helped with the book fair. We could not run it without you.",
    ),
    (
        "Weekly class update",
        "Dear families,\n\nThis week we finished our unit on {topic}. Next week we start a new "
        "project; look for the rubric in Google Classroom.",
    ),
]

PARENT_QUESTIONS = [
    (
        "Absence tomorrow",
        "Hi,\n\n{child} has a dentist appointment tomorrow morning and will be in by 10:30. Could you "
        "send home anything {pronoun} misses?\n\nThank you,\n{me}",
    ),
    (
        "Question about homework",
        "Hello,\n\n{child} said the math worksheet was due today but could not find it in "
        "Classroom. Can you point us to it?\n\nThanks,\n{me}",
    ),
    ("Practice schedule", "Hi,\n\nWill practice still be at 3:45 on {day}? {child} has a doctor visit at 5.\n\n{me}"),
]


def fill(template: str, rng: random.Random, **known: str) -> str:
    values = {
        "day": (START + timedelta(days=school_day(rng))).strftime("%A, %B %-d"),
        "place": rng.choice(PLACES),
        "topic": rng.choice(TOPICS),
        "room": str(rng.randint(101, 230)),
    }
    values.update(known)
    return template.format(**values)


def clean_mail(d: District, c: Corpus, rng: random.Random) -> None:
    staff = list(d.staff.values())
    principals = {s.building: s for s in staff if "principal" in s.roles}
    noted: set[str] = set()
    for i in range(96):
        me = rng.choice(staff)
        to = principals.get(me.building) if i % 4 == 1 and me.building in principals else rng.choice(staff)
        if to is None or to.id == me.id:
            to = d.staff["stf-003"] if me.id != "stf-003" else d.staff["stf-002"]
        subj, body = rng.choice(STAFF_TOPICS)
        day = school_day(rng)
        mail = make_email(
            c.next_id("m"),
            me,
            [to],
            fill(subj, rng),
            fill(body, rng, to=to.given, me=me.given) + signature(me),
            at(day, rng.randint(7, 16), rng.randint(0, 59)),
        )
        (c.mbox if i % 3 else c.eml).append(mail)
        for word, rule, why in NEAR_MISS_TOPICS:
            if word in subj and word not in noted:
                noted.add(word)
                c.expect(mail.message_id, rule, me.id, why, True)
    for i in range(24):
        me = rng.choice([s for s in staff if "teacher" in s.roles])
        families = [g for g in d.guardians.values() if g.building == me.building][:6]
        subj, body = rng.choice(GUARDIAN_TOPICS)
        mail = make_email(
            c.next_id("m"),
            me,
            [(f"{DISTRICT} Families", f"families-{me.id}@{DOMAIN}")],
            fill(subj, rng),
            fill(body, rng) + signature(me),
            at(school_day(rng), 15, rng.randint(0, 59)),
            cc=list(families[:2]),
        )
        (c.mbox if i % 2 else c.eml).append(mail)
        if i < 3:
            c.expect(
                mail.message_id,
                "personal-info-revealed",
                me.id,
                "signature carries the sender's district phone line: not personal information",
                True,
            )
    for i in range(18):
        g = rng.choice(list(d.guardians.values()))
        child = d.students[g.guardian_of[0]]
        teacher = next((s for s in staff if s.building == child.building and "teacher" in s.roles), staff[0])
        subj, body = rng.choice(PARENT_QUESTIONS)
        pronoun = "she" if child.sex == "F" else "he"
        mail = make_email(
            c.next_id("m"),
            g,
            [teacher],
            subj,
            fill(body, rng, child=child.given, pronoun=pronoun, me=g.given),
            at(school_day(rng), rng.randint(6, 21), rng.randint(0, 59)),
            headers=[("Authentication-Results", PASS_AUTH.format(d=g.email.split("@")[1]))],
        )
        (c.mbox if i % 2 else c.eml).append(mail)
    # Internal notes that name students: confidential, but inside the district, so no finding.
    counselor = d.staff["stf-024"]
    for i, s in enumerate([x for x in d.students.values() if x.building == "bld-hs"][:6]):
        teacher = rng.choice([x for x in staff if x.building == "bld-hs" and "teacher" in x.roles])
        mail = make_email(
            c.next_id("m"),
            counselor,
            [teacher],
            f"Check-in: {s.name}",
            f"Hi {teacher.given},\n\n{s.name} (student ID {s.identifier}) has missed three days this week. Could "
            f"you send me the missing work so we can put together a catch-up plan?\n\nThanks,\n{counselor.given}"
            + signature(counselor),
            at(school_day(rng), 10, 5 * i),
        )
        c.mbox.append(mail)
        if i < 2:
            c.expect(
                mail.message_id,
                "student-info-external",
                counselor.id,
                "student named in a message that stays inside the district",
                True,
            )
    # Outside senders that pass authentication, and the district's own no-reply notices.
    for i in range(8):
        to = rng.choice(staff)
        mail = make_email(
            c.next_id("m"),
            ("Prairie Area Education Agency", "workshops@paea.example.org"),
            [to],
            "Fall workshop schedule",
            f"Hello {to.given},\n\nRegistration is open for the fall workshops on literacy "
            "coaching and classroom technology. Sessions run October 6 through November 17 at the agency office "
            "and online.\n\nPrairie Area Education Agency",
            at(school_day(rng), 9, i),
            headers=[("Authentication-Results", PASS_AUTH.format(d="paea.example.org"))],
        )
        (c.mbox if i % 2 else c.eml).append(mail)
        if i == 0:
            c.expect(mail.message_id, "forged-message", None, "outside sender with dmarc=pass", True)
    for i in range(4):
        to = rng.choice(staff)
        mail = make_email(
            c.next_id("m"),
            ("Student Information System", f"sis-notifications@{DOMAIN}"),
            [to],
            "Attendance was not submitted",
            f"Attendance for period {i + 2} on "
            f"{(START + timedelta(days=school_day(rng))).isoformat()} has not been submitted. Please submit it in the "
            "SIS today.\n\nThis is an automated message from the district SIS.",
            at(school_day(rng), 11, 30),
        )
        c.mbox.append(mail)
        if i == 0:
            c.expect(mail.message_id, "anonymous-message", None, "district system notice, not anonymous", True)


STAFF_CHATTER = [
    "Running about five minutes late to the meeting, start without me.",
    "Can you grab my mailbox on your way down?",
    "Bus 3 is here early for the field trip.",
    "Are we still on for the data team meeting after school?",
    "Thanks for covering my class this morning!",
    "Gym is set up for the assembly.",
    "Copier in the workroom is fixed.",
    "Can you send me the link to the sign-up sheet?",
    "Our team absolutely killed it on the court tonight!",
    "Wow, that was a close game. Great effort by everyone.",
    "Reminder: grades are due Friday at 4.",
    "Pizza in the lounge for whoever is still here.",
]


def clean_texts(d: District, c: Corpus, rng: random.Random) -> None:
    staff = [s for s in d.staff.values() if s.personal_phone or s.phone]
    wheres = ["csv", "per_recipient", "json"]
    for i in range(60):
        me, to = rng.sample(staff, 2)
        body = STAFF_CHATTER[i % len(STAFF_CHATTER)]
        tid = text(
            c,
            wheres[i % 3],
            me.personal_phone or me.phone,
            [to.personal_phone or to.phone],
            at(school_day(rng), rng.randint(7, 20), rng.randint(0, 59)),
            body,
        )
        if "killed it" in body and i < 12:
            c.expect(tid, "offensive-language", me.id, "sports idiom, not abuse", True)
    # Parents asking a coach's district phone about practice: fine both ways.
    for i, gid in enumerate(["grp-vvb", "grp-bbb", "grp-mxc"]):
        coach_id = next(p for p, r in d.groups[gid][3].items() if r == "coach")
        student = next(p for p, r in d.groups[gid][3].items() if r == "student")
        g = next(x for x in d.guardians.values() if student in x.guardian_of)
        text(
            c,
            wheres[i],
            g.phone,
            [d.staff[coach_id].phone],
            at(20 + i * 9, 17, 5),
            "Is the bus back by 9 tonight or should we pick up at the other school?",
        )

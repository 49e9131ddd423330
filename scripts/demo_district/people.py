"""The fictional people of Prairie Creek: staff, students, guardians, volunteers, groups, classes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone

DISTRICT = "Prairie Creek Community School District"
DOMAIN = "pccsd.example.org"
STUDENT_DOMAIN = "students.pccsd.example.org"
PERSONAL_DOMAINS = ["homemail.example.net", "prairienet.example.net", "inbox.example.com"]
TOWN = "Prairie Creek, IA 50230"
CDT = timezone(timedelta(hours=-5))
CST = timezone(timedelta(hours=-6))

BUILDINGS = [
    ("bld-hs", "Prairie Creek High School", "PCHS", ["9", "10", "11", "12"]),
    ("bld-ms", "Prairie Creek Middle School", "PCMS", ["6", "7", "8"]),
    ("bld-el", "Willow Elementary", "Willow", ["KG", "1", "2", "3", "4", "5"]),
]
STUDENTS_PER_BUILDING = {"bld-hs": 52, "bld-ms": 38, "bld-el": 30}


def words(text: str) -> list[str]:
    return text.split()


# Common first names, kept apart by who carries them so a student's name never collides with a
# staff member's or a parent's (the student detectors match names exactly). Word-like names
# (Grace, Hunter, Summer) are left out: they would make ordinary sentences look like names.
GIRL_NAMES = words("""Ava Emma Olivia Sophia Isabella Mia Amelia Harper Evelyn Abigail Ella Scarlett Chloe
Layla Zoey Nora Hannah Addison Aubrey Claire Audrey Peyton Kaylee Allison Natalie Samantha Lucy Sadie
Avery Leah Maya Alyssa Kylie Brianna Jenna Mackenzie Kayla Makayla Alexis Sydney Jocelyn Delaney""")
BOY_NAMES = words("""Liam Noah Oliver Elijah Lucas Logan Ethan Jacob Aiden Jackson Caleb Owen Wyatt Landon
Dylan Gavin Brody Tyler Connor Evan Isaac Nathan Ryan Colton Trevor Brayden Jaxon Kyle Micah Dominic
Eli Levi Caden Garrett Carson Easton Tristan Bennett Grayson Jonah Zachary Quinton""")
PARENT_NAMES = words("""Sarah Jessica Amanda Nicole Stephanie Andrea Kimberly Rebecca Katie Erica Carrie Tara
Holly Jill Monica Teresa Denise Kelly Brandy Misty Matthew Joshua Justin Brandon Adam Jeremy Travis
Aaron Jeff Eric Cory Dustin Jared Luke Seth Brent Troy Chad Nick Shane""")
STAFF_NAMES = words("""Jennifer Steve Heather Kevin Melissa Greg Scott Michelle Todd Kristin Craig Tracy Doug
Wendy Shawn Erin Laura Dennis Brenda Gary Tina Ron""")
LAST_NAMES = words("""Larson Peterson Schmidt Johnson Miller Anderson Nelson Hansen Christensen Sorensen
Meyer Schroeder Becker Wagner Hoffman Richter Neumann Brandt Vogel Fischer Weber Thompson Wilson
Moore Clark Lewis Walker Allen Wright Adams Campbell Roberts Phillips Evans Turner Torres Collins
Edwards Stewart Morris Murphy Rogers Cooper Bailey Howard Richardson Watson Bennett Hughes Sanders
Myers Ross Foster Jenkins Perry Powell Sullivan Russell Ortiz Kowalski Lindgren Dvorak Novak Mueller
Schultz Krause Bauer Ramirez Nguyen Patel Kaufman Ostrander""")
STREETS = """Elm Street|Oak Avenue|Maple Drive|Prairie View Road|Cedar Lane|Walnut Street|Birch Court|
Meadowlark Lane|Hickory Drive|Cottonwood Road|Sunset Avenue|Bluestem Way|Linden Street|Willow Lane|
Ridge Road|Timber Court""".replace("\n", "").split("|")  # noqa: SIM905


# --------------------------------------------------------------------------- people


@dataclass
class Someone:
    id: str
    kind: str  # staff | student | guardian | volunteer
    given: str
    family: str
    building: str | None = None
    title: str = ""
    roles: list[str] = field(default_factory=list)
    identifier: str = ""
    email: str = ""  # district email (personal for guardians and volunteers)
    phone: str = ""  # district phone for staff, own phone for students and guardians
    personal_phone: str = ""
    personal_email: str = ""
    handles: list[str] = field(default_factory=list)
    address: str = ""
    birth: date | None = None
    grade: str = ""
    sex: str = ""
    guardian_of: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


class PhonePool:
    """Fictional numbers: 555-0100..555-0199 in each Iowa area code, dealt in shuffled order."""

    def __init__(self, rng: random.Random) -> None:
        self.numbers = [f"+1{area}555{n:04d}" for area in (515, 641, 319, 563, 712) for n in range(100, 200)]
        rng.shuffle(self.numbers)

    def take(self) -> str:
        return self.numbers.pop()


def national(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


@dataclass
class District:
    staff: dict[str, Someone] = field(default_factory=dict)
    students: dict[str, Someone] = field(default_factory=dict)
    guardians: dict[str, Someone] = field(default_factory=dict)
    volunteers: dict[str, Someone] = field(default_factory=dict)
    groups: dict[str, tuple[str, str, str, dict[str, str]]] = field(default_factory=dict)
    classes: list[tuple[str, str, str, str, list[str]]] = field(default_factory=list)

    def everyone(self) -> list[Someone]:
        return [*self.staff.values(), *self.students.values(), *self.guardians.values(), *self.volunteers.values()]


# (id, given, family, building, title, roles)
KEY_STAFF = [
    ("stf-001", "Karen", "Holt", None, "Superintendent", ["superintendent"]),
    ("stf-002", "Brian", "Decker", None, "Technology Director", ["technology_director"]),
    ("stf-003", "Lisa", "Moreno", None, "Technology Integrationist Specialist", ["technology_integrationist"]),
    ("stf-004", "Janet", "Kowalczyk", None, "Board Secretary", ["records_custodian"]),
    ("stf-005", "Mark", "Jorgensen", "bld-hs", "Principal", ["principal"]),
    ("stf-006", "Angela", "Pruitt", "bld-ms", "Principal", ["principal"]),
    ("stf-007", "Rachel", "Ostby", "bld-el", "Principal", ["principal"]),
    ("stf-010", "Derek", "Nolan", "bld-hs", "Physical Education Teacher", ["teacher", "coach"]),
    ("stf-011", "Chris", "Bauman", "bld-hs", "Math Teacher", ["teacher", "coach"]),
    ("stf-012", "Jason", "Frey", "bld-ms", "Science Teacher", ["teacher", "coach"]),
    ("stf-013", "Paul", "Hendricks", "bld-hs", "Physics Teacher", ["teacher", "sponsor"]),
    ("stf-014", "Amy", "Carlsen", "bld-hs", "English Teacher", ["teacher", "sponsor"]),
    ("stf-015", "Megan", "Tiedeman", "bld-el", "Third Grade Teacher", ["teacher", "sponsor"]),
]
OTHER_STAFF_TITLES = [
    ("bld-hs", "Spanish Teacher"),
    ("bld-hs", "Biology Teacher"),
    ("bld-hs", "History Teacher"),
    ("bld-hs", "Art Teacher"),
    ("bld-hs", "School Counselor"),
    ("bld-ms", "Math Teacher"),
    ("bld-ms", "Language Arts Teacher"),
    ("bld-ms", "Social Studies Teacher"),
    ("bld-ms", "Band Director"),
    ("bld-el", "Kindergarten Teacher"),
    ("bld-el", "First Grade Teacher"),
    ("bld-el", "Fifth Grade Teacher"),
    ("bld-el", "Paraeducator"),
    ("bld-hs", "Administrative Assistant"),
    ("bld-ms", "School Nurse"),
]


def build_people(rng: random.Random) -> District:
    d = District()
    phones = PhonePool(rng)
    used_last = {p[2] for p in KEY_STAFF}

    def address() -> str:
        return f"{rng.randint(100, 2999)} {rng.choice(STREETS)}, {TOWN}"

    staff_first = list(STAFF_NAMES)
    rng.shuffle(staff_first)
    rows = list(KEY_STAFF)
    for n, (bld_id, title) in enumerate(OTHER_STAFF_TITLES, start=20):
        family = rng.choice([x for x in LAST_NAMES if x not in used_last])
        used_last.add(family)
        roles = ["teacher"] if "Teacher" in title or "Director" in title else []
        rows.append((f"stf-{n:03d}", staff_first.pop(), family, bld_id, title, roles))
    for n, (sid, given, family, bld, title, roles) in enumerate(rows):
        local = f"{given[0]}{family}".lower()
        d.staff[sid] = Someone(
            sid,
            "staff",
            given,
            family,
            bld,
            title,
            list(roles),
            identifier=f"E{1040 + n * 7}",
            email=f"{local}@{DOMAIN}",
            phone=phones.take(),
            address=address(),
            birth=date(1965 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28)),
        )
    # Personal phones/emails: coaches, sponsors and a few others have them on file.
    for sid in ("stf-010", "stf-011", "stf-012", "stf-013", "stf-014", "stf-015", "stf-020", "stf-021", "stf-026"):
        s = d.staff[sid]
        s.personal_phone = phones.take()
        s.personal_email = f"{s.given.lower()}.{s.family.lower()}{rng.randint(10, 99)}@{rng.choice(PERSONAL_DOMAINS)}"
    d.staff["stf-010"].handles = ["instagram:coach_nolan_pc", "facebook:derek.nolan.pc"]
    d.staff["stf-011"].handles = ["x:mr_bauman_math"]
    d.staff["stf-013"].handles = ["instagram:hendricks_physics", "facebook:paul.hendricks.77"]
    d.staff["stf-014"].handles = ["instagram:amycarlsen_reads", "facebook:amy.carlsen.writes"]
    for sid in ("stf-021", "stf-022", "stf-023"):
        s = d.staff[sid]
        s.handles = [f"facebook:{s.given.lower()}.{s.family.lower()}.{sid[-2:]}"]

    # Students, with unique full names never shared with an adult.
    combos = [(f, g, "F") for f in GIRL_NAMES for g in LAST_NAMES] + [
        (f, g, "M") for f in BOY_NAMES for g in LAST_NAMES
    ]
    rng.shuffle(combos)
    taken_first: dict[str, int] = {}
    n = 0
    for bld, _, _, grades in BUILDINGS:
        for i in range(STUDENTS_PER_BUILDING[bld]):
            while True:
                given, family, sex = combos.pop()
                if taken_first.get(given, 0) < 3 and family not in {s[2] for s in KEY_STAFF}:
                    break
            taken_first[given] = taken_first.get(given, 0) + 1
            n += 1
            grade = grades[i % len(grades)]
            age = 5 if grade == "KG" else 5 + int(grade)
            sid = f"stu-{n:04d}"
            s = Someone(
                sid,
                "student",
                given,
                family,
                bld,
                identifier=f"{200100 + n * 37}",
                address=address(),
                birth=date(2026 - age - 1, rng.randint(9, 12), rng.randint(1, 28))
                if rng.random() < 0.5
                else date(2026 - age, rng.randint(1, 8), rng.randint(1, 28)),
                grade=grade.zfill(2) if grade != "KG" else "KG",
                sex=sex,
            )
            if bld != "bld-el":
                s.email = f"{given.lower()}.{family.lower()}{n % 100:02d}@{STUDENT_DOMAIN}"
                s.phone = phones.take()
            d.students[sid] = s

    # Guardians: one family per student, siblings share a family (same last name).
    families: list[list[Someone]] = []
    for s in d.students.values():
        sibling_of = next((f for f in families if f[0].family == s.family and len(f) < 3), None)
        if sibling_of is not None:
            sibling_of.append(s)
            s.address = sibling_of[0].address
        else:
            families.append([s])
    parents = list(PARENT_NAMES)
    gn = 0
    for fam in families:
        count = 2 if rng.random() < 0.45 else 1
        for _ in range(count):
            gn += 1
            given = rng.choice(parents)
            g = Someone(
                f"gdn-{gn:04d}",
                "guardian",
                given,
                fam[0].family,
                fam[0].building,
                email=f"{given.lower()}.{fam[0].family.lower()}{gn}@{rng.choice(PERSONAL_DOMAINS)}",
                phone=phones.take(),
                address=fam[0].address,
                guardian_of=[s.id for s in fam],
            )
            d.guardians[g.id] = g

    d.volunteers = {
        "vol-001": Someone(
            "vol-001",
            "volunteer",
            "Tom",
            "Hartley",
            None,
            "Board President",
            ["board_president"],
            email=f"board.president@{DOMAIN}",
            personal_phone=phones.take(),
        ),
        "vol-002": Someone(
            "vol-002",
            "volunteer",
            "Deb",
            "Strand",
            "bld-hs",
            "Booster Club President",
            personal_email="deb.strand@prairienet.example.net",
            personal_phone=phones.take(),
        ),
        "vol-003": Someone(
            "vol-003",
            "volunteer",
            "Gloria",
            "Haugen",
            "bld-el",
            "Reading Volunteer",
            personal_email="gloria.haugen@inbox.example.com",
            personal_phone=phones.take(),
        ),
    }

    # Social handles for some high-school students (the ones staff must not connect with).
    for i, s in enumerate(list(d.students.values())[:30:2]):
        s.handles = [f"instagram:{s.given.lower()}{s.family.lower()[:3]}_{s.identifier[-2:]}"]
        if i % 4 == 0:
            s.handles.append(f"facebook:{s.given.lower()}.{s.family.lower()}.{s.identifier[-3:]}")

    # Teams and clubs: coaches/sponsors, then students of the right building (and sex, for teams).
    def pick(bld: str, k: int, sex: str | None = None) -> list[str]:
        pool = [s.id for s in d.students.values() if s.building == bld and (sex is None or s.sex == sex)]
        return sorted(rng.sample(pool, k))

    specs = [
        ("grp-vvb", "Varsity Volleyball", "team", "bld-hs", "stf-010", "coach", pick("bld-hs", 8, "F")),
        ("grp-bbb", "Boys Basketball", "team", "bld-hs", "stf-011", "coach", pick("bld-hs", 8, "M")),
        ("grp-mxc", "Middle School Cross Country", "team", "bld-ms", "stf-012", "coach", pick("bld-ms", 6)),
        ("grp-rob", "Robotics Club", "club", "bld-hs", "stf-013", "sponsor", pick("bld-hs", 6)),
        ("grp-ybk", "Yearbook", "club", "bld-hs", "stf-014", "sponsor", pick("bld-hs", 5)),
        ("grp-gdn", "Willow Garden Club", "club", "bld-el", "stf-015", "sponsor", pick("bld-el", 5)),
    ]
    for gid, name, kind, bld, lead, role, members in specs:
        d.groups[gid] = (name, kind, bld, {lead: role, **{m: "student" for m in members}})

    # Classes: each teacher teaches one or two sections of their building's students.
    course_n = 0
    for s in d.staff.values():
        if "teacher" not in s.roles or s.building is None:
            continue
        pool = sorted(x.id for x in d.students.values() if x.building == s.building)
        for section in range(2 if s.building != "bld-el" else 1):
            course_n += 1
            subject = s.title.replace(" Teacher", "").replace("Director", "")
            title = f"{subject.strip()} - Section {section + 1}"
            d.classes.append((f"cls-{course_n:03d}", title, s.building, s.id, sorted(rng.sample(pool, 12))))
    return d

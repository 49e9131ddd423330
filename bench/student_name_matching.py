"""Benchmark: the student_info detector against a 100,000-student synthetic roster.

Prints how long the roster index takes to build, how much memory it holds, and how many messages
per second one process scans (synthetic messages, and real Enron mail from ../shared/dev-data when
present). Figures only; nothing here asserts a time.

    PYTHONPATH=src python bench/student_name_matching.py [--students 100000] [--messages 5000]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import gc
import random
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from aupguard.detectors.base import DetectContext
from aupguard.detectors.student_info import StudentInfoDetector
from aupguard.detectors.student_roster import roster_for
from aupguard.directory.index import Directory
from aupguard.model import Account, Building, Channel, Group, Item, Person, PersonKind, Signal

DEV_DATA = Path(__file__).resolve().parents[2] / "shared" / "dev-data" / "email_rfc5322_corpus"

_SYL1 = "and ber car dal el fen gar hol ing jon kel lar mor nel ost per quin ros sten tor ul van wil yor zel"
_SYL2 = "a i o e u ar er or in"
_SYL3 = "son man berg ley ton field ez ski stein wood er s"
_FILLER = [
    "Practice moves to the north field on Thursday",
    "Bring water and cleats",
    "The bus leaves at 3:15 from the east doors",
    "Permission slips are due Friday",
    "Please remind your parents about the fundraiser",
    "Grades close next week",
    "We will do our best against a tough opponent, so rest up and eat well",
]


def _first_names() -> list[str]:
    import nicknames

    csv = Path(nicknames.__file__).with_name("names.csv").read_text().splitlines()[1:]
    return sorted({line.split(",")[0].capitalize() for line in csv if line})


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_directory(n: int, rng: random.Random) -> Directory:
    firsts = _first_names()
    syl1, syl2, syl3 = _SYL1.split(), _SYL2.split(), _SYL3.split()
    # ~70k possible surnames, so a 100k roster has tens of thousands of distinct ones (a real
    # district's spread), which is what the Aho-Corasick automaton is keyed on.
    surnames = [(a + b + c).capitalize() for a in syl1 for b in syl2 for c in syl3]
    surnames += [(a + b + a2 + c).capitalize() for a in syl1 for b in syl2 for a2 in syl1[:10] for c in syl3]
    buildings = [
        Building(f"b{i}", f"{rng.choice(surnames)} {kind} School")
        for i, kind in enumerate(["Elementary"] * 12 + ["Middle"] * 5 + ["High"] * 3)
    ]
    people, accounts = [], []
    for i in range(n):
        pid = f"s{i}"
        people.append(
            Person(
                pid,
                PersonKind.STUDENT,
                rng.choice(firsts),
                rng.choice(surnames),
                middle_name=rng.choice(firsts) if rng.random() < 0.5 else None,
                identifier=f"{100000 + i}",
                birth_date=date(2008, 1, 1) + timedelta(days=rng.randrange(4000)),
                home_address=f"{rng.randrange(1, 9999)} {rng.choice(surnames)} Street",
                building_ids=[rng.choice(buildings).id],
            )
        )
        accounts.append(Account(f"+1515{2000000 + i:07d}", "phone", pid, False))
    groups = [
        Group(
            f"g{g}",
            f"{rng.choice(['Varsity', 'JV', 'Grade 7'])} {rng.choice(['Soccer', 'Band', 'Math'])} {g}",
            "class",
            members={f"s{rng.randrange(n)}": "student" for _ in range(25)},
        )
        for g in range(n // 25)
    ]
    return Directory.build(people, buildings, groups, accounts)


def synthetic_messages(d: Directory, count: int, rng: random.Random) -> list[tuple[str, str | None]]:
    """(text, id of the student named in it or None): 30% name a student, in one of the written forms."""
    students = list(d.students())
    out: list[tuple[str, str | None]] = []
    for _ in range(count):
        parts = rng.sample(_FILLER, 3)
        named = None
        if rng.random() < 0.3:
            s = rng.choice(students)
            written = rng.choice(
                [
                    f"{s.given_name} {s.family_name}",
                    f"{s.family_name}, {s.given_name}",
                    f"{s.given_name.upper()} {s.family_name.upper()}",
                ]
                + ([f"{s.given_name} {s.middle_name[0]}. {s.family_name}"] if s.middle_name else [])
            )
            parts.insert(1, f"{written} left a jacket on the bus")
            named = s.id
        out.append((". ".join(parts), named))
    return out


def enron_messages(limit: int) -> list[str]:
    folder = DEV_DATA / "enron_inbox_sample"
    if not folder.is_dir():
        return []
    bodies = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file())[:limit]:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        try:
            text = part.get_content() if part else ""
        except (LookupError, ValueError):
            continue
        bodies.append(f"{msg.get('subject', '')}\n{text}")
    return bodies


def scan(texts: list[str], ctx: DetectContext) -> tuple[list[list[Signal]], float, float]:
    """Signals per text, and messages per second by wall clock and per CPU second of this process
    (the CPU figure is steadier on a busy machine)."""
    det = StudentInfoDetector()
    items = [Item(str(i), Channel.EMAIL, "bench", "", b"", body=t) for i, t in enumerate(texts)]
    t0, c0 = time.perf_counter(), time.process_time()
    signals = [det.detect(item, ctx) for item in items]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return signals, len(items) / wall, len(items) / cpu


def report(label: str, texts: list[str], signals: list[list[Signal]], wall: float, cpu: float) -> None:
    chars = sum(map(len, texts)) / len(texts)
    print(
        f"{label}: {len(texts):,} messages, avg {chars:.0f} chars: {wall:,.0f} messages/s wall "
        f"({cpu:,.0f}/s per CPU second), {sum(map(len, signals)):,} signals"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=5_000)
    args = ap.parse_args()
    rng = random.Random(401)

    directory = synthetic_directory(args.students, rng)
    gc.collect()
    before = rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    roster = roster_for(directory)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.collect()
    print(f"students: {len(roster.students):,}  surnames: {len(roster.names):,}  groups: {len(directory.groups):,}")
    print(f"index build: {build:.2f} s wall, {build_cpu:.2f} s CPU; memory (RSS delta) {rss_mib() - before:.0f} MiB")

    ctx = DetectContext(directory=directory)
    synthetic = synthetic_messages(directory, args.messages, rng)
    signals, wall, cpu = scan([t for t, _ in synthetic], ctx)
    report("synthetic", [t for t, _ in synthetic], signals, wall, cpu)
    named = [(pid, sigs) for (_, pid), sigs in zip(synthetic, signals, strict=True) if pid]
    found = sum(any(s.kind == "student.name" and s.data["person_id"] == pid for s in sigs) for pid, sigs in named)
    print(f"  recall of the named student (student.name): {found:,}/{len(named):,}")
    enron = enron_messages(args.messages)
    if enron:
        signals, wall, cpu = scan(enron, ctx)
        report("enron (real mail, synthetic roster)", enron, signals, wall, cpu)
        kinds = Counter(s.kind for sigs in signals for s in sigs)
        print(f"  signals by kind: {dict(kinds)}")
    else:
        print("enron sample absent (../shared/dev-data): skipped")


if __name__ == "__main__":
    main()

"""Build the bundled sample district "Prairie Creek Community School District" (fictional).

    python scripts/build_demo_district.py [--out DIR]

Writes src/aupguard/demo/district/ (or DIR): a OneRoster 1.2 roster, a Google Workspace users
export, a people CSV, district.yaml, a few hundred messages (email, texts, social exports) and
EXPECTED.md / expected.json naming every planted violation and near miss.

Everything is generated from a fixed seed and fixed dates, so rerunning the script reproduces
the committed files byte for byte (tests/demo/test_district_data.py checks it). Nobody here is
real: names are drawn from lists of common names and combined at random; phone numbers are in
the 555-01xx range reserved for fiction; personal mail domains are example.* domains.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

# The generator's pieces live beside this script (scripts/demo_district/); scripts/ is no package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_district.clean import clean_mail, clean_texts  # noqa: E402
from demo_district.corpus import Corpus, write_expectations, write_messages  # noqa: E402
from demo_district.exports import write_district_yaml, write_people, write_roster, write_workspace  # noqa: E402
from demo_district.people import build_people  # noqa: E402
from demo_district.planted_mail import planted_mail  # noqa: E402
from demo_district.planted_other import group_texts, social  # noqa: E402
from demo_district.posture import write_posture  # noqa: E402

SEED = 40113  # policy 401.13
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "aupguard" / "demo" / "district"


def build(out: Path) -> None:
    rng = random.Random(SEED)
    d = build_people(rng)
    # Only the folders this script owns are cleared, so files from an older run cannot linger.
    for owned in ("roster", "accounts", "messages"):
        shutil.rmtree(out / owned, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    write_roster(d, out)
    write_workspace(d, out, rng)
    write_people(d, out)
    write_district_yaml(out, d)
    c = Corpus()
    clean_mail(d, c, rng)
    planted_mail(d, c)
    clean_texts(d, c, rng)
    group_texts(d, c)
    social(d, c)
    write_expectations(c, write_messages(c, out), out)
    write_posture(d, out)  # posture/: sign-ins, proxy log, inventory, backups, training (demo_district/posture.py)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write (default: the bundled demo)")
    args = parser.parse_args()
    build(args.out)


if __name__ == "__main__":
    main()

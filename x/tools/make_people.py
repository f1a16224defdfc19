"""Write a synthetic personnel file (people.csv) for a scenario.

    python tools/make_people.py                      # Ningming → borderwatch/data/scenarios/ningming/people.csv
    python tools/make_people.py SCENARIO --out people.csv --seed 7

Every row has ``source = synthetic``: invented people and leave dates, sized
to staff every checkpoint 24 h (3 × 8 h shifts, 2 people) and every team's
nightly crew under the default roster rules, plus 21 county-level leaders.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from borderwatch.data import load_scenario  # noqa: E402
from borderwatch.roster.synthetic import synthetic_people  # noqa: E402
from borderwatch.roster.week import RosterSite  # noqa: E402

COLUMNS = ("id", "name", "role", "team", "township", "leave", "source")


def people_csv_text(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="ningming")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--leaders", type=int, default=21)
    args = ap.parse_args(argv)
    out = args.out or ROOT / "borderwatch/data/scenarios/ningming/people.csv"
    site = RosterSite.from_scenario(load_scenario(args.scenario))
    rows = synthetic_people(site, seed=args.seed, n_leaders=args.leaders)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(people_csv_text(rows), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}: {len(rows)} people")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

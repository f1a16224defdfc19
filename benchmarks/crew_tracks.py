"""Benchmark: what ``brief --roster`` spends on the crews' tracks (``crews/<team>.gpx``).

The plan folder rebuilt (``load_plan``) and every crew's drawn variant made into a
whole-night track (``drawn_variant_gpx``), as ``write_brief`` does, timed on its own
(wall and CPU seconds of this process, each of ``--repeat`` runs). There is no
before side: before 381a936 the briefing wrote no crew tracks.

Usage::

    borderwatch plan ningming --night 2026-12-07 --out /tmp/h/night
    borderwatch roster ningming --week 2026-W50 --plan /tmp/h/night/plan.json --out /tmp/h/roster
    python benchmarks/crew_tracks.py /tmp/h/night /tmp/h/roster/2026-W50 2026-12-07
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from datetime import date


def main(argv: list[str] | None = None) -> int:
    from borderwatch.maps.brief.document import _crew_tracks
    from borderwatch.maps.brief.inputs import load_network_of, read_plan_folder, read_roster_night

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan_dir")
    parser.add_argument("week_dir")
    parser.add_argument("night", type=date.fromisoformat)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    folder = read_plan_folder(args.plan_dir)
    network = load_network_of(folder)
    roster = read_roster_night(args.week_dir, args.night)
    assert roster is not None, "no roster for that night"
    for i in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        tracks = _crew_tracks(folder, network, roster, args.night)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        points = sum(text.count("<trkpt") for text in tracks.values())
        print(
            f"run {i + 1}: {len(tracks)} crew tracks, {points:,} points: {wall:.2f} s wall, {cpu:.2f} CPU s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

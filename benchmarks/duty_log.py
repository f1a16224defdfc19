"""Duty log benchmark (issue #26): record a 17-team night, a report over 52 weeks, risk from the log.

1. ``record``: the Ningming plan's 17 tracks driven on a night, recorded into a SQLite log
   that already exists (migrated, empty: the everyday case): ``borderwatch log record`` as a
   process (wall, with Python start-up and the network build), and :func:`record_night`
   in-process with the network built (the log's own work). Both for the code of
   ``--before REV`` (a ``git archive`` of that commit, run with its own ``borderwatch``) and
   for this tree, interleaved (before, after, before, after ...) ``--repeats`` times, so
   both sides see the same load: the table gives the median and the best of each side and
   their ratio.
2. ``report``: 364 nights (52 weeks) stored synthetically (one prepared night's rows under 364
   dates, one incident a night), then ``log report --week`` for the last week, whose trend
   reads all 52 weeks: HTML only and HTML + PDF.
3. ``risk``: a log of 28 nights with incidents on two stretches; the plan with the scenario's
   incident weights against ``--risk-from-log`` weights (same seed and iterations): mean and
   worst revisit over the incident stretches.

Usage: ``python benchmarks/duty_log.py [--out benchmarks/results/duty_log.md] [--plan DIR]
[--before REV] [--repeats N] [--skip-risk]`` (with ``--skip-risk`` the risk section of the
results file is kept as it was; sections the script does not write, such as notes, are kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from borderwatch.config import SearchParams  # noqa: E402
from borderwatch.data import build_network  # noqa: E402
from borderwatch.data.load import load_scenario  # noqa: E402
from borderwatch.log.db import open_log  # noqa: E402
from borderwatch.log.inputs import read_plan_folder  # noqa: E402
from borderwatch.log.record import night_window, prepare_night, record_night, store_night  # noqa: E402
from borderwatch.log.report import write_report  # noqa: E402
from borderwatch.log.simulate import read_plan_tracks, simulate_night, window_end  # noqa: E402

NIGHT0 = date(2026, 12, 14)


def _plan(folder: Path) -> Path:
    if not (folder / "plan.json").is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "borderwatch",
                "plan",
                "ningming",
                "--out",
                str(folder),
                "--night",
                NIGHT0.isoformat(),
                "--max-iterations",
                "200",
                "--no-map",
            ],
            check=True,
            capture_output=True,
        )
    return folder


_IN_PROCESS = """
import json, sys, time
from datetime import date
from pathlib import Path
from borderwatch.data import build_network
from borderwatch.data.load import load_scenario
from borderwatch.log.db import open_log
from borderwatch.log.record import record_night
night, plan, driven, db = sys.argv[1:5]
net = build_network(load_scenario("ningming"))
engine = open_log(db)
t, c = time.perf_counter(), time.process_time()
record_night(date.fromisoformat(night), Path(plan), Path(driven), engine=engine, network=net)
wall, cpu = time.perf_counter() - t, time.process_time() - c
import borderwatch
print(json.dumps({"lib_s": wall, "lib_cpu_s": cpu, "code": borderwatch.__file__}))
"""


def _tree(rev: str, tmp: Path) -> Path:
    """The package as of commit ``rev`` (``git archive``), to run the "before" side."""
    out = tmp / f"tree-{rev}"
    out.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


def _empty_log(tmp: Path, name: str, code: Path) -> str:
    """A migrated, empty SQLite log, made by the code at ``code`` (its own migrations)."""
    url = f"sqlite:///{tmp / name}"
    subprocess.run(
        [sys.executable, "-c", f"from borderwatch.log.db import open_log; open_log({url!r})"],
        cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, check=True,
    )  # fmt: skip
    return url


def _record_once(
    code: Path, night: date, plan: Path, driven: Path, tmp: Path, k: int
) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    template = tmp / f"empty-{code.name}.sqlite"
    if not template.exists():
        _empty_log(tmp, template.name, code)
    dbs = []
    for what in ("cli", "lib"):
        f = tmp / f"{code.name}-{what}-{k}.sqlite"
        shutil.copyfile(template, f)
        dbs.append(f"sqlite:///{f}")
    args = ["log", "record", night.isoformat(), "--plan", str(plan), "--gpx", str(driven)]
    cpu0 = os.times()
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "borderwatch", *args, "--db", dbs[0]],
        capture_output=True, text=True, check=False, cwd=code, env=env,
    )  # fmt: skip
    cli_s = time.perf_counter() - t
    cpu1 = os.times()
    cli_cpu = (cpu1.children_user - cpu0.children_user) + (
        cpu1.children_system - cpu0.children_system
    )
    assert res.returncode == 0, res.stderr
    res = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS, night.isoformat(), str(plan), str(driven), dbs[1]],
        capture_output=True, text=True, check=True, cwd=code, env=env,
    )  # fmt: skip
    lib = json.loads(res.stdout.strip().splitlines()[-1])
    assert Path(lib["code"]).resolve().is_relative_to(code.resolve()), lib["code"]
    return {
        "cli_s": cli_s,
        "cli_cpu_s": cli_cpu,
        "lib_s": float(lib["lib_s"]),
        "lib_cpu_s": float(lib["lib_cpu_s"]),
    }


def bench_record(  # type: ignore[no-untyped-def]
    plan: Path, net, tmp: Path, before: str, repeats: int, after: str | None = None
) -> dict[str, object]:
    pf = read_plan_folder(plan)
    night = NIGHT0 + timedelta(days=1)
    w0, wm = night_window(net, night)
    driven = simulate_night(
        read_plan_tracks(plan),
        date.fromisoformat(pf.night),
        night,
        tmp / "driven",
        [],
        tz=ZoneInfo("Asia/Shanghai"),
        window_end=window_end(w0, wm),
        loop_min={t.team: t.loop_min for t in pf.teams},
    )
    sides = {"before": _tree(before, tmp), "after": ROOT if after is None else _tree(after, tmp)}
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    loads = []
    for k in range(repeats):
        for side, code in sides.items():
            runs[side].append(_record_once(code, night, plan, driven, tmp, k))
            loads.append(os.getloadavg()[0])
    out: dict[str, object] = {"teams": len(list(driven.glob("*.gpx"))), "before": before, "after": after or "this tree",
                              "repeats": repeats, "load": (min(loads), max(loads))}  # fmt: skip
    for side, rs in runs.items():
        for key in ("cli_s", "cli_cpu_s", "lib_s", "lib_cpu_s"):
            vals = [r[key] for r in rs]
            out[f"{side}_{key}"] = {"median": statistics.median(vals), "best": min(vals)}
    return out


def bench_report(plan: Path, net, tmp: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    pf = read_plan_folder(plan)
    night = NIGHT0
    w0, wm = night_window(net, night)
    driven = simulate_night(
        read_plan_tracks(plan),
        date.fromisoformat(pf.night),
        night,
        tmp / "d0",
        [],
        tz=ZoneInfo("Asia/Shanghai"),
        window_end=window_end(w0, wm),
        loop_min={t.team: t.loop_min for t in pf.teams},
    )
    mid = net.units.geometry.iloc[200].interpolate(0.5, normalized=True)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(net.crs, 4326, always_xy=True).transform(mid.x, mid.y)
    inc = tmp / "inc.csv"
    inc.write_text(
        f"time,lon,lat,kind,outcome,cases,people\n23:40,{lon},{lat},smuggling,caught,1,2\n"
    )
    base = prepare_night(night, plan, driven, incidents=inc, network=net)
    engine = open_log(f"sqlite:///{tmp / 'year.sqlite'}")
    last = NIGHT0 + timedelta(days=7 * 52 - 1)
    t = time.perf_counter()
    for k in range(7 * 52):
        d = NIGHT0 + timedelta(days=k)
        start = night_window(net, d)[0]
        row = dict(base.night_row, night=d, window_start=start.isoformat())
        store_night(
            engine, dataclasses.replace(base, night=d, night_row=row, content_hash=f"synthetic-{k}")
        )
    fill_s = time.perf_counter() - t
    y, w, _ = last.isocalendar()
    week = f"{y}-W{w:02d}"
    t = time.perf_counter()
    write_report(engine, tmp / "rep-html", week=week, lang="zh", pdf=False, network=net)
    html_s = time.perf_counter() - t
    t = time.perf_counter()
    write_report(engine, tmp / "rep-pdf", week=week, lang="zh", pdf=True, network=net)
    pdf_s = time.perf_counter() - t
    t = time.perf_counter()
    write_report(engine, tmp / "rep-built", week=week, lang="zh", pdf=True)
    built_s = time.perf_counter() - t
    return {
        "nights": 7 * 52,
        "week": week,
        "fill_s": fill_s,
        "html_s": html_s,
        "pdf_s": pdf_s,
        "with_network_s": built_s,
    }


def bench_risk(plan: Path, net, tmp: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    from borderwatch.log.risk import risk_from_log
    from borderwatch.plan.patrols import plan_patrols

    pf = read_plan_folder(plan)
    tracks = read_plan_tracks(plan)
    engine = open_log(f"sqlite:///{tmp / 'risk.sqlite'}")
    to_ll = Transformer.from_crs(net.crs, 4326, always_xy=True)
    hot_units = [60, 61, 62, 300, 301, 302]  # two stretches (km 15, km 75)
    for k in range(28):
        d = NIGHT0 - timedelta(days=28 - k)
        w0, wm = night_window(net, d)
        folder = simulate_night(
            tracks,
            date.fromisoformat(pf.night),
            d,
            tmp / f"r{k}",
            [],
            tz=ZoneInfo("Asia/Shanghai"),
            window_end=window_end(w0, wm),
            loop_min={t.team: t.loop_min for t in pf.teams},
        )
        rows = ["time,lon,lat,kind,outcome,cases,people"]
        for u in hot_units[(k % 2) * 3 : (k % 2) * 3 + 3] if k % 3 == 0 else []:
            p = net.units.geometry.iloc[u].interpolate(0.5, normalized=True)
            lon, lat = to_ll.transform(p.x, p.y)
            rows.append(f"23:00,{lon},{lat},smuggling,caught,1,1")
        inc = tmp / f"inc{k}.csv"
        inc.write_text("\n".join(rows) + "\n")
        record_night(d, plan, folder, incidents=inc, engine=engine, network=net)
    risk = risk_from_log(engine, net, NIGHT0)
    w = risk.weights
    hot = np.flatnonzero(risk.rate["count"].to_numpy() > 0.5)
    out: dict[str, object] = {
        "nights": risk.nights,
        "incidents": risk.incidents,
        "hot_units": len(hot),
        "w_min": float(w.min()),
        "w_max": float(w.max()),
        "rate_hot": [
            float(risk.rate["mean"].iloc[hot].mean()),
            float(risk.rate["q05"].iloc[hot].mean()),
            float(risk.rate["q95"].iloc[hot].mean()),
        ],
    }
    for name, weights in (("uniform", np.ones(len(w))), ("scenario", None), ("log", w)):
        t = time.perf_counter()
        p = plan_patrols(net, weights=weights, search=SearchParams(max_iterations=300, seed=0))
        rv = p.revisits["worst_revisit_min"].to_numpy(dtype=float)
        passes = p.revisits["n_passes"].to_numpy(dtype=float)
        out[name] = {
            "hot_mean_worst_revisit": float(np.nanmean(rv[hot])),
            "hot_max_worst_revisit": float(np.nanmax(rv[hot])),
            "hot_mean_passes": float(passes[hot].mean()),
            "all_worst_revisit": float(np.nanmax(rv)),
            "max_loop_min": float(p.result.max_cost) / 60.0,  # seconds in the result
            "extended": sum(1 for r in p.routes if r.role.startswith(("extension", "co-patrol"))),
            "s": time.perf_counter() - t,
        }
    return out


def _kept_sections(path: Path, written: str) -> list[str]:
    """The ``## `` sections of the old results file this run did not write (notes; the risk
    table under ``--skip-risk``), as they were."""
    if not path.is_file():
        return []
    kept: list[str] = []
    section: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "## "]:
        if line.startswith("## "):
            if section and f"\n{section[0]}\n" not in f"\n{written}\n":
                kept += section
            section = []
        if section or line.startswith("## "):
            section.append(line)
    return [line for line in kept if line != "## "]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "duty_log.md")
    ap.add_argument("--plan", type=Path, default=None)
    ap.add_argument("--skip-risk", action="store_true")
    ap.add_argument("--before", default="252d17b", help="commit of the 'before' side of record")
    ap.add_argument(
        "--after", default=None, help="commit of the 'after' side (default: this working tree)"
    )
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        plan = _plan(args.plan or tmp / "plan")
        t = time.perf_counter()
        net = build_network(load_scenario("ningming"))
        net_s = time.perf_counter() - t
        rec = bench_record(plan, net, tmp, args.before, args.repeats, args.after)
        rep = bench_report(plan, net, tmp)
        risk = None if args.skip_risk else bench_risk(plan, net, tmp)
    load = os.getloadavg()

    def cell(side: str, key: str) -> str:
        v = rec[f"{side}_{key}"]
        return f"{v['median']:.2f} ({v['best']:.2f})"  # type: ignore[index]

    def ratio(key: str) -> str:
        b, a = rec[f"before_{key}"], rec[f"after_{key}"]
        return f"{a['median'] / b['median']:.2f} ({a['best'] / b['best']:.2f})"  # type: ignore[index]

    lines = [
        "# Duty log benchmark (issue #26)",
        "",
        f"`python benchmarks/duty_log.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} at the end (a shared machine: wall seconds under load).",
        "",
        "## Recording a night (Ningming, SQLite)",
        "",
        f"{rec['teams']} teams' driven tracks recorded into an existing (migrated, empty) SQLite "
        f"log; before = commit {rec['before']}, after = {rec['after']}; {rec['repeats']} runs of each, "
        f"interleaved; load average {rec['load'][0]:.1f}-{rec['load'][1]:.1f} during them "  # type: ignore[index]
        "(2 cores). Seconds: median (best).",
        "",
        "| what | before | after | after / before | target |",
        "|---|---:|---:|---:|---:|",
        f"| `borderwatch log record` (process: start-up, network build, record) | {cell('before', 'cli_s')} | {cell('after', 'cli_s')} | {ratio('cli_s')} | 5 |",
        f"| the same, CPU seconds of the process (user + system) | {cell('before', 'cli_cpu_s')} | {cell('after', 'cli_cpu_s')} | {ratio('cli_cpu_s')} | |",
        f"| `record_night` with the network built (read, replay, compare, store) | {cell('before', 'lib_s')} | {cell('after', 'lib_s')} | {ratio('lib_s')} | 5 |",
        f"| the same, CPU seconds | {cell('before', 'lib_cpu_s')} | {cell('after', 'lib_cpu_s')} | {ratio('lib_cpu_s')} | |",
        f"| (building the Ningming network alone, in this process) | | {net_s:.2f} | | |",
        "",
        "## Report over 52 weeks",
        "",
        f"{rep['nights']} synthetic nights stored in {rep['fill_s']:.1f} s; weekly report of "
        f"{rep['week']} with the 52-week trend:",
        "",
        "| what | seconds | target |",
        "|---|---:|---:|",
        f"| report.html (network given) | {rep['html_s']:.2f} | 30 |",
        f"| report.html + report.pdf (Chromium) | {rep['pdf_s']:.2f} | 30 |",
        f"| report.html + report.pdf, network built from the log's scenario | {rep['with_network_s']:.2f} | 30 |",
        "",
    ]
    if risk is not None:
        u, s, g = risk["uniform"], risk["scenario"], risk["log"]
        lines += [
            "## plan --risk-from-log: do the routes move toward the incident stretches?",
            "",
            f"{risk['nights']} recorded nights, {risk['incidents']} incidents on two stretches "
            f"({risk['hot_units']} units with a decayed kernel count above 0.5); weights "
            f"{risk['w_min']:.2f}-{risk['w_max']:.2f}; nightly incident rate on those units "
            f"(posterior mean, 5 %, 95 %): "
            + ", ".join(f"{v:.3f}" for v in risk["rate_hot"])
            + ".",
            "Same seed, 300 search iterations:",
            "",
            "| weights | mean worst revisit on incident units (min) | max there | mean passes there | worst revisit overall | max loop (min) | teams extended or co-patrolling |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| uniform (1 everywhere) | {u['hot_mean_worst_revisit']:.1f} | {u['hot_max_worst_revisit']:.1f} | {u['hot_mean_passes']:.1f} | {u['all_worst_revisit']:.1f} | {u['max_loop_min']:.1f} | {u['extended']} |",
            f"| scenario incidents.csv | {s['hot_mean_worst_revisit']:.1f} | {s['hot_max_worst_revisit']:.1f} | {s['hot_mean_passes']:.1f} | {s['all_worst_revisit']:.1f} | {s['max_loop_min']:.1f} | {s['extended']} |",
            f"| duty log (--risk-from-log) | {g['hot_mean_worst_revisit']:.1f} | {g['hot_max_worst_revisit']:.1f} | {g['hot_mean_passes']:.1f} | {g['all_worst_revisit']:.1f} | {g['max_loop_min']:.1f} | {g['extended']} |",
            "",
        ]
    lines += _kept_sections(args.out, written="\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(json.dumps({"record": rec, "report": rep}, default=str))


if __name__ == "__main__":
    main()

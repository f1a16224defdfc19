"""Min-max reference values from our own runs of HGS-CARP (Vidal 2017) on CARPLIB graphs.

HGS-CARP (github.com/vidalt/HGS-CARP, GPL-3.0; not part of this repository)
solves the min-max k-vehicle windy rural postman problem with ``-type 35``
(MM-kWRPP, instance format of Corberan: depot = node 1, two costs per edge).
This script writes each CARPLIB graph as such a file with equal costs both ways
(an undirected instance), all edges required (MMkCPP) or the file's required
edges with the others deadhead only (MMkRPP), runs the binary one row at a
time and writes a CSV with columns ``problem, instance, k, best_known,
lower_bound, note`` (the layout of ``reference.csv``; ``best_known`` is the
best over the seeds run here, ``note`` names the commit, command line, seeds,
CPU-time limit and each seed's value; in min-max mode HGS-CARP solves a
sequence of problems with a decreasing limit on the tour length and ``-t``
applies to each, so a run takes several times ``-t``). ``lower_bound`` is
:func:`borderwatch.routing.bounds.lower_bound` (``max(longest single-edge
round trip, ceil(average))``).

Usage::

    python benchmarks/hgs_reference.py --gencarp /work/hgs_build/Program/gencarp \\
        --data /work/carp_data/CARP --graphs egl-e1,egl-e2 --k 2,5,10 \\
        --problem mmkcpp --time-limit 15 --seeds 1 --csv OUT.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.carplib import CarplibFile, graph_name, parse_carplib, to_instance  # noqa: E402
from borderwatch.config import SearchParams  # noqa: E402
from borderwatch.routing.bounds import lower_bound  # noqa: E402
from borderwatch.routing.instance import ArcInstance  # noqa: E402
from borderwatch.routing.minmax import solve_minmax  # noqa: E402

FIELDS = ["problem", "instance", "k", "best_known", "lower_bound", "note"]


def wrpp_text(data: CarplibFile, *, problem: str) -> str:
    """The graph as an HGS-CARP ``-type 35`` (MM-kWRPP) file, symmetric costs.

    The depot must be node 1 in that format; a file with another depot has
    nodes 1 and ``DEPOSITO`` swapped (the values do not change).
    """
    dep = data.depot + 1

    def lab(i: int) -> int:
        n = i + 1
        return 1 if n == dep else dep if n == 1 else n

    req = [True] * len(data.u) if problem == "mmkcpp" else data.required.tolist()
    lines = {True: [], False: []}  # type: dict[bool, list[str]]
    for a, b, c, r in zip(data.u.tolist(), data.v.tolist(), data.cost.tolist(), req, strict=True):
        cc = f"{c:g}"
        lines[bool(r)].append(f" ( {lab(a)}, {lab(b)})   coste {cc} {cc}")
    out = [
        f" NOMBRE : {data.name}",
        " COMENTARIO : converted from CARPLIB by borderwatch benchmarks/hgs_reference.py",
        f" VERTICES : {data.n_nodes}",
        f" ARISTAS_REQ : {len(lines[True])}",
        f" ARISTAS_NOREQ : {len(lines[False])}",
        " LISTA_ARISTAS_REQ :",
        *lines[True],
    ]
    if lines[False]:
        out += [" LISTA_ARISTAS_NOREQ :", *lines[False]]
    return "\n".join(out) + "\n"


def run_hgs(
    gencarp: Path, inst_file: Path, k: int, seed: int, t: int
) -> tuple[float, float, float]:
    """One HGS-CARP run in the instance's folder: (longest route, wall s, CPU s).

    HGS-CARP writes ``bks-*.txt`` files into its working directory, so it runs in
    the (temporary) folder of the instance file.
    """
    sol = inst_file.with_suffix(f".k{k}.s{seed}.sol")
    cmd = [str(gencarp), str(inst_file), "-type", "35", "-veh", str(k)]
    cmd += ["-seed", str(seed), "-t", str(t), "-sol", str(sol)]
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        cmd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=inst_file.parent,
    )
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    return float(sol.read_text().split()[0]), wall, cpu


def _reaches_bound(inst: ArcInstance, bound: float, iterations: int) -> bool:
    """Whether our annealing reaches ``bound`` within ``iterations`` (then it is optimal)."""
    res = solve_minmax(inst, SearchParams(time_limit_s=0, max_iterations=iterations, seed=0))
    return res.max_cost <= bound + 1e-9 * max(1.0, abs(bound))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gencarp", type=Path, required=True, help="the built HGS-CARP binary")
    ap.add_argument("--data", type=Path, required=True, help="folder of CARPLIB .dat files")
    ap.add_argument("--graphs", required=True, help="comma-separated graph names (egl-e1,...)")
    ap.add_argument("--k", default="2,5,10")
    ap.add_argument("--problem", choices=["mmkcpp", "mmkrpp"], default="mmkcpp")
    ap.add_argument("--time-limit", type=int, default=15, help="HGS-CARP -t (CPU seconds)")
    ap.add_argument("--seeds", default="1", help="comma-separated seeds")
    ap.add_argument("--commit", default="08fde6a", help="HGS-CARP commit (for the note)")
    ap.add_argument("--csv", type=Path, required=True, help="append rows to this CSV")
    ap.add_argument(
        "--skip-at-bound",
        type=int,
        default=0,
        metavar="N",
        help="first run our solve_minmax for N iterations (seed 0); if it reaches the lower "
        "bound the row is optimal and HGS-CARP is not run (best_known = the bound)",
    )
    args = ap.parse_args(argv)
    ks = [int(x) for x in args.k.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    files = {graph_name(f.stem): f for f in sorted(args.data.glob("*.dat"), reverse=True)}
    key = "MMkCPP" if args.problem == "mmkcpp" else "MMkRPP"
    new = not args.csv.is_file()
    with tempfile.TemporaryDirectory() as tmp, args.csv.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        if new:
            w.writeheader()
        for g in args.graphs.split(","):
            path = files[g]
            data = parse_carplib(path.read_text(encoding="latin-1"), source=str(path))
            inst_file = Path(tmp) / f"{g}.{args.problem}.txt"
            inst_file.write_text(wrpp_text(data, problem=args.problem))
            for k in ks:
                inst = to_instance(data, problem=args.problem, k=k)
                lb = lower_bound(inst)
                if args.skip_at_bound and _reaches_bound(inst, lb, args.skip_at_bound):
                    note = (
                        f"optimal: our solve_minmax ({args.skip_at_bound} iterations, seed 0) "
                        f"reaches the lower bound {lb:g} (longest single-edge round trip or "
                        "ceil(average)); HGS-CARP not run"
                    )
                    w.writerow(
                        {
                            "problem": key,
                            "instance": g,
                            "k": k,
                            "best_known": f"{lb:g}",
                            "lower_bound": f"{lb:g}",
                            "note": note,
                        }
                    )
                    fh.flush()
                    print(f"{key} {g} k={k}: {lb:g} = bound (HGS-CARP not run)", flush=True)
                    continue
                load = os.getloadavg()[0]
                vals = [run_hgs(args.gencarp, inst_file, k, s, args.time_limit) for s in seeds]
                best = min(v for v, _, _ in vals)
                per = "; ".join(
                    f"seed {s}: {v:g} in {sec:.1f} s wall, {cpu:.1f} CPU s"
                    for s, (v, sec, cpu) in zip(seeds, vals, strict=True)
                )
                note = (
                    f"our run of HGS-CARP {args.commit} (not a published value): "
                    f"gencarp {path.name} as MM-kWRPP -type 35 -veh {k} -t {args.time_limit} "
                    f"-seed S (-t: CPU s per subproblem of its loop of decreasing tour-length "
                    f"limits, so a run takes several times that), nice -n 10, "
                    f"shared 2-core machine at load {load:.1f} (1-min average at the start); {per}"
                )
                w.writerow(
                    {
                        "problem": key,
                        "instance": g,
                        "k": k,
                        "best_known": f"{best:g}",
                        "lower_bound": f"{lb:g}",
                        "note": note,
                    }
                )
                fh.flush()
                print(f"{key} {g} k={k}: {best:g} (bound {lb:g}); {per}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The roster MILP: one pool of people fills one set of slots (scipy HiGHS).

The week decomposes into independent pools — each township's checkpoint staff
fill that township's checkpoint shifts, each team's members its patrol nights,
the county leaders the inspection nights — so a county of 143 checkpoints
solves as a few small MILPs.

Variables ``x[p, s] ∈ {0, 1}`` for every person ``p`` available for slot ``s``
(not on leave on any day the slot touches; rested since last week's last
duty). Constraints:

* cover: ``Σ_p x[p, s] = demand(s)``;
* rest: for every slot ``s``, the slots starting in ``[start(s), end(s) + rest)``
  pairwise clash, so at most one of them per person (a clique cut);
* workload: ``Σ_s x[p, s] ≤ max_shifts``, ``Σ_{s night} x[p, s] ≤ max_night_shifts``;
* fairness, among comparable people (same pool, no leave this week):
  ``lo ≤ C_p + nights_p ≤ hi`` with ``C_p`` the night duties of earlier weeks;
  the same on this week's nights and duties alone.

Objective (lexicographic by weights): cumulative night spread, weekly night
spread, weekly duty spread, then assignments changed from last week.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from borderwatch.errors import RosterInfeasibleError
from borderwatch.roster.config import RosterConfig
from borderwatch.roster.people import Person
from borderwatch.roster.rotation import seed_for
from borderwatch.roster.week import DAY, Slot

__all__ = ["Pool", "PoolResult", "RosterInfeasibleError", "solve_pool"]

log = logging.getLogger(__name__)


@dataclass
class Pool:
    """People who can fill a set of slots, and what history says about them."""

    name: str
    label: str
    people: Sequence[Person]
    slots: Sequence[Slot]
    cum_nights: Mapping[str, int] = field(default_factory=dict)
    last_end: Mapping[str, int] = field(default_factory=dict)
    pattern: Mapping[tuple[str, int, str], str] = field(default_factory=dict)


@dataclass
class PoolResult:
    """Who fills each slot of one pool, and the fairness it reached."""

    name: str
    label: str
    assigned: dict[str, list[str]]
    status: str
    seconds: float
    n_vars: int
    fairness: dict[str, object]
    changes: int
    mode: str = ""


def _touches_leave(p: Person, s: Slot, monday: date) -> bool:
    if not p.leave:
        return False
    first = s.start // DAY
    last = (s.end - 1) // DAY
    return any(p.on_leave(monday + timedelta(days=d)) for d in range(first, last + 1))


def _week_leave(p: Person, monday: date) -> bool:
    return any(p.on_leave(monday + timedelta(days=d)) for d in range(-1, 8))


def availability(pool: Pool, monday: date, config: RosterConfig) -> np.ndarray:
    """Boolean matrix people × slots: who may take which slot."""
    rest = round(config.rest_hours * 60)
    a = np.ones((len(pool.people), len(pool.slots)), dtype=bool)
    for i, p in enumerate(pool.people):
        last = pool.last_end.get(p.id)
        for j, s in enumerate(pool.slots):
            if (last is not None and s.start < last + rest) or _touches_leave(p, s, monday):
                a[i, j] = False
    return a


def _windows(slots: Sequence[Slot], rest: int) -> list[list[int]]:
    """Cliques of mutually clashing slots (start within the rest window of another)."""
    order = sorted(range(len(slots)), key=lambda j: (slots[j].start, j))
    out: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for k, j in enumerate(order):
        s = slots[j]
        w = [h for h in order[k:] if slots[h].start < s.end + rest]
        key = tuple(w)
        if len(w) >= 2 and key not in seen:
            seen.add(key)
            out.append(w)
    # drop windows contained in another
    sets = [set(w) for w in out]
    return [
        w
        for i, w in enumerate(out)
        if not any(i != k and sets[i] < sets[k] for k in range(len(out)))
    ]


def _max_disjoint(slots: Sequence[Slot], idx: Sequence[int], rest: int) -> int:
    """Most non-clashing slots among ``idx`` (greedy by earliest end)."""
    n, free = 0, -(10**9)
    for j in sorted(idx, key=lambda j: (slots[j].end, slots[j].start)):
        if slots[j].start >= free:
            n += 1
            free = slots[j].end + rest
    return n


def precheck(pool: Pool, avail: np.ndarray, monday: date, config: RosterConfig) -> str | None:
    """The first necessary condition a week breaks, as a sentence; None if all hold."""
    rest = round(config.rest_hours * 60)
    slots = pool.slots
    for j, s in enumerate(slots):
        k = int(avail[:, j].sum())
        if k < s.demand:
            day = (monday + timedelta(minutes=s.start)).isoformat()
            return (
                f"{pool.label} needs {s.demand} people for the {s.shift} shift on {day}; "
                f"{k} are available"
            )
    for d in range(7):
        idx = [j for j, s in enumerate(slots) if s.day == d]
        if not idx:
            continue
        need = sum(slots[j].demand for j in idx)
        caps = [
            _max_disjoint(slots, [j for j in idx if avail[i, j]], rest)
            for i in range(len(pool.people))
        ]
        if sum(caps) < need:
            day = (monday + timedelta(days=d)).isoformat()
            k = sum(1 for c in caps if c > 0)
            more = "" if max(caps, default=0) <= 1 else f" (who can give at most {sum(caps)})"
            return (
                f"{pool.label} needs {need} person-shifts on {day}; {k} people are available{more}"
            )
    need = sum(s.demand for s in slots)
    cap = sum(
        min(config.max_shifts, _max_disjoint(slots, np.flatnonzero(avail[i]).tolist(), rest))
        for i in range(len(pool.people))
    )
    if cap < need:
        return (
            f"{pool.label} needs {need} person-shifts this week; its {len(pool.people)} people can give "
            f"at most {cap} (max_shifts={config.max_shifts}, rest {config.rest_hours:g} h, leave)"
        )
    nights = [j for j, s in enumerate(slots) if s.night]
    need_n = sum(slots[j].demand for j in nights)
    cap_n = sum(
        min(config.max_night_shifts, _max_disjoint(slots, [j for j in nights if avail[i, j]], rest))
        for i in range(len(pool.people))
    )
    if cap_n < need_n:
        return (
            f"{pool.label} needs {need_n} night shifts this week; its {len(pool.people)} people can give "
            f"at most {cap_n} (max_night_shifts={config.max_night_shifts}, leave)"
        )
    return None


def _most_duties(
    slots: Sequence[Slot], idx: Sequence[int], night: np.ndarray, rest: int, config: RosterConfig
) -> list[int]:
    """``f[k]``: most duties (≤ max_shifts) one person can take among ``idx`` with exactly ``k`` nights; -1 if none."""
    kmax = config.max_night_shifts
    order = sorted(idx, key=lambda j: (slots[j].start, j))
    # chain DP: dp[a][k] = most duties in a rest-respecting chain ending at order[a] with k nights
    dp = [[-1] * (kmax + 1) for _ in order]
    for a, j in enumerate(order):
        kn = int(night[j])
        if kn <= kmax:
            dp[a][kn] = 1
        for b in range(a):
            if slots[j].start >= slots[order[b]].end + rest:
                for k in range(kmax + 1 - kn):
                    if dp[b][k] >= 0 and dp[b][k] + 1 > dp[a][k + kn]:
                        dp[a][k + kn] = dp[b][k] + 1
    f = [0] + [-1] * kmax
    for row in dp:
        for k in range(kmax + 1):
            f[k] = max(f[k], min(row[k], config.max_shifts) if row[k] >= 0 else -1)
    # a chain with k nights and m duties also allows fewer non-night duties
    return f


def targets(pool: Pool, avail: np.ndarray, config: RosterConfig) -> tuple[np.ndarray, np.ndarray]:
    """Fair weekly duty and night counts per person, by water-filling.

    Night duties go one at a time to whoever has the fewest night duties so far
    (earlier weeks plus this one), within their cap (``max_night_shifts``, leave,
    rest); the other duties then go to whoever has the fewest duties this week.
    Ties go to whoever had more nights last week (stability), then file order.
    """
    import heapq

    slots = list(pool.slots)
    rest = round(config.rest_hours * 60)
    night = np.array([s.night for s in slots], dtype=bool)
    n_people = len(pool.people)
    cap_n = np.zeros(n_people, dtype=int)
    best: list[list[int]] = []
    cache: dict[bytes, list[int]] = {}
    for i in range(n_people):
        key = avail[i].tobytes()
        if key not in cache:
            cache[key] = _most_duties(slots, np.flatnonzero(avail[i]).tolist(), night, rest, config)
        f = cache[key]
        best.append(f)
        cap_n[i] = max(k for k in range(len(f)) if f[k] >= 0)
    prev_n = Counter(
        pid for (pid, _d, sh) in pool.pattern if sh in {s.shift for s in slots if s.night}
    )
    n = np.zeros(n_people, dtype=int)
    t = np.zeros(n_people, dtype=int)
    need_n = sum(s.demand for s in slots if s.night)
    need_t = sum(s.demand for s in slots)
    heap = [
        (pool.cum_nights.get(p.id, 0), -prev_n[p.id], i)
        for i, p in enumerate(pool.people)
        if cap_n[i] > 0
    ]
    heapq.heapify(heap)
    for _ in range(need_n):
        if not heap:
            break
        c, pn, i = heapq.heappop(heap)
        n[i] += 1
        if n[i] < cap_n[i]:
            heapq.heappush(heap, (c + 1, pn, i))
    t[:] = n
    heap2 = [(int(t[i]), i) for i in range(n_people) if t[i] < best[i][n[i]]]
    heapq.heapify(heap2)
    for _ in range(need_t - need_n):
        if not heap2:
            break
        v, i = heapq.heappop(heap2)
        t[i] += 1
        if t[i] < best[i][n[i]]:
            heapq.heappush(heap2, (v + 1, i))
    return t, n


def solve_pool(pool: Pool, monday: date, config: RosterConfig) -> PoolResult:
    """Fill the slots of ``pool`` by a MILP; raise :class:`RosterInfeasibleError` with the reason.

    First with fixed fair counts per person (:func:`targets`), which keeps the
    MILP easy despite hundreds of interchangeable people; if no roster meets
    those counts, again with fairness as weighted spreads in the objective.

    Parameters
    ----------
    pool
        The people, the slots they can fill, and their history (night duties
        so far, last duty end, last week's pattern).
    monday
        The Monday of the week; slot times count from its 00:00 and leave days
        are dates from it.
    config
        The roster rules (rest hours, ``max_shifts``, ``max_night_shifts``),
        the fairness weights and the solver's time limit.

    Returns
    -------
    PoolResult
        Slot key → the ids of the people who fill it, the solver status
        (``"optimal"`` or ``"time_limit"``), the mode (``"fixed-counts"`` or
        ``"weighted"``), the spreads (min, max) of night duties this week and
        in total and of duties this week among people without leave, the
        number of assignments changed against last week's pattern, the
        seconds and the number of variables.

    Raises
    ------
    RosterInfeasibleError
        No roster meets the rules (naming the pool and the demand against the
        people), or none was found within the time limit.
    """
    t0 = time.perf_counter()
    avail = availability(pool, monday, config)
    reason = precheck(pool, avail, monday, config)
    if reason is not None:
        raise RosterInfeasibleError(reason, pool=pool.name)
    fixed = targets(pool, avail, config)
    res = _solve(pool, monday, config, avail, fixed)
    mode = "fixed-counts"
    if res is None or getattr(res[0], "x", None) is None:
        res = _solve(pool, monday, config, avail, None)
        mode = "weighted"
    assert res is not None
    sol, pi, sj, prev = res
    return _result(pool, monday, config, avail, sol, pi, sj, prev, time.perf_counter() - t0, mode)


def _solve(
    pool: Pool,
    monday: date,
    config: RosterConfig,
    avail: np.ndarray,
    fixed: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray] | None:
    people, slots = list(pool.people), list(pool.slots)
    rest = round(config.rest_hours * 60)
    pi, sj = np.nonzero(avail)
    nx = len(pi)
    var = -np.ones(avail.shape, dtype=np.int64)
    var[pi, sj] = np.arange(nx)
    night = np.array([s.night for s in slots], dtype=bool)
    comparable = [i for i, p in enumerate(people) if not _week_leave(p, monday)]
    soft = fixed is None and len(comparable) >= 2
    HC, LC, HW, LW, HT, LT = range(nx, nx + 6)
    nv = nx + (6 if soft else 0)

    rows = _Rows()
    for j, s in enumerate(slots):
        cs = var[:, j][var[:, j] >= 0].tolist()
        rows.add(cs, [1.0] * len(cs), s.demand, s.demand)
    if not _person_rows(rows, var, _windows(slots, rest), night, fixed, config):
        return None
    if soft:
        for i in comparable:
            row = var[i]
            c = float(pool.cum_nights.get(people[i].id, 0))
            nmine = row[(row >= 0) & night].tolist()
            allm = row[row >= 0].tolist()
            rows.add([*nmine, HC], [1.0] * len(nmine) + [-1.0], -np.inf, -c)
            rows.add([*nmine, LC], [-1.0] * len(nmine) + [1.0], -np.inf, c)
            rows.add([*nmine, HW], [1.0] * len(nmine) + [-1.0], -np.inf, 0)
            rows.add([*nmine, LW], [-1.0] * len(nmine) + [1.0], -np.inf, 0)
            rows.add([*allm, HT], [1.0] * len(allm) + [-1.0], -np.inf, 0)
            rows.add([*allm, LT], [-1.0] * len(allm) + [1.0], -np.inf, 0)

    cost, prev = _costs(pool, config, people, slots, pi, sj, nv)
    if soft:
        cost[HC], cost[LC] = config.w_fair_total, -config.w_fair_total
        cost[HW], cost[LW] = config.w_fair_week, -config.w_fair_week
        cost[HT], cost[LT] = config.w_shift_week, -config.w_shift_week
    integrality = np.ones(nv)
    ub = np.full(nv, np.inf)
    ub[:nx] = 1
    A = coo_matrix((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.lo), nv)).tocsr()
    res = milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(nv), ub),
        constraints=LinearConstraint(A, np.array(rows.lo), np.array(rows.hi)),
        options={"time_limit": config.time_limit_s, "disp": False, "mip_rel_gap": 0.0},
    )
    return res, pi, sj, prev


@dataclass
class _Rows:
    """The MILP's constraint rows, gathered as COO triplets with their bounds."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    def add(self, cs: Sequence[int], vs: Sequence[float], lb: float, ub: float) -> None:
        """Append the row ``lb <= sum(vs * x[cs]) <= ub``."""
        r = len(self.lo)
        self.rows.extend([r] * len(cs))
        self.cols.extend(cs)
        self.vals.extend(vs)
        self.lo.append(lb)
        self.hi.append(ub)


def _person_rows(
    rows: _Rows,
    var: np.ndarray,
    windows: list[list[int]],
    night: np.ndarray,
    fixed: tuple[np.ndarray, np.ndarray] | None,
    config: RosterConfig,
) -> bool:
    """Each person's rest windows and shift caps (or fixed counts); False when infeasible."""
    for i in range(var.shape[0]):
        row = var[i]
        for w in windows:
            cs = [int(row[h]) for h in w if row[h] >= 0]
            if len(cs) >= 2:
                rows.add(cs, [1.0] * len(cs), -np.inf, 1)
        mine = row[row >= 0].tolist()
        nmine = row[(row >= 0) & night].tolist()
        if fixed is not None:
            t, n = int(fixed[0][i]), int(fixed[1][i])
            if len(mine) < t or len(nmine) < n:
                return False
            rows.add(mine, [1.0] * len(mine), t, t)
            rows.add(nmine, [1.0] * len(nmine), n, n)
            continue
        if len(mine) > config.max_shifts:
            rows.add(mine, [1.0] * len(mine), -np.inf, config.max_shifts)
        if len(nmine) > config.max_night_shifts:
            rows.add(nmine, [1.0] * len(nmine), -np.inf, config.max_night_shifts)
    return True


def _costs(
    pool: Pool,
    config: RosterConfig,
    people: list[Person],
    slots: list[Slot],
    pi: np.ndarray,
    sj: np.ndarray,
    nv: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Assignment costs (keep last week's pattern, seeded tie-break) and the pattern flags."""
    nx = len(pi)
    cost = np.zeros(nv)
    prev = (
        np.array(
            [
                1.0 if (people[i].id, slots[j].day, slots[j].shift) in pool.pattern else 0.0
                for i, j in zip(pi, sj, strict=True)
            ]
        )
        if nx
        else np.zeros(0)
    )
    cost[:nx] = config.w_change * (1.0 - 2.0 * prev)
    # a tiny seeded perturbation makes the optimum unique, so that the roster does not
    # depend on which of several equal optima HiGHS meets first (its search is not
    # reproducible between calls); its total stays below one changed assignment
    demand = max(1, sum(s.demand for s in slots))
    rng = np.random.default_rng(seed_for(config.salt, "pool", pool.name))
    cost[:nx] += rng.uniform(0.01, 0.5, size=nx) * min(config.w_change, 1.0) / demand
    return cost, prev


def _result(
    pool: Pool,
    monday: date,
    config: RosterConfig,
    avail: np.ndarray,
    res: object,
    pi: np.ndarray,
    sj: np.ndarray,
    prev: np.ndarray,
    seconds: float,
    mode: str,
) -> PoolResult:
    people, slots = list(pool.people), list(pool.slots)
    nx = len(pi)
    x_all = getattr(res, "x", None)
    status_code = int(getattr(res, "status", 4))
    if x_all is None:
        need = sum(s.demand for s in slots)
        if status_code == 1:
            raise RosterInfeasibleError(
                f"{pool.label}: no roster found within {config.time_limit_s:g} s (raise time_limit_s)",
                pool=pool.name,
            )
        raise RosterInfeasibleError(
            f"{pool.label} needs {need} person-shifts this week from {len(people)} people, and no roster "
            f"meets the rest ({config.rest_hours:g} h), max_shifts ({config.max_shifts}), "
            f"max_night_shifts ({config.max_night_shifts}) and leave rules together",
            pool=pool.name,
        )
    night = np.array([s.night for s in slots], dtype=bool)
    x = np.round(x_all[:nx]).astype(bool)
    assigned: dict[str, list[str]] = {s.key: [] for s in slots}
    for k in np.flatnonzero(x):
        assigned[slots[sj[k]].key].append(people[pi[k]].id)
    nights_w = np.zeros(len(people), dtype=int)
    duties = np.zeros(len(people), dtype=int)
    np.add.at(nights_w, pi[x], night[sj[x]].astype(int))
    np.add.at(duties, pi[x], 1)
    cum = np.array([pool.cum_nights.get(p.id, 0) for p in people], dtype=int) + nights_w
    comp = np.array([i for i, p in enumerate(people) if not _week_leave(p, monday)], dtype=int)

    def span(v: np.ndarray) -> list[int]:
        return [int(v[comp].min()), int(v[comp].max())] if len(comp) else [0, 0]

    changes = int(x.sum() - 2 * (x * (prev > 0)).sum() + int(prev.sum())) if nx else 0
    fairness = {
        "comparable": len(comp),
        "night_week": span(nights_w),
        "night_total": span(cum),
        "duties_week": span(duties),
    }
    status = {0: "optimal", 1: "time_limit"}.get(status_code, f"status_{status_code}")
    log.info("%s: %s (%s) in %.2f s (%d vars)", pool.label, status, mode, seconds, nx)
    return PoolResult(pool.name, pool.label, assigned, status, seconds, nx, fairness, changes, mode)

"""Read CARPLIB ``.dat`` instances and the benchmark ``reference.csv``.

CARPLIB numbers nodes from 1; an :class:`ArcInstance` numbers them from 0, so
file node ``i`` becomes node ``i - 1`` (and ``DEPOSITO : 1`` becomes depot 0).

The CARP files of vidalt/HGS-CARP ``Instances/CARP`` (gdb, val, kshs, Eglese
``egl-*`` incl. the large ``egl-g*``, Beullens ``C/D/E/F``) are in this format
(with or without leading spaces). Its ``Instances/MM-kWRPP`` files (windy: two
costs per edge, ``( u, v) coste c_uv c_vu``, no ``DEPOSITO``) are refused: an
:class:`ArcInstance` has one cost per undirected edge, so reading them would
silently drop one direction's cost. The edge counts read must equal the
header's ``ARISTAS_REQ``/``ARISTAS_NOREQ`` where the header gives them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from borderwatch.errors import RoutingError
from borderwatch.routing.instance import ArcInstance

__all__ = [
    "CarplibFile",
    "ReferenceRow",
    "graph_name",
    "parse_carplib",
    "read_carplib",
    "read_reference",
    "to_instance",
]

Problem = Literal["mmkcpp", "mmkrpp"]

_HEADER = re.compile(r"^[ \t]*([A-Z_]+)[ \t]*:[ \t]*(.*?)[ \t\r]*$", re.MULTILINE)
_EDGE = re.compile(
    r"\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*coste\s+([-+0-9.eE]+)(?:\s+demanda\s+([-+0-9.eE]+))?",
    re.IGNORECASE,
)
_NOREQ = re.compile(r"LISTA_ARISTAS_NOREQ\s*:", re.IGNORECASE)
_REQ = re.compile(r"LISTA_ARISTAS_REQ\s*:", re.IGNORECASE)
_DEPOT = re.compile(r"DEPOSITO\s*:\s*(\d+)", re.IGNORECASE)
_WINDY = re.compile(r"\)\s*coste\s+[-+0-9.eE]+[ \t]+[-+0-9.]", re.IGNORECASE)


def _declared(header: dict[str, str], key: str) -> int | None:
    try:
        return int(header[key].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


@dataclass(frozen=True, eq=False)
class CarplibFile:
    """The content of one CARPLIB file (nodes 0-based).

    Attributes
    ----------
    name
        ``NOMBRE`` (or the file stem).
    n_nodes
        ``VERTICES``.
    u, v, cost, demand
        Edge arrays; non-required edges have demand 0.
    required
        ``True`` for edges listed under ``LISTA_ARISTAS_REQ``.
    depot
        ``DEPOSITO`` minus one.
    vehicles
        ``VEHICULOS`` (0 if absent).
    capacity
        ``CAPACIDAD`` (0 if absent).
    """

    name: str
    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    cost: np.ndarray
    demand: np.ndarray
    required: np.ndarray
    depot: int
    vehicles: int
    capacity: float


def parse_carplib(text: str, *, source: str = "<text>") -> CarplibFile:
    """Parse the text of a CARPLIB ``.dat`` file.

    Parameters
    ----------
    text
        File content.
    source
        Name used in error messages.

    Returns
    -------
    CarplibFile
        The parsed file.

    Raises
    ------
    RoutingError
        When a mandatory field is missing or an edge refers to a node outside
        ``1 .. VERTICES``.
    """
    if _WINDY.search(text):
        raise RoutingError(
            f"{source}: an edge has two costs (a windy MM-kWRPP file); "
            "only undirected CARPLIB files with one cost per edge are supported"
        )
    header = {k.upper(): v for k, v in _HEADER.findall(text)}
    try:
        n_nodes = int(header["VERTICES"].split()[0])
    except (KeyError, ValueError, IndexError):
        raise RoutingError(f"{source}: field 'VERTICES' is missing or not an integer") from None
    m_req = _REQ.search(text)
    if m_req is None:
        raise RoutingError(f"{source}: section 'LISTA_ARISTAS_REQ' is missing")
    m_noreq = _NOREQ.search(text)
    m_dep = _DEPOT.search(text)
    if m_dep is None:
        raise RoutingError(f"{source}: field 'DEPOSITO' is missing")
    req_end = m_noreq.start() if m_noreq else m_dep.start()
    blocks = [(text[m_req.end() : req_end], True)]
    if m_noreq:
        blocks.append((text[m_noreq.end() : m_dep.start()], False))
    u, v, c, d, r = [], [], [], [], []
    for block, is_req in blocks:
        for a, b, cost, dem in _EDGE.findall(block):
            u.append(int(a) - 1)
            v.append(int(b) - 1)
            c.append(float(cost))
            d.append(float(dem) if dem else 0.0)
            r.append(is_req)
    for key, got in (("ARISTAS_REQ", sum(r)), ("ARISTAS_NOREQ", len(r) - sum(r))):
        want = _declared(header, key)
        if want is not None and want != got:
            raise RoutingError(f"{source}: '{key}' says {want} edges, {got} read")
    uu, vv = np.array(u, dtype=np.int64), np.array(v, dtype=np.int64)
    if len(uu) and (min(uu.min(), vv.min()) < 0 or max(uu.max(), vv.max()) >= n_nodes):
        raise RoutingError(f"{source}: an edge refers to a node outside 1..{n_nodes}")
    depot = int(m_dep.group(1)) - 1
    if not 0 <= depot < n_nodes:
        raise RoutingError(f"{source}: field 'DEPOSITO' value {depot + 1} is outside 1..{n_nodes}")

    def _num(key: str) -> float:
        try:
            return float(header.get(key, "0").split()[0])
        except (ValueError, IndexError):
            return 0.0

    return CarplibFile(
        name=header.get("NOMBRE", source).strip() or source,
        n_nodes=n_nodes,
        u=uu,
        v=vv,
        cost=np.array(c, dtype=np.float64),
        demand=np.array(d, dtype=np.float64),
        required=np.array(r, dtype=bool),
        depot=depot,
        vehicles=int(_num("VEHICULOS")),
        capacity=_num("CAPACIDAD"),
    )


def to_instance(
    data: CarplibFile,
    *,
    problem: Problem = "mmkcpp",
    k: int = 1,
    depots: list[int] | np.ndarray | None = None,
) -> ArcInstance:
    """Turn a parsed file into a k-team :class:`ArcInstance`.

    Parameters
    ----------
    data
        The parsed file.
    problem
        ``"mmkcpp"``: every edge required; ``"mmkrpp"``: the file's required
        edges, the others deadhead only.
    k
        Number of teams (ignored when ``depots`` is given).
    depots
        0-based base node per team; by default ``k`` teams at ``DEPOSITO``.

    Returns
    -------
    ArcInstance
        One profile (the file's costs); all teams share it.
    """
    if problem not in ("mmkcpp", "mmkrpp"):
        raise RoutingError(f"problem must be 'mmkcpp' or 'mmkrpp', got {problem!r}")
    if depots is None:
        if k < 1:
            raise RoutingError(f"k must be >= 1, got {k}")
        depots = [data.depot] * k
    required = np.ones(len(data.u), dtype=bool) if problem == "mmkcpp" else data.required
    return ArcInstance(
        n_nodes=data.n_nodes,
        u=data.u,
        v=data.v,
        cost=data.cost[None, :],
        required=required,
        depots=np.asarray(depots, dtype=np.int64),
        name=data.name,
    )


def read_carplib(
    path: str | Path,
    *,
    problem: Problem = "mmkcpp",
    k: int = 1,
    depots: list[int] | np.ndarray | None = None,
) -> ArcInstance:
    """Read a CARPLIB ``.dat`` file as a k-team :class:`ArcInstance`.

    See :func:`parse_carplib` and :func:`to_instance` for the parameters.
    """
    path = Path(path)
    return to_instance(
        parse_carplib(path.read_text(encoding="latin-1"), source=str(path)),
        problem=problem,
        k=k,
        depots=depots,
    )


def graph_name(stem: str) -> str:
    """Name of the graph of a CARPLIB file: the stem without a capacity letter.

    Examples
    --------
    >>> graph_name("val1A"), graph_name("egl-e1-A"), graph_name("gdb12")
    ('val1', 'egl-e1', 'gdb12')
    """
    return re.sub(r"(?:-[A-Za-z]|(?<=\d)[A-Za-z])$", "", stem.strip())


@dataclass(frozen=True)
class ReferenceRow:
    """One row of ``reference.csv``."""

    problem: str
    instance: str
    k: int
    best_known: float
    lower_bound: float
    note: str = ""


def read_reference(path: str | Path) -> dict[tuple[str, str, int], ReferenceRow]:
    """Read ``reference.csv`` keyed by ``(problem, instance, k)``.

    Parameters
    ----------
    path
        The CSV with columns ``problem, instance, k, best_known, lower_bound, note``.

    Returns
    -------
    dict
        Rows keyed by ``(problem, instance, k)``; ``problem`` is kept as in the
        file (e.g. ``"MMkCPP"``).
    """
    path = Path(path)
    out: dict[tuple[str, str, int], ReferenceRow] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            try:
                rec = ReferenceRow(
                    problem=row["problem"].strip(),
                    instance=row["instance"].strip(),
                    k=int(row["k"]),
                    best_known=float(row["best_known"]),
                    lower_bound=float(row["lower_bound"]),
                    note=(row.get("note") or "").strip(),
                )
            except (KeyError, ValueError, TypeError) as exc:
                raise RoutingError(f"{path}: line {i}: bad reference row ({exc})") from None
            out[(rec.problem, rec.instance, rec.k)] = rec
    return out

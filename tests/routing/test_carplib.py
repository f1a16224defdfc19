"""CARPLIB parser, reference file and graph names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.carplib import (
    graph_name,
    parse_carplib,
    read_carplib,
    read_reference,
)
from borderwatch.errors import RoutingError
from borderwatch.routing.bounds import lower_bound
from tests.helpers import carplib_path

TINY = """ NOMBRE : tiny1A
 COMENTARIO : 10 (cota superior)
 VERTICES :  4
 ARISTAS_REQ :   2
 ARISTAS_NOREQ :    2
 VEHICULOS :  2
 CAPACIDAD :   5
 TIPO_COSTES_ARISTAS : EXPLICITOS
 COSTE_TOTAL_REQ :   5
 LISTA_ARISTAS_REQ :
 (  1,  2)   coste     2   demanda     1
 ( 2,3)  coste 3 demanda 4
 LISTA_ARISTAS_NOREQ :
 ( 3, 4)  coste 1
 (  4,   1)   coste    7
 DEPOSITO :   1
"""


def test_parse_tiny_text() -> None:
    data = parse_carplib(TINY)
    assert data.name == "tiny1A"
    assert data.n_nodes == 4
    assert data.u.tolist() == [0, 1, 2, 3]
    assert data.v.tolist() == [1, 2, 3, 0]
    assert data.cost.tolist() == [2, 3, 1, 7]
    assert data.demand.tolist() == [1, 4, 0, 0]
    assert data.required.tolist() == [True, True, False, False]
    assert data.depot == 0
    assert data.vehicles == 2 and data.capacity == 5


def test_read_file_as_mmkcpp_and_mmkrpp(tmp_path: Path) -> None:
    path = tmp_path / "tiny1A.dat"
    path.write_text(TINY, encoding="latin-1")
    cpp = read_carplib(path, problem="mmkcpp", k=3)
    assert cpp.required.all() and cpp.depots.tolist() == [0, 0, 0]
    rpp = read_carplib(path, problem="mmkrpp", k=2)
    assert rpp.required.tolist() == [True, True, False, False]
    multi = read_carplib(path, problem="mmkrpp", depots=[0, 2])
    assert multi.depots.tolist() == [0, 2]
    with pytest.raises(RoutingError, match="problem must be"):
        read_carplib(path, problem="carp")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (TINY.replace("VERTICES :  4", "VERTICES : x"), "VERTICES"),
        (TINY.replace(" DEPOSITO :   1\n", ""), "DEPOSITO"),
        (TINY.replace("( 3, 4)", "( 3, 9)"), "outside 1..4"),
        (TINY.replace("LISTA_ARISTAS_REQ", "LISTA"), "LISTA_ARISTAS_REQ"),
        (TINY.replace(" ( 2,3)  coste 3 demanda 4\n", ""), "'ARISTAS_REQ' says 2 edges, 1 read"),
        (TINY.replace("ARISTAS_NOREQ :    2", "ARISTAS_NOREQ : 3"), "'ARISTAS_NOREQ' says 3"),
        (TINY.replace("( 3, 4)  coste 1", "( 3, 4)  coste 1  5"), "two costs"),
    ],
)
def test_bad_files(text: str, match: str) -> None:
    with pytest.raises(RoutingError, match=match):
        parse_carplib(text, source="bad.dat")


@pytest.mark.parametrize(
    ("stem", "graph"),
    [("val1A", "val1"), ("val10D", "val10"), ("egl-e1-A", "egl-e1"), ("gdb12", "gdb12")],
)
def test_graph_name(stem: str, graph: str) -> None:
    assert graph_name(stem) == graph


def test_read_reference(tmp_path: Path) -> None:
    path = tmp_path / "reference.csv"
    path.write_text(
        'problem,instance,k,best_known,lower_bound,note\nMMkCPP,gdb1,2,147,147,"a, quoted note"\n'
    )
    ref = read_reference(path)
    row = ref[("MMkCPP", "gdb1", 2)]
    assert row.best_known == 147 and row.lower_bound == 147 and row.note == "a, quoted note"
    path.write_text("problem,instance,k,best_known,lower_bound,note\nMMkCPP,gdb1,x,1,1,\n")
    with pytest.raises(RoutingError, match="line 2"):
        read_reference(path)


def test_gdb1_and_reference_bounds() -> None:
    inst = read_carplib(carplib_path("gdb1.dat"), k=2)
    assert inst.n_nodes == 12 and inst.n_edges == 22
    assert np.asarray(inst.cost).sum() == 252
    ref = read_reference(carplib_path("reference.csv"))
    for k in (2, 3, 4, 5, 7, 10):
        inst = read_carplib(carplib_path("gdb1.dat"), k=k)
        assert lower_bound(inst) == ref[("MMkCPP", "gdb1", k)].lower_bound


# The head of HGS-CARP's Instances/CARP/egl-g1-A.dat layout (no leading spaces, UB/LB
# comment) and of its Instances/MM-kWRPP/P0115 (windy, no DEPOSITO), edges cut down.
EGL_LIKE = """NOMBRE : egl-g1-A
COMENTARIO : UB=1025765, LB=970495
VERTICES : 3
ARISTAS_REQ : 2
ARISTAS_NOREQ : 1
VEHICULOS : 20
CAPACIDAD : 28600
TIPO_COSTES_ARISTAS : EXPLICITOS
COSTE_TOTAL_REQ : 2416
LISTA_ARISTAS_REQ :
( 1, 2)   coste 1860   demanda 1860
( 2, 3)   coste 556   demanda 556
LISTA_ARISTAS_NOREQ :
( 3, 1)   coste 90
DEPOSITO :   1
"""
WINDY = """ NOMBRE :P011*
 COMENTARIO :
 VERTICES : 3
 ARISTAS_REQ :  1
 ARISTAS_NOREQ :  1
 LISTA_ARISTAS_REQ :
 (  1,  2)   coste    4     5
 LISTA_ARISTAS_NOREQ :
 (  2,  3)   coste   12     8
"""


def test_hgs_carp_egl_layout_and_windy_refused() -> None:
    data = parse_carplib(EGL_LIKE, source="egl-g1-A.dat")
    assert data.name == "egl-g1-A" and data.n_nodes == 3 and data.depot == 0
    assert data.cost.tolist() == [1860, 556, 90]
    assert data.required.tolist() == [True, True, False]
    assert data.vehicles == 20 and data.capacity == 28600
    assert graph_name("egl-g1-E") == "egl-g1" and graph_name("C01") == "C01"
    with pytest.raises(RoutingError, match="two costs"):
        parse_carplib(WINDY, source="P0115")


def test_empty_header_value_does_not_swallow_the_next_field() -> None:
    data = parse_carplib(TINY.replace("10 (cota superior)", ""))
    assert data.n_nodes == 4 and data.vehicles == 2


def test_hgs_wrpp_text_symmetric_costs_and_depot_as_node_1() -> None:
    from benchmarks.hgs_reference import wrpp_text

    cpp = wrpp_text(parse_carplib(TINY), problem="mmkcpp")
    assert " ARISTAS_REQ : 4\n ARISTAS_NOREQ : 0\n" in cpp
    assert " ( 4, 1)   coste 7 7\n" in cpp and "NOREQ :\n" not in cpp
    rpp = wrpp_text(parse_carplib(TINY.replace("DEPOSITO :   1", "DEPOSITO : 3")), problem="mmkrpp")
    # nodes 1 and 3 swap places so that the depot is node 1, the format's convention
    assert " ( 3, 2)   coste 2 2\n ( 2, 1)   coste 3 3\n LISTA_ARISTAS_NOREQ :\n" in rpp
    assert rpp.endswith(" ( 1, 4)   coste 1 1\n ( 4, 3)   coste 7 7\n")


def test_carp_summary_counts_gaps_rows_at_the_reference_and_hgs_rows_apart(
    tmp_path: Path,
) -> None:
    from benchmarks.carp_summary import summarise
    from benchmarks.carplib import read_reference

    ref_csv = tmp_path / "ref.csv"
    ref_csv.write_text(
        "problem,instance,k,best_known,lower_bound,note\n"
        "MMkCPP,g1,2,100,90,our run of HGS-CARP\n"
        "MMkCPP,g1,5,50,50,optimal: our solve_minmax reaches the lower bound; HGS-CARP not run\n"
        "MMkCPP,g2,2,200,150,our run of HGS-CARP\n"
    )
    rows = [
        {"instance": "g1", "k": "2", "ours": "101", "ours_population": "100"},
        {"instance": "g1", "k": "5", "ours": "50", "ours_population": "50"},
        {"instance": "g2", "k": "2", "ours": "200", "ours_population": "196"},
        {"instance": "g3", "k": "2", "ours": "7", "ours_population": "7"},
    ]
    lines = summarise(rows, read_reference(ref_csv), "MMkCPP")
    assert len(lines) == 4
    mm_all, mm_hgs, pop_all, pop_hgs = lines
    assert "minmax" in mm_all and "mean gap 0.33 %, max 1.00 %, 2 / 3" in mm_all
    assert "(1 rows without a reference)" in mm_all
    assert "rows with a HGS-CARP value" in mm_hgs and "mean gap 0.50 %, max 1.00 %, 1 / 2" in mm_hgs
    assert "population" in pop_all and "mean gap -0.67 %, max 0.00 %, 3 / 3" in pop_all
    assert "mean gap -1.00 %, max 0.00 %, 2 / 2" in pop_hgs

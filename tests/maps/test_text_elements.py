"""The map's rendered pieces are not compiled again as templates: the same HTML as branca's way."""

from __future__ import annotations

import branca.element as branca
import folium
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.data import build_network, load_scenario
from borderwatch.maps import plan_map
from borderwatch.maps._text_elements import _ELEMENT, _RenderedText, rendered_text_elements
from borderwatch.maps.builder import _stable_ids
from tests.maps.hostile import FORCED_GAPS, write_hostile_toy
from tests.maps.synthetic import synthetic_inputs


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    net = build_network(load_scenario(write_hostile_toy(tmp_path_factory.mktemp("maps") / "toy")))
    return net, synthetic_inputs(net, force_gaps=FORCED_GAPS)


def _plan_html(toy: tuple, *, plain: bool) -> str:
    net, inp = toy
    m = plan_map(net, inp["routes"], inp["required_edges"], inp["units_status"], gaps=inp["gaps"])
    if not plain:
        return str(m.get_root().render())  # branca's own way: every piece compiled again
    with rendered_text_elements():
        return str(m.get_root().render())


def test_a_plan_map_is_the_same_html_either_way(toy: tuple) -> None:
    compiled = _plan_html(toy, plain=False)
    assert _plan_html(toy, plain=True) == compiled
    assert branca.Element is _ELEMENT  # the name restored after the block


class _Macro(branca.MacroElement):
    """A script macro whose output is itself a template: branca renders it twice."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}var x = \"{{ '{{ 40 + 2 }}' }}\";\r\n{% endmacro %}\n"
    )


def _macro_html(plain: bool) -> str:
    m = folium.Map(tiles=None)
    _Macro().add_to(m)
    _stable_ids(m)  # folium's ids are random
    if not plain:
        return str(m.get_root().render())
    with rendered_text_elements():
        return str(m.get_root().render())


def test_rendered_text_with_jinja_syntax_is_still_a_template() -> None:
    compiled = _macro_html(plain=False)
    assert 'var x = "42";' in compiled  # branca's second pass ran the text's expression
    assert _macro_html(plain=True) == compiled


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab{}%#-\n\r \t"), max_size=12))
def test_a_text_renders_as_branca_renders_it(text: str) -> None:
    try:
        want = _ELEMENT(text).render()
    except jinja2.TemplateError:  # no template: the same error either way
        with pytest.raises(jinja2.TemplateError):
            _RenderedText(text).render()
        return
    assert _RenderedText(text).render() == want

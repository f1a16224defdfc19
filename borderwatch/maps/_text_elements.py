"""Rendering a folium map without compiling its rendered pieces again as jinja templates.

branca's ``MacroElement.render`` puts the output of each element's ``header``, ``html``
and ``script`` macros into a new ``Element(text)`` of the figure, and ``Element``
compiles ``text`` as a jinja template, to render it once more when the figure renders.
On Ningming's plan map that is 230 compilations of already rendered text (GeoJSON,
scripts), about two thirds of the render (benchmarks/results/plan_ningming.md). Text
without jinja syntax renders to itself, less one trailing newline (jinja's
``keep_trailing_newline`` default), so :class:`_RenderedText` returns it as that
without compiling; text with ``{{``, ``{%``, ``{#`` or a carriage return (jinja turns
those into newlines) is compiled as before. The HTML is the same bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import branca.element as _branca

__all__ = ["rendered_text_elements"]

#: branca's own Element class (the module's name is swapped inside the block below)
_ELEMENT = _branca.Element

#: what makes a text more than text to jinja
_JINJA = ("{{", "{%", "{#", "\r")

_lock = threading.RLock()


class _RenderedText(_ELEMENT):  # type: ignore[misc]
    """branca's ``Element``, its syntax-free text rendered as jinja would, without compiling it."""

    def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
        plain = template is not None and not any(s in template for s in _JINJA)
        super().__init__(None if plain else template, template_name)
        self._text: str | None = None
        if plain:
            assert template is not None
            self._template_str = template  # as branca keeps it (pickling compiles it then)
            self._text = template[:-1] if template.endswith("\n") else template

    def render(self, **kwargs: Any) -> str:
        if self._text is not None:
            return self._text
        return str(super().render(**kwargs))


@contextmanager
def rendered_text_elements() -> Iterator[None]:
    """Inside the block, the elements branca makes of rendered text are not compiled again.

    ``MacroElement.render`` looks ``Element`` up in :mod:`branca.element`, where the
    block puts :class:`_RenderedText` (a subclass: nothing else changes). One block at
    a time in the process (a lock), so that another thread's render never sees the
    name restored under it.
    """
    with _lock:
        before = _branca.Element
        _branca.Element = _RenderedText  # type: ignore[misc]
        try:
            yield
        finally:
            _branca.Element = before  # type: ignore[misc]

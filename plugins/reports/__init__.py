"""The built-in report formats (json, text, markdown, html), each an ordinary plugin registered
through the ``kpi_advisor`` entry points, and the helpers a third-party report format may use:

* ``ReportView(report, options)``: translated labels and locale-formatted numbers;
* ``build_funnels(report, catalog)``: each scope's funnel and its leaking steps (``Funnel``, ``Step``).

The helpers are imported on first use, and a format's layout when it renders a report
(:func:`laid_out`): a run registers every format and renders one.
"""

from __future__ import annotations

from typing import Any

_HELPERS = {"ReportView": ".view", "build_funnels": ".funnel", "Funnel": ".funnel", "Step": ".funnel"}

__all__ = sorted(_HELPERS)


def __getattr__(name: str) -> Any:
    if name not in _HELPERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_HELPERS[name], __name__), name)


def laid_out(module: str, function: str) -> Any:
    """A report format's ``render``: ``function`` of ``module`` (relative to this package), imported
    on the first report it renders. A JSON run then imports none of the other formats' layouts,
    funnels and terminal tables (~8 ms of every run's start)."""

    def render(report: Any, options: Any = None) -> str:
        from importlib import import_module

        return getattr(import_module(module, __name__), function)(report, options)

    render.__name__ = render.__qualname__ = function
    return render

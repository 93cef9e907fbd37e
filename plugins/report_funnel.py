"""Kept for one release: use :mod:`kpi_advisor.plugins.reports` (``build_funnels``)."""

from .reports.funnel import Funnel, Step, build_funnels

__all__ = ["Funnel", "Step", "build_funnels"]

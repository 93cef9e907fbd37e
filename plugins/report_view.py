"""Kept for one release: use :mod:`kpi_advisor.plugins.reports` (``ReportView``)."""

from .reports.view import ReportView

__all__ = ["ReportView"]

"""Kept for one release: plugin authors were told ``from kpi_advisor.catalog import get_catalog``.
The catalogue now lives in :mod:`kpi_advisor.loading.catalog`."""

from .loading.catalog import Catalog, clear_caches, get_catalog

__all__ = ["Catalog", "clear_caches", "get_catalog"]

"""Adapters for real exports: each maps one platform's headers and quirks to
canonical columns (see docs/data-formats.md). `formats.py` registers them."""

from __future__ import annotations

from dataclasses import dataclass

from . import ga4, google_ads, kaggle_fb_ads, linkedin_ads, meta_ads, tiktok_ads
from .reading import Layout


@dataclass(frozen=True)
class Adapter:
    """A platform's export format, read by its layout."""

    layout: Layout

    def read(self, path, options):
        from .reading import read_export

        return read_export(self.layout, path, options)

    def data_format(self):
        from kpi_advisor import DataFormat

        return DataFormat(name=self.layout.name, read=self.read, description=self.layout.description, suffixes=(".csv", ".parquet", ".xlsx", ".xlsm"),
                          segments=self.layout.segments, channels=self.layout.channels)


ADAPTERS = tuple(Adapter(module.LAYOUT) for module in (meta_ads, google_ads, ga4, linkedin_ads, tiktok_ads, kaggle_fb_ads))

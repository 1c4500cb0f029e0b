"""The tables of a raw-materials dataset (what the readers return and the store keeps)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: the tables of a dataset and their columns, in order
COLUMNS: dict[str, tuple[str, ...]] = {
    "production": ("commodity", "iso3", "year", "unit", "production", "production_t", "data_source"),
    "world_totals": ("commodity", "year", "unit", "production"),
    "trade": ("year", "exporter", "importer", "product", "value", "quantity"),
    "commodity_hs": ("commodity", "product"),
    "commodities": ("commodity", "category", "stage", "symbol", "eol_rir"),
    "instability": ("iso3", "year", "estimate", "instability"),
}

#: metric tonnes per unit of World Mining Data's units; a volume (``Mio m3``) has none
TONNES_PER_UNIT: dict[str, float] = {"metr. t": 1.0, "kg": 1e-3, "ct": 2e-7}


@dataclass
class MaterialsData:
    """World production, bilateral trade, the commodity-to-HS map and political stability.

    Tables and columns are :data:`COLUMNS`: ``production`` (country rows only, original unit and
    tonnes), ``world_totals`` (the source's world "Total" rows, sums kept for checking),
    ``trade`` (BACI: year, exporter and importer ISO3, 6-digit HS92 product, value in thousand
    USD, quantity in tonnes or NaN), ``commodity_hs`` (one row per commodity and HS code),
    ``commodities`` (category, stage, symbol, end-of-life recycling input rate) and
    ``instability`` (WGI political stability estimate and its 0-1 rescaling, 1 least stable).
    ``notes`` holds what the reader reports (missing quantities, unmatched codes).
    """

    production: pd.DataFrame
    world_totals: pd.DataFrame
    trade: pd.DataFrame
    commodity_hs: pd.DataFrame
    commodities: pd.DataFrame
    instability: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The six tables by name (:data:`COLUMNS` order)."""
        return {name: getattr(self, name) for name in COLUMNS}

"""Trade-flow dependency (pure core over flow tables): indicators, screens, embargoes."""

from chokepoint.trade.indicators import (
    dependency_screen,
    embargo,
    embargo_sweep,
    exporter_leverage,
    importer_indicators,
    trade_indicators,
    world_concentration,
)

__all__ = [
    "dependency_screen",
    "embargo",
    "embargo_sweep",
    "exporter_leverage",
    "importer_indicators",
    "trade_indicators",
    "world_concentration",
]

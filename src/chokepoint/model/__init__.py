"""The pure domain model: chain maps, their schema, validation and index."""

from chokepoint.model.chain import ChainIndex, ChainMap
from chokepoint.model.tables import RawTable
from chokepoint.model.validate import ImportReport, chain_from_tables

__all__ = ["ChainIndex", "ChainMap", "ImportReport", "RawTable", "chain_from_tables"]

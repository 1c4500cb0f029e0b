"""Readers and writers at the edge: CSV folders, Excel workbooks, JSON, source adapters."""

from chokepoint.io.chains import read_chain
from chokepoint.io.writers import write_chain

__all__ = ["read_chain", "write_chain"]

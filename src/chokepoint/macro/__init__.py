"""Macro view (pure core): input-output systems, Leontief/Ghosh, extraction, inoperability."""

from chokepoint.macro.leontief import IOSystem

__all__ = ["IOSystem"]

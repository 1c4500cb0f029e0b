"""The web UI: static pages served by the API app (no build step, no external requests)."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"

__all__ = ["STATIC"]

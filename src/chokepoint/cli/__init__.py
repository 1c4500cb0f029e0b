"""The ``chokepoint`` command line: a thin Typer layer over the library.

Commands live in one module per capability (``core``, ``scenario``,
``monitoring``, ``macro``, ``trade``, ``matching``); importing this package
registers them all on :data:`app`.
"""

from __future__ import annotations

from chokepoint.cli import (  # noqa: F401  (registers commands)
    assessment,
    audit,
    consortium,
    core,
    experts,
    macro,
    matching,
    materials,
    monitoring,
    network,
    projects,
    regions,
    roadmap,
    scenario,
    trade,
)
from chokepoint.cli.base import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()

"""Bundled demo data.

``load_semiconductors()`` returns the ETO Advanced Semiconductor Supply Chain
Dataset (Emerging Technology Observatory, CSET, Georgetown University;
CC BY-NC 4.0; the attribution travels in ``chain.meta["attribution"]`` and is
shown wherever the data is shown or exported).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from chokepoint.model.chain import ChainMap
from chokepoint.model.validate import ImportReport


def eto_folder() -> Path:
    """Folder of the bundled ETO CSV files (with SOURCE.txt and LICENSE.md)."""
    return Path(str(resources.files("chokepoint.datasets") / "data" / "eto"))


@lru_cache(maxsize=1)
def load_semiconductors_report() -> ImportReport:
    """Load the bundled ETO chain with its import report (warnings, merged alias rows), once."""
    from chokepoint.io.eto import read_eto

    return read_eto(eto_folder())


def load_semiconductors() -> ChainMap:
    """Return the ETO advanced semiconductor supply chain as a :class:`ChainMap`.

    126 nodes plus 3 stages, 396 actors (23 countries or regions, 373
    organizations), 1,300 provisions (246 with unknown share), 53 ``input_of``
    and 86 ``type_of`` edges.

    Examples
    --------
    >>> chain = load_semiconductors()
    >>> chain.summary()["provisions"]
    1300
    """
    return load_semiconductors_report().chain

"""Parity cases: input-output datasets (pymrio's test system) and trade flows (FAOSTAT wheat)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from parity import Case

DATA = Path(__file__).resolve().parents[1] / "data"
SHOCK = {"demand": {"reg1/food": 0.1}, "caps": {"reg2/mining": 0.5}}
SHOCK_YAML = "demand:\n  reg1/food: 0.1\ncaps:\n  reg2/mining: 0.5\n"


def _rounded(value: Any) -> Any:
    """Floats to 9 significant digits: duckdb's parallel sums may differ in the last bits run to run."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


class Close(float):
    """A float equal to another within 1e-9 (relative): duckdb's parallel sums vary in the last bits."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and math.isclose(self, other, rel_tol=1e-9, abs_tol=1e-12)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = float.__hash__


def _close(value: Any) -> Any:
    """Floats as :class:`Close`, recursively (so rounding at a digit boundary cannot differ)."""
    if isinstance(value, float):
        return Close(value)
    if isinstance(value, list):
        return [_close(v) for v in value]
    if isinstance(value, dict):
        return {k: _close(v) for k, v in value.items()}
    return value


def setup(env: dict[str, Any]) -> None:
    """IO datasets ``mrio`` (pymrio's test system) and ``dom`` (tests/data/io_domestic), trade dataset ``trade`` (FAOSTAT wheat 2019-2021)
    and the shock file ``shock.yaml`` in the folder (its path replaces ``{folder}`` in the cases)."""
    from chokepoint.service import macro, trade

    macro.load_dataset(env["store"], "mrio", test=True)
    macro.load_dataset(env["store"], "dom", DATA / "io_domestic")
    from chokepoint.service import materials

    materials.load_dataset(env["store"], "rm", DATA / "materials")
    trade.load_dataset(env["store"], "trade", DATA / "fao", "fao", crops="wheat")
    (env["folder"] / "shock.yaml").write_text(SHOCK_YAML, encoding="utf-8")
    for case in CASES:
        case.cli[:] = [a.replace("{folder}", str(env["folder"])) for a in case.cli]


MACRO = "/api/macro/datasets"
TRADE = "/api/trade/datasets"

CASES = [
    Case("macro list", ["macro", "list"], "GET", MACRO),
    Case(
        "macro linkages top",
        ["macro", "linkages", "-d", "mrio", "--top", "10"],
        "GET",
        f"{MACRO}/mrio/linkages",
        params={"top": 10},
    ),
    Case(
        "macro extract by sector",
        ["macro", "extract", "-d", "mrio", "--by", "sector", "--kind", "backward"],
        "GET",
        f"{MACRO}/mrio/extraction",
        params={"by": "sector", "kind": "backward"},
    ),
    Case(
        "macro extract forward Ghosh keeping the diagonal",
        ["macro", "extract", "-d", "mrio", "--kind", "forward_ghosh", "--keep-diagonal"],
        "GET",
        f"{MACRO}/mrio/extraction",
        params={"kind": "forward_ghosh", "keep_diagonal": "true"},
    ),
    Case(
        "macro extract by region",
        ["macro", "extract", "-d", "mrio", "--by", "region"],
        "GET",
        f"{MACRO}/mrio/extraction",
        params={"by": "region"},
    ),
    Case("macro imports", ["macro", "imports", "-d", "dom"], "GET", f"{MACRO}/dom/imports"),
    Case("materials list", ["materials", "list"], "GET", "/api/materials/datasets"),
    Case(
        "materials risk EU27 eu zh",
        [
            "materials",
            "risk",
            "-d",
            "rm",
            "--home",
            "EU27",
            "--year",
            "2022",
            "--method",
            "eu",
            "--lang",
            "zh",
        ],
        "GET",
        "/api/materials/datasets/rm/risk",
        params={"home": "EU27", "year": 2022, "method": "eu", "lang": "zh"},
        normalize=_close,
    ),
    Case(
        "materials leverage top",
        ["materials", "leverage", "-d", "rm", "--home", "CHN", "--year", "2022", "--top", "10"],
        "GET",
        "/api/materials/datasets/rm/leverage",
        params={"home": "CHN", "year": 2022, "top": 10},
        normalize=_close,
    ),
    Case(
        "macro shock",
        ["macro", "shock", "{folder}/shock.yaml", "-d", "mrio", "--top", "10"],
        "POST",
        f"{MACRO}/mrio/shock",
        params={"top": 10},
        json=SHOCK,
    ),
    Case("trade list", ["trade", "list"], "GET", TRADE),
    Case(
        "trade dependencies",
        [
            "trade",
            "dependencies",
            "-d",
            "trade",
            "--home",
            "EGY",
            "--product",
            "1001",
            "--years",
            "2019-2021",
            "--restricted",
            "RUS,UKR",
        ],
        "GET",
        f"{TRADE}/trade/dependencies",
        params={"home": "EGY", "product": "1001", "years": "2019-2021", "restricted": "RUS,UKR"},
        normalize=_rounded,
    ),
    Case(
        "trade screen",
        ["trade", "screen", "-d", "trade", "--bloc", "EU27", "--years", "2020,2021"],
        "GET",
        f"{TRADE}/trade/screen",
        params={"bloc": "EU27", "years": "2020,2021"},
        normalize=_rounded,
    ),
    Case(
        "trade embargo",
        [
            "trade",
            "embargo",
            "-d",
            "trade",
            "--product",
            "1001",
            "--year",
            "2021",
            "--exporters",
            "RUS,UKR",
            "--spare",
            "0.1",
            "--top",
            "15",
        ],
        "GET",
        f"{TRADE}/trade/embargo",
        params={"product": "1001", "year": 2021, "exporters": "RUS,UKR", "spare": 0.1, "top": 15},
    ),
    Case(
        "trade embargo sweep",
        ["trade", "embargo", "-d", "trade", "--product", "1001", "--year", "2021", "--sweep"],
        "GET",
        f"{TRADE}/trade/embargo",
        params={"product": "1001", "year": 2021, "sweep": True},
    ),
]

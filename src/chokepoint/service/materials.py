"""Raw-materials datasets of the store and what they tell: supply risk, leverage, stages, a chain.

The same calls behind ``chokepoint materials ...`` and ``/api/materials/datasets/...``. Datasets
are store-wide and named; loading one under a taken name replaces it. The indicators are
:mod:`chokepoint.materials.indicators` (formulas and sources there and in docs/materials.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.materials.data import MaterialsData
from chokepoint.materials.explain import commodity_name, explanations
from chokepoint.materials.indicators import eu_governance_table, materials_indicators
from chokepoint.model.countries import expand_codes
from chokepoint.service.assessment import LINKED_TRADE
from chokepoint.store import Store

METHODS = ("geopolrisk", "eu", "all")
#: the score each method ranks by
SORT = {"geopolrisk": "geopolrisk", "eu": "supply_risk_eu", "all": "geopolrisk"}
#: columns of the text table per method (JSON and CSV carry every column)
SHOWN = {
    "geopolrisk": ["name", "hhi_production", "import_reliance", "import_risk", "geopolrisk", "coverage"],
    "eu": [
        "name",
        "hhi_wgi_global",
        "hhi_wgi_sourcing",
        "import_reliance",
        "eol_rir",
        "supply_risk_eu",
        "coverage",
    ],
    "all": [
        "name",
        "hhi_production",
        "import_reliance",
        "geopolrisk",
        "supply_risk_eu",
        "leverage",
        "coverage",
    ],
}


def load_dataset(store: Store, dataset: str, path: Path) -> dict[str, Any]:
    """Read a raw-materials folder and store it as ``dataset`` (whole or not at all).

    Returns
    -------
    dict
        ``dataset``, ``commodities``, ``production_rows``, ``trade_rows``, ``years`` and the
        reader's ``notes`` (missing quantities, corrected codes, commodities without HS code).
    """
    from chokepoint.io.materials_files import read_materials_dir

    data = read_materials_dir(path)
    store.materials.save(dataset, data)
    years = sorted(int(y) for y in data.production["year"].unique())
    return {
        "dataset": dataset,
        "commodities": len(data.commodities),
        "production_rows": len(data.production),
        "trade_rows": len(data.trade),
        "years": f"{years[0]}-{years[-1]}",
        "notes": data.notes,
    }


def datasets(store: Store) -> list[dict[str, Any]]:
    """The raw-materials datasets of the store."""
    return store.materials.list()


def delete_dataset(store: Store, name: str) -> dict[str, str]:
    """Delete a raw-materials dataset (``NotFoundError`` when absent)."""
    store.materials.delete(name)
    return {"deleted": name}


def _home(home: str) -> tuple[str, list[str]]:
    members = expand_codes([c for c in home.split(",") if c.strip()])
    if not members:
        raise UsageError("give a home economy: ISO3 codes (CHN or DEU,FRA) or a group (EU27)")
    return home.upper().replace(" ", ""), list(members)


def _year(data: MaterialsData, year: int | None) -> int:
    years = sorted(int(y) for y in data.production["year"].unique())
    if year is None:
        return years[-1]
    if year not in years:
        raise UsageError(f"no production data for {year}; the dataset has {years[0]}-{years[-1]}")
    return year


def indicators(
    store: Store, dataset: str, home: str, year: int | None = None, lang: str = "en"
) -> pd.DataFrame:
    """Every indicator for every commodity of ``dataset``, for one home economy and year.

    Parameters
    ----------
    home : ISO3 codes separated by commas (one economy) or a group such as ``EU27``.
    year : a production year (default: the latest).
    lang : the language of ``name`` and ``explanation`` (``en`` or ``zh``).
    """
    from chokepoint.datasets.governance import wgi_frame

    data = store.materials.load(dataset)
    y = _year(data, year)
    name, members = _home(home)
    gov = eu_governance_table(wgi_frame("wgi"), [y])
    df = materials_indicators(data, {name: members}, [y], gov)
    for col in df.columns[df.dtypes == "category"]:  # text for the few rows shown
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    df.insert(1, "name", commodity_name(df["commodity"], lang))
    df["explanation"] = explanations(df, lang)
    return df


def risk(
    store: Store, dataset: str, home: str, year: int | None = None, method: str = "all", lang: str = "en"
) -> pd.DataFrame:
    """Supply risk of every commodity for ``home``: GeoPolRisk, the EU supply risk or both.

    Sorted by the method's score, largest first (missing scores last).

    Raises
    ------
    UsageError
        ``method`` is not ``geopolrisk``, ``eu`` or ``all``.
    """
    if method not in METHODS:
        raise UsageError(f"method must be {', '.join(METHODS)}, not {method!r}")
    df = indicators(store, dataset, home, year, lang)
    return df.sort_values(
        [SORT[method], "commodity"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


def leverage(
    store: Store, dataset: str, home: str, year: int | None = None, lang: str = "en"
) -> pd.DataFrame:
    """The home economy's leverage on every commodity, ranked (``rank`` 1 = most leverage)."""
    df = indicators(store, dataset, home, year, lang)
    df = df.sort_values(["leverage", "commodity"], ascending=[False, True]).reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def stages(path: Path, year: int, home: str | None = None, lang: str = "en") -> pd.DataFrame:
    """Mine, smelter and refinery concentration of each staged commodity in a BGS production table,
    with the bottleneck stage (:func:`chokepoint.materials.stages.stage_concentration`).

    Parameters
    ----------
    path : the BGS World Mineral Statistics table (semicolon-separated, ``.csv`` or ``.csv.gz``).
    year : the year to compare.
    home : ISO3 codes or a group whose share of each stage is reported.
    lang : ``en`` or ``zh``: which sentence is the ``explanation`` column.
    """
    from chokepoint.io.bgs import read_bgs_production
    from chokepoint.materials.stages import stage_concentration

    if lang not in ("en", "zh"):
        raise UsageError(f"lang must be en or zh, not {lang!r}")
    production = read_bgs_production(path)
    years = sorted(int(y) for y in production["year"].unique())
    if year not in years:
        raise UsageError(f"{path.name}: no data for {year}; the table has {years[0]}-{years[-1]}")
    members = _home(home)[1] if home else []
    df = stage_concentration(production, year, members)
    if lang == "zh":
        df["explanation"] = df.pop("explanation_zh")
    else:
        df = df.drop(columns="explanation_zh")
    return df.reset_index(drop=True)


def build_chain(
    store: Store, dataset: str, project: str, year: int | None = None, home: str | None = None
) -> dict[str, Any]:
    """Build the raw-materials chain project ``project`` and store its trade flows as its trade dataset.

    The chain is :func:`chokepoint.materials.chain.materials_chain`; the dataset's BACI flows (the
    commodities' HS codes) are stored as the trade dataset named like the project, which the
    assessment uses as the project's linked trade dataset (import-reliance basis). With
    ``home``, the project's stored perspective gets that home economy.

    Returns
    -------
    dict
        ``project``, ``year``, ``nodes``, ``actors``, ``provisions`` and ``trade_dataset``.
    """
    from chokepoint.materials.chain import materials_chain
    from chokepoint.model.validate import chain_from_tables, chain_tables

    data = store.materials.load(dataset)
    y = _year(data, year)
    chain = materials_chain(data, y)
    meta = {"source": f"materials dataset {dataset}, {y}", LINKED_TRADE: project}
    checked = chain_from_tables(chain_tables(chain, f"materials {dataset}"), meta).chain
    store.chains.save(project, checked)
    flows = data.trade[data.trade["product"].isin(set(data.commodity_hs["product"]))]
    store.trade_datasets.save(project, flows, "baci")
    if home:
        from chokepoint.service.perspective import store_perspective

        store_perspective(store, project, _home(home)[1], year=y)
    return {
        "project": project,
        "year": y,
        "nodes": len(checked.nodes),
        "actors": len(checked.actors),
        "provisions": len(checked.provisions),
        "trade_dataset": project,
    }

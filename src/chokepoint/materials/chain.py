"""A chain map from raw-materials data: commodities as material nodes, producing countries as providers.

Each commodity with production in the year becomes a ``material`` node (English and Chinese
name, its HS92 codes, the stage of its figures as a tag); each commodity category
(``Non-Ferrous Metals``, ``Industrial Minerals``...) becomes a ``product`` node that every
commodity of the category is an input of (weight 1), so a country's export stop propagates to
the category. Providers are the producing countries with their share of world production that
year (a country without a value is not a provider: unknown stays unknown). The assessment,
scenarios, lists and the web UI then work on the project unchanged; with the dataset's trade
flows stored as the project's trade dataset, the assessment takes the home economy's import
shares where nodes carry HS codes (:mod:`chokepoint.assess.trade_basis`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.materials.data import MaterialsData
from chokepoint.materials.explain import COMMODITY_ZH, place_name
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import iso3_codes

CATEGORY_ZH = {
    "Non-Ferrous Metals": "有色金属",
    "Industrial Minerals": "工业矿物",
    "Iron and Ferro-Alloy Metals": "铁和铁合金金属",
    "Mineral Fuels": "矿物燃料",
    "Precious Metals": "贵金属",
}


def materials_chain(data: MaterialsData, year: int, country_names: pd.DataFrame | None = None) -> ChainMap:
    """The raw-materials chain map of ``year`` (module docstring).

    Parameters
    ----------
    data : the raw-materials dataset.
    year : the production year whose shares the providers carry.
    country_names : optional ``iso3, name`` (e.g. BACI's country table) for the country actors.

    Raises
    ------
    UsageError
        No production in ``year``.
    """
    prod = data.production[(data.production["year"] == year) & data.production["production"].gt(0)]
    if prod.empty:
        years = sorted(data.production["year"].unique())
        raise UsageError(f"no production in {year}; the dataset has {years[0]}-{years[-1]}")
    com = data.commodities[data.commodities["commodity"].isin(prod["commodity"])].reset_index(drop=True)
    ids = {c: f"M{i + 1:02d}" for i, c in enumerate(com["commodity"])}
    hs = data.commodity_hs.groupby("commodity")["product"].agg(list)
    nodes = pd.DataFrame(
        {
            "id": com["commodity"].map(ids),
            "name": com["commodity"],
            "name_zh": com["commodity"].map(COMMODITY_ZH).fillna(com["commodity"]),
            "kind": "material",
            "hs_codes": com["commodity"].map(hs).map(lambda v: v if isinstance(v, list) else []),
            "tags": (com["category"] + ";" + com["stage"]).str.strip(";").str.split(";"),
            "source": f"World Mining Data {year}; CEPII BACI HS92",
        }
    )
    cats = sorted(com["category"].unique())
    cat_ids = {c: f"C{i + 1:02d}" for i, c in enumerate(cats)}
    nodes = pd.concat(
        [
            nodes,
            pd.DataFrame(
                {
                    "id": [cat_ids[c] for c in cats],
                    "name": [f"{c} supply" for c in cats],
                    "name_zh": [f"{CATEGORY_ZH.get(c, c)}供应" for c in cats],
                    "kind": "product",
                    "hs_codes": [[] for _ in cats],
                    "tags": [["category"] for _ in cats],
                    "source": "commodity_hs_map.csv categories",
                }
            ),
        ],
        ignore_index=True,
    )
    edges = pd.DataFrame(
        {"source": com["commodity"].map(ids), "target": com["category"].map(cat_ids), "kind": "input_of"}
    )
    world = prod.groupby("commodity")["production"].transform("sum")
    provisions = pd.DataFrame(
        {
            "actor": prod["iso3"],
            "node": prod["commodity"].map(ids),
            "share": prod["production"] / world,
            "year": year,
            "source": "World Mining Data",
        }
    ).dropna(subset=["node"])
    codes = sorted(set(provisions["actor"]))
    names = country_names.set_index("iso3")["name"].to_dict() if country_names is not None else {}
    known = iso3_codes()
    iso = np.array([c in known for c in codes], dtype=bool)
    actors = pd.DataFrame(
        {
            "id": codes,
            "name": [names.get(c, place_name(c)) for c in codes],
            "name_zh": [place_name(c, "zh") for c in codes],
            "kind": np.where(iso, "country", "region"),
            "country": codes,
        }
    )
    return ChainMap(nodes=nodes, edges=edges, actors=actors, provisions=provisions.reset_index(drop=True))

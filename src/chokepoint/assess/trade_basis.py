r"""Import reliance where trade data exist: the home economy's own imports instead of world shares.

A node with ``hs_codes`` (HS 2, 4 or 6 digits) and a trade dataset with the home economy as
importer gets its partner shares from the home economy's imports of those products in one year:

.. math:: m_{ic} = \frac{V_{ic}}{\sum_{c'} V_{ic'}}, \qquad
          V_{ic} = \sum_{k \in HS(i)} v_{c \to H,\,k}

(value of the flows from exporter :math:`c` to the home economy :math:`H`; flows between home
members are domestic and left out; a product matched by two of a node's codes counts once).
The exposure then uses :math:`m_{ic}` where it used the world shares :math:`s_{ic}`: the
restricted share :math:`\sum_{c \in R} m_{ic}` (a bound: it treats the home consumption as
imported, since trade data carry no domestic production), the concentration
:math:`\sum_c m_{ic}^2` and the governance term :math:`\sum_c m_{ic}^2 w_c`
(:mod:`chokepoint.assess.exposure`). Import shares are complete by construction (coverage 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.model.chain import ChainMap


@dataclass(frozen=True)
class TradeBasis:
    """The home economy's import shares per node and partner (entries), and the year used."""

    node: npt.NDArray[np.int64]
    code: npt.NDArray[np.object_]
    share: npt.NDArray[np.float64]
    has_trade: npt.NDArray[np.bool_]
    year: int | None
    source: str

    def label(self, lang: str = "en") -> str:
        """``home imports 2021 (trade dataset NAME)``, or its Chinese form."""
        if lang == "zh":
            return f"本国{self.year}年进口（贸易数据集{self.source}）"
        return f"home imports {self.year} (trade dataset {self.source})"


def home_import_shares(
    chain: ChainMap,
    flows: pd.DataFrame,
    home: Sequence[str],
    *,
    year: int | None = None,
    source: str = "trade",
) -> TradeBasis:
    """Partner shares of the home economy's imports of each node's HS codes (module formula).

    Parameters
    ----------
    flows : trade flows with columns ``year, exporter, importer, product, value``
        (:data:`chokepoint.trade.indicators.FLOW_COLUMNS`; value in any one currency).
    home : the home economy's ISO3 codes (its members' imports from each other are dropped).
    year : the year used; default the latest year with home imports.
    source : the dataset's name, for the explanation.
    """
    ix = chain.index
    n = ix.n_nodes
    empty = TradeBasis(
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=object),
        np.zeros(0),
        np.zeros(n, dtype=bool),
        year,
        source,
    )
    codes = chain.nodes["hs_codes"]
    lengths = codes.map(len).to_numpy()
    if not lengths.sum():
        return empty
    node_codes = pd.DataFrame(
        {
            "node": np.repeat(np.arange(n), lengths),
            "hs": [str(c).strip() for cs in codes for c in cs],
        }
    )
    homes = set(home)
    f = flows[flows["importer"].isin(homes) & ~flows["exporter"].isin(homes)]
    if f.empty:
        return empty
    used = int(f["year"].max()) if year is None else int(year)
    f = f[f["year"] == used]
    product = f["product"].astype(str)
    parts = []
    for width in sorted(set(node_codes["hs"].str.len())):
        keyed = pd.DataFrame(
            {"hs": product.str[:width], "product": product, "exporter": f["exporter"], "value": f["value"]}
        )
        parts.append(keyed.merge(node_codes[node_codes["hs"].str.len() == width], on="hs"))
    matched = pd.concat(parts, ignore_index=True).drop_duplicates(["node", "exporter", "product"])
    by = matched.groupby(["node", "exporter"], sort=True)["value"].sum().reset_index()
    by = by[by["value"] > 0]
    total = by.groupby("node")["value"].transform("sum")
    has = np.zeros(n, dtype=bool)
    has[by["node"].to_numpy(dtype=np.int64)] = True
    return TradeBasis(
        node=by["node"].to_numpy(dtype=np.int64),
        code=by["exporter"].to_numpy(dtype=object),
        share=(by["value"] / total).to_numpy(dtype=float),
        has_trade=has,
        year=used,
        source=source,
    )

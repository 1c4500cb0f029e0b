"""An ILLUSTRATIVE reporting network (issue 27): three provinces of 20 made-up enterprises each
(two cities per province, ten enterprises in each), reporting capacity utilisation and order
backlog monthly for 2025; values are generated, names describe no real firm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.datasets import load_semiconductors
from chokepoint.model.chain import chain_from_frames
from chokepoint.service.regions import import_regions
from chokepoint.store import Store
from regions_fixture import CITIES, write_files

PROVINCES = ("CN-ZJ", "CN-JS", "CN-GD")
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
INDICATORS = ("capacity_utilisation", "order_backlog_months")
DATA_SET = {
    "name": "monthly",
    "indicators": list(INDICATORS),
    "enterprises": [],
    "deadline_day": 10,
    "review_level": "province",
    "title": "Monthly operations",
    "title_zh": "月度运行监测",
}


def enterprises(province: str, n: int = 20) -> pd.DataFrame:
    """``n`` illustrative enterprises of ``province``, half in each of its two cities."""
    cities = [c for c, *_ in CITIES if c.startswith(province + "-")]
    tag = province.split("-")[1]
    return pd.DataFrame(
        {
            "id": [f"E{tag}{i:02d}" for i in range(1, n + 1)],
            "name": [f"Illustrative {tag} Enterprise {i:02d}" for i in range(1, n + 1)],
            "name_zh": [f"示例{tag}企业{i:02d}" for i in range(1, n + 1)],
            "kind": "enterprise",
            "country": "CHN",
            "location": [cities[i % 2] for i in range(n)],
            "aliases": [()] * n,
            "members": [()] * n,
            "description": "",
        }
    )


def values(ids: list[str], months: list[str] = MONTHS, seed: int = 0) -> pd.DataFrame:
    """Generated monthly values of both indicators for ``ids``: capacity utilisation in
    [0.5, 0.95] (fraction), order backlog in [1, 6] months.
    """
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product([ids, months], names=["enterprise", "period"]).to_frame(index=False)
    cu = grid.assign(indicator="capacity_utilisation", value=np.round(rng.uniform(0.5, 0.95, len(grid)), 3))
    ob = grid.assign(indicator="order_backlog_months", value=np.round(rng.uniform(1, 6, len(grid)), 1))
    return pd.concat([cu, ob], ignore_index=True)[["indicator", "enterprise", "period", "value"]]


def province_store(path, province: str, tmp) -> tuple[Store, list[str]]:
    """A provincial instance's store: the demo chain with the province's 20 enterprises (and the
    other provinces' too, as a national chain would list them), the region table, the data set.
    """
    store = Store(path)
    chain = load_semiconductors()
    extra = pd.concat([enterprises(p) for p in PROVINCES], ignore_index=True)
    store.chains.save("semi", chain)
    store.chains.save("semi", chain_from_frames({"actors": extra}), merge=True)
    import_regions(store, write_files(tmp / "regions")["regions"])
    ids = enterprises(province)["id"].tolist()
    return store, ids

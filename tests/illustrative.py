"""A store holding the demo chain plus a few illustrative actors the ETO map lacks (a research
institute, a pilot-scale line, a plating-chemicals supplier, a fab, a restricted institute), their
profiles, the CHN perspective and the joint R&D tasks: for consortium and roadmap tests. The
added actors, nodes and shares are illustrative, not data."""

from __future__ import annotations

import json
from pathlib import Path

from chokepoint.assess import Perspective, assess
from chokepoint.datasets import load_semiconductors
from chokepoint.io.writers import chain_to_dict
from chokepoint.service.lists import refresh_tasks
from chokepoint.service.matching import import_profiles
from chokepoint.service.projects import import_chain
from chokepoint.store import Store

PERSPECTIVE = Perspective.from_codes("CHN", "USA,JPN,NLD")

ILLUSTRATIVE = {  # a test fixture, labelled illustrative: actors the ETO map does not hold
    "actors": [
        {
            "id": "X1",
            "name": "Institute of Microelectronics (illustrative)",
            "name_zh": "微电子研究所（示例）",
            "kind": "institution",
            "country": "CHN",
        },
        {
            "id": "X2",
            "name": "Shanghai plating pilot line (illustrative)",
            "name_zh": "上海电镀中试线（示例）",
            "kind": "pilot_platform",
            "country": "CHN",
        },
        {
            "id": "X3",
            "name": "Wuxi Fab (illustrative)",
            "name_zh": "无锡晶圆厂（示例）",
            "kind": "enterprise",
            "country": "CHN",
        },
        {
            "id": "X4",
            "name": "Plating chemicals Co. (illustrative)",
            "name_zh": "电镀化学品公司（示例）",
            "kind": "enterprise",
            "country": "CHN",
        },
        {
            "id": "X5",
            "name": "Dresden plating institute (illustrative)",
            "kind": "institution",
            "country": "USA",
        },
    ],
    "nodes": [
        {
            "id": "X90",
            "name": "Plating chemicals (illustrative)",
            "name_zh": "电镀液（示例）",
            "kind": "material",
            "stage": "S2",
        },
        {
            "id": "X91",
            "name": "Wafer fabrication (illustrative)",
            "name_zh": "晶圆制造（示例）",
            "kind": "process",
            "stage": "S2",
        },
    ],
    "edges": [
        {"source": "X90", "target": "N45", "kind": "input_of"},
        {"source": "N57", "target": "X91", "kind": "input_of"},
    ],
    "provisions": [
        {"actor": "X4", "node": "X90", "share": 0.2},
        {"actor": "X3", "node": "X91", "share": 0.1},
    ],
}
PROFILES = "actor,keywords,nodes,process,equipment,scale,availability\n" + "\n".join(
    [
        "X1,electroplating;copper interconnect,N45,,,,",
        "X2,,N45,copper electroplating;annealing,ECP pilot tool,300 mm,2027-Q1",
        "X5,electroplating,N45,,,,",  # a restricted country's institute: never proposed
    ]
)


def illustrative_store(folder: Path) -> Store:
    """The store (``semi``), in ``folder``."""
    doc = chain_to_dict(load_semiconductors())
    for table, rows in ILLUSTRATIVE.items():
        doc[table] += rows
    path = folder / "semi.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store = Store(folder / "c.db")
    import_chain(store, "semi", path)
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    refresh_tasks(store, "semi", assess(store.chains.load("semi"), PERSPECTIVE))  # both languages
    (folder / "profiles.csv").write_text(PROFILES, encoding="utf-8")
    import_profiles(store, "semi", folder / "profiles.csv")
    return store

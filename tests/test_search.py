"""Node and actor search (the API's ``?q=``): case-insensitive, Chinese names, the prebuilt index."""

from __future__ import annotations

from chokepoint.datasets import load_semiconductors
from chokepoint.service.projects import search, search_text

COLUMNS = ["id", "name", "name_zh"]


def test_search_finds_chinese_names_and_ignores_case():
    nodes = load_semiconductors().nodes
    zh = search(nodes, COLUMNS, "光刻", None)
    assert "N19" in set(zh["id"])  # 光刻设备 (lithography tools)
    upper = search(nodes, COLUMNS, "LITHO", None)
    lower = search(nodes, COLUMNS, "litho", None)
    assert list(upper["id"]) == list(lower["id"])
    assert len(lower) > 0
    assert all("litho" in f"{r.id}\t{r.name}\t{r.name_zh}".lower() for r in lower.itertuples())


def test_a_prebuilt_index_gives_the_same_rows():
    nodes = load_semiconductors().nodes
    index = search_text(nodes, COLUMNS)
    for q in ("litho", "光刻", "N2", "no such thing"):
        assert list(search(nodes, COLUMNS, q, None, index)["id"]) == list(
            search(nodes, COLUMNS, q, None)["id"]
        )
    assert search(nodes, COLUMNS, "tools", "equipment", index)["kind"].eq("equipment").all()

"""The web UI's sources: one rendering rule (no markup from strings) and nothing from outside.

Reference: the issue's rule "no innerHTML with data; a test greps for it". Every page module
builds DOM nodes with ``dom.h``; data only becomes text nodes or attribute values.
"""

from __future__ import annotations

import re

from chokepoint.web import STATIC

OWN = sorted(p for p in STATIC.rglob("*") if p.suffix in {".js", ".html", ".css"} and "vendor" not in p.parts)
MARKUP_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment)\b"
)


def test_own_sources_exist():
    names = {p.name for p in OWN}
    assert {"index.html", "main.js", "dom.js", "i18n.js", "chain.js", "assess.js", "scenario.js"} <= names


def test_no_module_builds_markup_from_strings():
    hits = [
        f"{p.relative_to(STATIC)}:{i}: {line.strip()}"
        for p in OWN
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if MARKUP_SINKS.search(line) and not line.lstrip().startswith(("*", "/*", "//"))
    ]
    assert hits == []


def test_the_grep_catches_a_sink():
    # the pattern finds the sinks it is meant to find, so a pass above means something
    for line in [
        "el.innerHTML = x",
        "a.outerHTML=b",
        "el.insertAdjacentHTML('beforeend', s)",
        "document.write(s)",
    ]:
        assert MARKUP_SINKS.search(line)
    assert not MARKUP_SINKS.search("el.textContent = x")


def test_no_url_outside_the_server():
    urls = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")
    imports = re.compile(r"""(?:import|fetch)\s*\(?\s*["'`](?:https?:)?//""")
    for p in OWN:
        text = p.read_text(encoding="utf-8")
        assert not urls.search(text), p
        assert not imports.search(text), p


def test_vendored_assets_have_licences_recorded():
    vendor = STATIC / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for asset in (
        "cytoscape.min.js",
        "echarts.min.js",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "world-110m.geo.json",
    ):
        assert (vendor / asset).is_file()
        assert asset in readme
    for licence in ("cytoscape.LICENSE", "echarts.LICENSE", "swagger-ui.LICENSE", "world-atlas.LICENSE"):
        assert (vendor / licence).is_file()


def test_world_map_names_every_feature_by_iso3():
    import json

    import pycountry

    geo = json.loads((STATIC / "vendor" / "world-110m.geo.json").read_text(encoding="utf-8"))
    codes = [f["properties"]["name"] for f in geo["features"]]
    assert len(codes) == len(set(codes)) > 170
    assert all(pycountry.countries.get(alpha_3=c) for c in codes)
    assert {"CHN", "NLD", "TWN", "USA", "JPN", "KOR", "DEU", "RUS"} <= set(codes)

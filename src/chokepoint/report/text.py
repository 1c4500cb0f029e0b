"""Plain-text rendering of summaries for the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) or "none"


def summary_lines(s: dict[str, Any], title: str) -> list[str]:
    """Lines describing a :meth:`ChainMap.summary` for humans."""
    merged = s.get("merged_alias_rows")
    cov = s["share_coverage"]
    lines = [
        title,
        f"  nodes       {s['nodes']} plus {s['stages']} stages ({_counts(s['nodes_by_kind'])})",
    ]
    for st in s["stage_list"]:
        lines.append(f"    stage {st['id']}: {st['name']} ({st['nodes']} nodes)")
    lines += [
        f"  edges       {s['edges']} ({_counts(s['edges_by_kind'])})",
        f"  actors      {s['actors']} ({s['countries_or_regions']} countries or regions, "
        f"{s['organizations']} organizations"
        + (f"; {merged} alias row{'s' if merged != 1 else ''} merged)" if merged else ")"),
        f"  provisions  {s['provisions']} ({s['provisions_on_nodes']} on nodes, "
        f"{s['provisions_on_stages']} on stages; {s['shares_unknown']} with unknown share)",
        f"  coverage    {cov['nodes_with_known_shares']} nodes with known shares, "
        f"{cov['nodes_with_provisions']} with provisions, {cov['nodes_without_provisions']} without",
        f"  years       {_counts(s['years'])}",
        f"  countries   {', '.join(s['provider_countries']) or 'none'}",
    ]
    if s["meta"].get("attribution"):
        lines.append(f"  {s['meta']['attribution']}")
    return lines


def summary_rows(s: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Flatten a summary into (dotted key, value) rows for CSV output."""
    for k, v in s.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from summary_rows(v, key + ".")
        elif isinstance(v, list):
            yield key, "; ".join(str(x if not isinstance(x, dict) else x.get("id", x)) for x in v)
        else:
            yield key, v

"""Adapter for the ETO Advanced Semiconductor Supply Chain Dataset (Chip Explorer).

Layout: ``stages.csv``, ``inputs.csv``, ``sequence.csv``, ``providers.csv``,
``provision.csv`` (Emerging Technology Observatory, CSET, Georgetown
University; CC BY-NC 4.0). Mapping to the exchange format:

* stages ``S1``-``S3`` become nodes of kind ``stage``;
* input ``type``: ``process`` -> process, ``design_resource`` -> design,
  ``tool_resource`` -> equipment, ``material_resource`` -> material,
  ``ultimate_output`` -> product; two nodes are re-kinded by what they are:
  N84 "Electronic design automation software" -> software and N85 "Core
  intellectual property" -> design;
* a node without ``stage_id`` takes the stage of the nearest node downstream
  (through ``goes_into`` and ``is_type_of``) and gets the tag ``stage_inferred``;
* ``goes_into`` -> ``input_of`` (weight blank = 1, required), ``is_type_of`` ->
  ``type_of`` (children rule ``all``, the default);
* providers: countries keep their ISO3 code in ``country`` and their English
  name as ``name``; ``EUR`` (Europe) and ``Various countries`` (code ``VAR``)
  are regions with unspecified members; organizations are enterprises with their
  country; alias rows of one provider id are merged;
* ``share_provided`` is percent of the global market -> fraction; blank stays
  unknown; every provision keeps its year and source;
* the market size text is parsed to USD and year; the text itself is kept in the
  node's ``source`` together with the chart source.

Problems name the original files, rows and columns (``provision.csv``, row,
``share_provided``).
"""

from __future__ import annotations

import re
from collections import deque
from decimal import Decimal
from pathlib import Path

import pandas as pd

from chokepoint.errors import Problem
from chokepoint.io.readers import read_csv_file
from chokepoint.model.tables import RawTable
from chokepoint.model.validate import SHARE_SUM_TOLERANCE, ImportReport, chain_from_tables

ATTRIBUTION = (
    "Data: Emerging Technology Observatory (ETO), Center for Security and Emerging Technology "
    "(CSET), Georgetown University, Advanced Semiconductor Supply Chain Dataset (Chip Explorer), "
    "CC BY-NC 4.0."
)
LICENSE = "CC BY-NC 4.0 (Creative Commons Attribution-NonCommercial 4.0 International)"

KIND_BY_TYPE = {
    "process": "process",
    "design_resource": "design",
    "tool_resource": "equipment",
    "material_resource": "material",
    "ultimate_output": "product",
}
KIND_OVERRIDES = {"N84": "software", "N85": "design"}
REGION_CODES = {"EUR": "EUR", "Various countries": "VAR"}
REGION_NAMES = {"EUR": "Europe (aggregate)", "VAR": "Various countries (aggregate)"}

_SIZE = re.compile(r"\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(thousand|million|billion|trillion)?", re.I)
_YEAR = re.compile(r"\((\d{4})\)")
_MULT = {None: 1, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def parse_market_size(text: str) -> tuple[str, str]:
    """``"$56.2 billion (microprocessors) (2019)"`` -> ``("56200000000.0", "2019")`` (text cells)."""
    m = _SIZE.search(text or "")
    if not m:
        return "", ""
    value = float(Decimal(m.group(1).replace(",", "")) * Decimal(_MULT[(m.group(2) or "").lower() or None]))
    y = _YEAR.search(text)
    return repr(value), (y.group(1) if y else "")


def _sources(size_text: pd.Series, chart_source: pd.Series) -> list[str]:
    """Node ``source``: the market-size text as given (it may qualify the figure) and the chart source."""
    return [
        "; ".join(x for x in (f"Market size: {t}" if t else "", s) if x)
        for t, s in zip(size_text, chart_source, strict=True)
    ]


def _infer_stages(nodes: pd.DataFrame, seq: pd.DataFrame) -> tuple[list[str], list[bool]]:
    """Stage of each node: its own, else that of the nearest downstream node that has one."""
    own = dict(zip(nodes["id"], nodes["stage"], strict=True))
    down: dict[str, list[str]] = {}
    for a, b, c in zip(seq["input_id"], seq["goes_into_id"], seq["is_type_of_id"], strict=True):
        for t in (b, c):
            if t:
                down.setdefault(a, []).append(t)
    stages, inferred = [], []
    for nid in nodes["id"]:
        if own.get(nid):
            stages.append(own[nid])
            inferred.append(False)
            continue
        found = ""
        seen, queue = {nid}, deque(sorted(down.get(nid, [])))
        while queue and not found:
            level = list(queue)
            queue.clear()
            hits = sorted(own[x] for x in level if own.get(x))
            if hits:
                found = hits[0]
                break
            for x in level:
                for y in sorted(down.get(x, [])):
                    if y not in seen:
                        seen.add(y)
                        queue.append(y)
        stages.append(found)
        inferred.append(bool(found))
    return stages, inferred


def chinese_names(folder: Path) -> dict[str, tuple[str, str]]:
    """``names_zh.csv`` (id, name_en, name_zh) when the folder has one: the bundled Chinese names."""
    path = folder / "names_zh.csv"
    if not path.exists():
        return {}
    block, _ = read_csv_file(path, "names_zh")
    if block is None:
        return {}
    f = block.frame
    return {str(i): (str(en), str(zh)) for i, en, zh in zip(f["id"], f["name_en"], f["name_zh"], strict=True)}


def _zh(ids: pd.Series, names: pd.Series, table: dict[str, tuple[str, str]]) -> list[str]:
    """Chinese name per row, only where the table's English name matches the data (kept in step)."""
    return [table[i][1] if i in table and table[i][0] == n else "" for i, n in zip(ids, names, strict=True)]


def eto_tables(folder: Path) -> tuple[list[RawTable], list[Problem]]:
    """Map the ETO files to exchange-format blocks that remember their original rows."""
    problems: list[Problem] = []
    raw: dict[str, RawTable] = {}
    for name in ("stages", "inputs", "sequence", "providers", "provision"):
        block, probs = read_csv_file(folder / f"{name}.csv", name)
        problems += probs
        if block is not None:
            raw[name] = block
    needed = {
        "stages": ["stage_id", "stage_name"],
        "inputs": ["input_id", "input_name", "type"],
        "sequence": ["input_id", "goes_into_id", "is_type_of_id"],
        "providers": ["provider_id", "provider_name", "provider_type"],
        "provision": ["provider_id", "provided_id", "share_provided"],
    }
    for name, cols in needed.items():
        if name in raw:
            for c in cols:
                if c not in raw[name].frame.columns:
                    problems.append(
                        Problem(
                            raw[name].source,
                            None,
                            c,
                            f"required column {c!r} is missing",
                            code="missing_column",
                        )
                    )
    if any(p.severity == "error" for p in problems):
        return [], problems

    def col(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name].fillna("").astype(str) if name in frame.columns else pd.Series([""] * len(frame))

    blocks: list[RawTable] = []
    zh_names = chinese_names(folder)
    st = raw["stages"]
    sf = st.frame
    blocks.append(
        RawTable(
            "nodes",
            pd.DataFrame(
                {
                    "id": col(sf, "stage_id"),
                    "name": col(sf, "stage_name"),
                    "name_zh": _zh(col(sf, "stage_id"), col(sf, "stage_name"), zh_names),
                    "kind": "stage",
                    "description": col(sf, "description"),
                    "market_size": [
                        parse_market_size(t)[0] for t in col(sf, "market_share_chart_global_market_size_info")
                    ],
                    "market_size_year": [
                        parse_market_size(t)[1] for t in col(sf, "market_share_chart_global_market_size_info")
                    ],
                    "source": _sources(
                        col(sf, "market_share_chart_global_market_size_info"),
                        col(sf, "market_share_chart_source"),
                    ),
                }
            ),
            st.source,
            rows=st.rows,
            labels={"id": "stage_id", "name": "stage_name"},
        )
    )

    inp = raw["inputs"]
    f = inp.frame
    seq = raw["sequence"].frame
    ids = col(f, "input_id").str.strip()
    types = col(f, "type").str.strip()
    kinds = [KIND_OVERRIDES.get(i, KIND_BY_TYPE.get(t, t)) for i, t in zip(ids, types, strict=True)]
    stages, inferred = _infer_stages(
        pd.DataFrame({"id": ids, "stage": col(f, "stage_id").str.strip()}),
        pd.DataFrame({c: col(seq, c).str.strip() for c in ("input_id", "goes_into_id", "is_type_of_id")}),
    )
    size_text = col(f, "market_share_chart_global_market_size_info")
    parsed = [parse_market_size(t) for t in size_text]
    chart_src = col(f, "market_share_chart_source")
    source = _sources(size_text, chart_src)
    blocks.append(
        RawTable(
            "nodes",
            pd.DataFrame(
                {
                    "id": ids,
                    "name": col(f, "input_name"),
                    "name_zh": _zh(ids, col(f, "input_name"), zh_names),
                    "kind": kinds,
                    "stage": stages,
                    "description": col(f, "description"),
                    "market_size": [p[0] for p in parsed],
                    "market_size_year": [p[1] or y for p, y in zip(parsed, col(f, "year"), strict=True)],
                    "tags": ["stage_inferred" if x else "" for x in inferred],
                    "source": source,
                }
            ),
            inp.source,
            rows=inp.rows,
            labels={
                "id": "input_id",
                "name": "input_name",
                "kind": "type",
                "stage": "stage_id",
                "market_size": "market_share_chart_global_market_size_info",
            },
        )
    )

    sq = raw["sequence"]
    sfr = sq.frame
    for kind, tcol in (("input_of", "goes_into_id"), ("type_of", "is_type_of_id")):
        mask = col(sfr, tcol).str.strip() != ""
        rows = [r for r, m in zip(sq.row_numbers(), mask, strict=True) if m]
        blocks.append(
            RawTable(
                "edges",
                pd.DataFrame(
                    {
                        "source": col(sfr, "input_id")[mask].to_numpy(),
                        "target": col(sfr, tcol)[mask].to_numpy(),
                        "kind": kind,
                    }
                ),
                sq.source,
                rows=rows,
                labels={"source": "input_id", "target": tcol},
            )
        )
    neither = (col(sfr, "goes_into_id").str.strip() == "") & (col(sfr, "is_type_of_id").str.strip() == "")
    for r in [r for r, m in zip(sq.row_numbers(), neither, strict=True) if m]:
        problems.append(
            Problem(
                sq.source,
                int(r),
                "goes_into_id",
                "neither goes_into_id nor is_type_of_id is given",
                code="required_value",
            )
        )

    pv = raw["providers"]
    pf = pv.frame
    ptype = col(pf, "provider_type").str.strip()
    pname = col(pf, "provider_name").str.strip()
    alias = col(pf, "alias").str.strip()
    pcountry = col(pf, "country").str.strip()
    is_geo = ptype == "country"
    region = pname.map(REGION_CODES).fillna("")
    actor_kind = [
        ("region" if r else "country") if g else ("enterprise" if t == "organization" else t)
        for g, r, t in zip(is_geo, region, ptype, strict=True)
    ]
    actor_country = [
        (r or n) if g else REGION_CODES.get(c, c)
        for g, r, n, c in zip(is_geo, region, pname, pcountry, strict=True)
    ]
    actor_name = [
        (REGION_NAMES.get(r) or a or n) if g else n
        for g, r, a, n in zip(is_geo, region, alias, pname, strict=True)
    ]
    actor_alias = ["" if g else a for g, a in zip(is_geo, alias, strict=True)]
    blocks.append(
        RawTable(
            "actors",
            pd.DataFrame(
                {
                    "id": col(pf, "provider_id"),
                    "name": actor_name,
                    "name_zh": _zh(col(pf, "provider_id"), pd.Series(actor_name, index=pf.index), zh_names),
                    "kind": actor_kind,
                    "country": actor_country,
                    "aliases": actor_alias,
                }
            ),
            pv.source,
            rows=pv.rows,
            labels={
                "id": "provider_id",
                "name": "provider_name",
                "kind": "provider_type",
                "aliases": "alias",
            },
        )
    )

    pr = raw["provision"]
    prf = pr.frame
    blocks.append(
        RawTable(
            "provisions",
            pd.DataFrame(
                {
                    "actor": col(prf, "provider_id"),
                    "node": col(prf, "provided_id"),
                    "share": col(prf, "share_provided"),
                    "year": col(prf, "year"),
                    "source": col(prf, "source"),
                }
            ),
            pr.source,
            rows=pr.rows,
            labels={"actor": "provider_id", "node": "provided_id", "share": "share_provided"},
            scales={"share": 100.0},
        )
    )
    return blocks, problems


def eto_meta() -> dict[str, str]:
    """Title, attribution, license and source of the ETO dataset (kept with the chain)."""
    return {
        "title": "Advanced semiconductor supply chain (ETO Chip Explorer)",
        "title_zh": "先进半导体供应链（ETO Chip Explorer）",
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "source": (
            "ETO Advanced Semiconductor Supply Chain Dataset, github.com/georgetown-cset/eto-chip-explorer"
        ),
    }


def read_eto(folder: str | Path, *, share_sum_tolerance: float = SHARE_SUM_TOLERANCE) -> ImportReport:
    """Read and validate an ETO Chip Explorer data folder.

    Examples
    --------
    >>> from chokepoint.datasets import eto_folder
    >>> report = read_eto(eto_folder())
    >>> report.merged_alias_rows
    7
    """
    blocks, problems = eto_tables(Path(folder))
    return chain_from_tables(blocks, eto_meta(), share_sum_tolerance=share_sum_tolerance, problems=problems)

"""The checks the tables share: duplicates, alias rows, references, cycles, share sums.

Each check reports what it finds to a :class:`~chokepoint.model.findings.Findings`;
:mod:`chokepoint.model.rules` applies them to the four tables.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from chokepoint.model.chain import GEOGRAPHY_KINDS
from chokepoint.model.findings import Findings, fmt

#: an id of a node or an actor: 1-200 characters, no control character, none of the characters
#: that mean something in markup or a query (< > " ' ` = \\ &), no space at either end. Real
#: data passes (ETO's N20, P115, S1; ISO codes; Chinese ids); a planted ``"><img ...`` does not.
SAFE_ID = r"(?=\S)[^<>\"'`=\\&\x00-\x1f\x7f]{1,200}(?<=\S)"


def unsafe_ids(findings: Findings, frame: pd.DataFrame, what: str) -> None:
    """Report every id of ``frame`` (nodes or actors) outside :data:`SAFE_ID` (``unsafe_id``)."""
    if "id" not in frame or not len(frame):
        return
    ids = frame["id"].astype(str)
    bad = ~ids.str.fullmatch(SAFE_ID)
    findings.add_rows(
        frame,
        bad,
        "id",
        lambda r: (
            f"{what} id {str(r['id'])[:60]!r} holds a character ids may not (< > \" ' ` = \\ &, a "
            "control character or a space at either end) or is longer than 200: choose a plain id"
        ),
        "unsafe_id",
    )


def first_rows(findings: Findings, frame: pd.DataFrame, keys: list[str]) -> pd.Index:
    """For each row, 'source row N' of the first row with the same key."""
    first_idx = frame.groupby(keys, sort=False, dropna=False).cumcount() == 0
    firsts = frame[first_idx].set_index(keys)
    where = firsts.apply(findings.where, axis=1)
    return frame.set_index(keys).index.map(where.to_dict())


def duplicates(
    findings: Findings, frame: pd.DataFrame, keys: list[str], what: str, code: str
) -> pd.DataFrame:
    """``frame`` without the rows whose ``keys`` an earlier row has; each one is reported."""
    dup = frame.duplicated(keys, keep="first")
    if dup.any():
        first = first_rows(findings, frame, keys)
        where = pd.Series(first, index=frame.index)
        findings.add_rows(
            frame.assign(_first=where),
            dup,
            keys[0] if len(keys) == 1 else None,
            lambda r: (
                f"duplicate {what} {'/'.join(str(r[k]) for k in keys)!r} (first defined in {r['_first']})"
            ),
            code,
        )
    return frame[~dup]


def merge_actor_aliases(findings: Findings, actors: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Merge actor rows of one id into the first (alias rows); the actors and the rows merged.

    Rows of one id that disagree on name, kind or country are reported (``duplicate_id``).
    """
    dup = actors.duplicated(["id"], keep=False)
    if not dup.any():
        return actors, 0
    merged_rows = 0
    keep_rows = []
    for _, group in actors[dup].groupby("id", sort=False):
        head = group.iloc[0].copy()
        aliases: list[str] = list(head["aliases"])
        for _, r in group.iloc[1:].iterrows():
            conflict = [c for c in ("name", "kind", "country") if r[c] != head[c]]
            if conflict:
                findings.add(
                    int(r["_src"]),
                    int(r["_row"]),
                    conflict[0],
                    f"duplicate actor id {r['id']!r} with a different {conflict[0]} "
                    f"({r[conflict[0]]!r} here, {head[conflict[0]]!r} in {findings.where(head)}); "
                    "rows with the same id must describe the same actor (alias rows)",
                    "duplicate_id",
                )
                continue
            aliases += [a for a in r["aliases"] if a not in aliases and a != head["name"]]
            for c in ("name_zh", "description"):
                if not head[c] and r[c]:
                    head[c] = r[c]
            head["members"] = tuple(dict.fromkeys([*head["members"], *r["members"]]))
            merged_rows += 1
        head["aliases"] = tuple(aliases)
        keep_rows.append(head)
    merged = pd.DataFrame(keep_rows)
    out = pd.concat([actors[~dup], merged]).sort_values(["_src", "_row"]).reset_index(drop=True)
    return out, merged_rows


def references(
    findings: Findings,
    frame: pd.DataFrame,
    column: str,
    known: set[str],
    what: str,
    allow_blank: bool = False,
) -> npt.NDArray[np.bool_]:
    """Report every ``column`` cell that is no id in ``known``; the mask of those rows."""
    s = frame[column]
    bad = ~s.isin(known) & (s != "" if allow_blank else s != "\0")
    bad &= s != ""  # blank required values are reported as required_value
    findings.add_rows(
        frame,
        bad,
        column,
        lambda r: f"{r[column]!r} is not the id of any {what}",
        "unknown_reference",
    )
    return bad.to_numpy(dtype=bool)


def cycles(findings: Findings, edges: pd.DataFrame, node_ids: pd.Index, kinds: tuple[str, ...]) -> bool:
    """Report every edge of ``kinds`` that lies on a cycle; True when there is one."""
    e = edges[edges["kind"].isin(kinds)]
    s = node_ids.get_indexer(pd.Index(e["source"]))
    t = node_ids.get_indexer(pd.Index(e["target"]))
    ok = (s >= 0) & (t >= 0) & (s != t)
    n = len(node_ids)
    if not ok.any():
        return False
    g = sp.coo_array((np.ones(ok.sum()), (s[ok], t[ok])), shape=(n, n)).tocsr()
    _, labels = connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(labels)
    in_cycle = np.zeros(len(e), dtype=bool)
    in_cycle[ok] = (labels[s[ok]] == labels[t[ok]]) & (sizes[labels[s[ok]]] > 1)
    if not in_cycle.any():
        return False
    members = {lab: sorted(node_ids[labels == lab])[:10] for lab in np.unique(labels[s[ok & in_cycle]])}
    findings.add_rows(
        e,
        in_cycle,
        None,
        lambda r: (
            f"{r['kind']} edge {r['source']} -> {r['target']} is part of a cycle among "
            f"{', '.join(members[labels[node_ids.get_loc(r['source'])]])}; a chain map must be acyclic"
            + ("" if len(kinds) == 1 else " (input_of and type_of edges together)")
        ),
        "cycle",
    )
    return True


def share_sum_message(r: pd.Series, tolerance: float) -> str:
    """Why the known shares of row ``r``'s node, level and year sum too high (in percent when read so)."""
    sc = float(r.get("_scale_share", 1.0) or 1.0)
    year = "" if r["_year"] < 0 else f" in {int(r['_year'])}"
    if sc == 100:
        total, limit = f"{r['_sum']:.4g}%", f"{fmt(100 * (1 + tolerance))}%"
        allowance = f"100% plus {fmt(100 * tolerance)} points for rounding"
    else:
        total, limit = f"{r['_sum'] / sc:.4g}", fmt(1 + tolerance)
        allowance = f"1 plus {fmt(tolerance)} for rounding"
    return (
        f"shares of {r['_level']} for node {r['node']!r}{year} sum to {total}, more than {limit} "
        f"({allowance}); fix the shares"
    )


def share_sums(
    findings: Findings, prov: pd.DataFrame, actor_kind: Mapping[str, str], tolerance: float
) -> None:
    """Check the sum of the known shares of each node, provider level and year.

    Above ``1 + tolerance`` is an error (``share_sum``), below ``1 - tolerance`` a warning
    (``share_sum_below``).
    """
    known = prov[prov["share"].notna()].copy()
    if known.empty:
        return
    known["_level"] = known["actor"].map(
        lambda a: "countries/regions" if actor_kind.get(a) in GEOGRAPHY_KINDS else "organizations"
    )
    known["_year"] = known["year"].astype("float64").fillna(-1)
    grouped = known.groupby(["node", "_level", "_year"], sort=False)
    sums = grouped["share"].transform("sum")
    first = grouped.cumcount() == 0
    scale = known["_scale_share"].fillna(1.0).astype(float) if "_scale_share" in known else 1.0
    over = first & (sums > 1 + tolerance + 1e-9)
    findings.add_rows(
        known.assign(_sum=sums * scale),
        over,
        "share",
        lambda r: share_sum_message(r, tolerance),
        "share_sum",
    )
    under = first & (sums < 1 - tolerance)
    findings.add_rows(
        known.assign(_sum=sums),
        under,
        "share",
        lambda r: (
            f"known shares of {r['_level']} for node {r['node']!r} sum to "
            f"{r['_sum']:.4g} of the market; the rest is unknown"
        ),
        "share_sum_below",
        "warning",
    )

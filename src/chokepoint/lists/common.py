"""Shared pieces of the policy lists: the row columns every list carries, names, coverage notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.assessment import Assessment
from chokepoint.assess.supply import AGGREGATE, classify_codes, select_provisions

#: Levels that make a chokepoint list row (卡脖子技术清单); III-IV go to the watch list.
CHOKEPOINT_LEVELS = ("I", "II")
WATCH_LEVELS = ("III", "IV")
GRADED = ("I", "II", "III", "IV")
LEVEL_ORDER = {"I": 0, "II": 1, "III": 2, "IV": 3, "low": 4, "insufficient_data": 5}
#: Below this known share of the market a row says that its finding is indicative only.
LOW_COVERAGE = 0.5
#: The columns every list row starts with (stable JSON, docs/lists.md).
BASE_COLUMNS = ("rank", "id", "name", "name_zh", "reason", "coverage")


def node_names(a: Assessment) -> tuple[np.ndarray, np.ndarray]:
    """English and Chinese names per node position (Chinese falls back to English)."""
    en = a.chain.nodes["name"].to_numpy(dtype=object)
    zh = a.chain.nodes["name_zh"].to_numpy(dtype=object)
    return en, np.where(zh != "", zh, en)


def display_names(a: Assessment, lang: str) -> np.ndarray:
    """Node names per node position in ``lang`` (``zh``: Chinese, falling back to English)."""
    en, zh = node_names(a)
    return zh if lang == "zh" else en


def node_coverage(a: Assessment) -> np.ndarray:
    """Known share of each node's market at its best-known provider level (0 without data).

    A parent scored as its riskiest required kind carries that kind's coverage.
    """
    s = a.supply
    cov: np.ndarray = np.maximum(s.coverage, s.coverage_enterprise)
    src = a.derived_from
    return np.where(src >= 0, cov[np.clip(src, 0, None)], cov)


def coverage_note(coverage: float | None, lang: str) -> str:
    """Return the warning a row carries when less than half of the market behind it is known."""
    if coverage is None or coverage != coverage or coverage >= LOW_COVERAGE:
        return ""
    if lang == "zh":
        return f"（已知份额仅占市场{coverage:.0%}，不足一半：结论仅供参考）"
    return f" (only {coverage:.0%} of the market is known, less than half: indicative only)"


def with_note(reason: str, coverage: float | None, lang: str) -> str:
    """Return ``reason`` followed by its :func:`coverage_note` (nothing added at coverage 0.5 or more)."""
    return reason + coverage_note(coverage, lang)


def finish(rows: pd.DataFrame, own: list[str]) -> pd.DataFrame:
    """Order the columns (base columns first, then the list's own) and number the rows."""
    out = rows.reset_index(drop=True).copy()
    out["rank"] = np.arange(1, len(out) + 1)
    for c in (*BASE_COLUMNS, *own):
        if c not in out.columns:
            out[c] = pd.Series(dtype=object)
    out["coverage"] = [None if v is None or v != v else round(float(v), 4) for v in out["coverage"]]
    return out[[*BASE_COLUMNS, *own]]


def related_nodes(a: Assessment) -> sp.csr_array:
    """Node x node relation: itself, its kinds, its parent, sibling kinds, its inputs (boolean)."""
    ix = a.chain.index
    n = ix.n_nodes
    t = (ix.type_of > 0).astype(float)
    inp = (ix.input_of > 0).astype(float)
    eye = sp.eye_array(n, format="csr")
    rel = eye + t + t.T + (t @ t.T) + inp.T
    return sp.csr_array(rel > 0)


def org_provisions(a: Assessment) -> pd.DataFrame:
    """Enterprise and institution provisions used by the assessment, with the class of their country.

    The provisions are those of the latest year (:func:`~chokepoint.assess.supply.select_provisions`).
    Data aggregates (an organization located in a region without members, such as ETO's
    "Various companies") are left out: they are not a firm anyone can work with.
    """
    ix = a.chain.index
    keep, _ = select_provisions(a.chain, a.perspective)
    org = keep & ~ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    actor = ix.prov_actor[org]
    codes = ix.actor_country[actor].astype(str)
    uniq, inv = np.unique(codes, return_inverse=True)
    cls = classify_codes(uniq, a.chain, a.perspective)[inv] if len(uniq) else np.zeros(0, dtype=np.int8)
    df = pd.DataFrame(
        {
            "node": ix.prov_node[org],
            "actor": actor,
            "share": ix.prov_share[org],
            "country": codes,
            "cls": cls,
            "kind": a.chain.actors["kind"].to_numpy()[actor],
        }
    )
    return df[df["cls"] != AGGREGATE].reset_index(drop=True)


def actor_classes(a: Assessment) -> np.ndarray:
    """Class (home, allied, neutral, restricted, aggregate) of every actor's country."""
    codes = a.chain.index.actor_country.astype(str)
    uniq, inv = np.unique(codes, return_inverse=True)
    return classify_codes(uniq, a.chain, a.perspective)[inv] if len(uniq) else np.zeros(0, dtype=np.int8)

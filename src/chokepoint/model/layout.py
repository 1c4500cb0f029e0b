"""A layered drawing of the chain map: one lane per stage, left to right by tier (pure).

The web UI's chain map and the reports draw the chain from :func:`chain_layout`. Every node that
is not a stage gets a lane (its stage; nodes without a stage share a last lane), a column (its
tier) and a row inside its lane and column:

* **column**: ``c(v) = D - h(v)``, where ``h(v)`` is the longest path (``input_of`` and
  ``type_of`` edges, source to target) from ``v`` to a node with no successor, and ``D`` the
  largest ``h``. Every edge goes at least one column to the right, the chain's final products
  sit in the last column, and a part sits just left of what it goes into (longest-path layering
  from the sinks; Sugiyama, Tagawa and Toda 1981, step 1).
* **row**: nodes of one lane and column are ordered by the barycentre of their neighbours' rows
  (Sugiyama et al. 1981, step 2; the barycentre heuristic), alternating successors and
  predecessors for a fixed number of sweeps, then centred in their lane.

Coordinates are pixels of the drawing at zoom 1: ``x = column * column_width``,
``y = lane top + padding + row * row_height``. Each column is wide enough for a label of
``column_width - 40`` pixels and each row high enough for a wrapped label of two lines at 11 px,
so labels of neighbouring nodes do not overlap at zoom 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.model.chain import ChainMap
from chokepoint.model.graph import topological_tiers

#: default cell of the drawing, pixels at zoom 1
COLUMN_WIDTH = 230.0
ROW_HEIGHT = 40.0
LANE_PADDING = 30.0
SWEEPS = 8


@dataclass(frozen=True)
class ChainLayout:
    """Positions of a chain map's nodes in lanes (see :func:`chain_layout`).

    Attributes
    ----------
    nodes : DataFrame
        One row per node that is not a stage: ``id, lane, column, row, x, y``.
    lanes : DataFrame
        One row per lane, in drawing order: ``stage`` (the stage id, ``""`` for nodes without one),
        ``name``, ``name_zh``, ``top``, ``height`` (pixels) and ``nodes`` (how many it holds).
    width : float
        Width of the drawing in pixels (every column).
    """

    nodes: pd.DataFrame
    lanes: pd.DataFrame
    width: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: ``{"nodes": [...], "lanes": [...], "width": ...}``."""
        return {
            "nodes": self.nodes.to_dict("records"),
            "lanes": self.lanes.to_dict("records"),
            "width": self.width,
            "column_width": COLUMN_WIDTH,
            "row_height": ROW_HEIGHT,
        }


def chain_layout(
    chain: ChainMap,
    *,
    column_width: float = COLUMN_WIDTH,
    row_height: float = ROW_HEIGHT,
    lane_padding: float = LANE_PADDING,
    sweeps: int = SWEEPS,
) -> ChainLayout:
    """Lay ``chain`` out in stage lanes, layered left to right by tier.

    Parameters
    ----------
    chain : ChainMap
        A validated chain map (``input_of`` and ``type_of`` together have no cycle).
    column_width, row_height, lane_padding : float
        Size of one column, one row and the space above and below each lane's rows, in pixels.
    sweeps : int
        Barycentre sweeps (each one by successors, then by predecessors).

    Returns
    -------
    ChainLayout
        Columns, rows and pixel positions of every node that is not a stage, and the lanes.

    Notes
    -----
    Column ``c(v) = D - h(v)`` with ``h`` the longest path to a sink; rows by the barycentre
    heuristic (Sugiyama, Tagawa and Toda, "Methods for visual understanding of hierarchical
    system structures", IEEE SMC 11(2), 1981). Deterministic: ties keep the chain's row order.
    """
    ix = chain.index
    nodes = chain.nodes
    keep = ~ix.node_is_stage
    pos = np.flatnonzero(keep)
    n = len(pos)
    adj = sp.csr_array(ix.input_of + ix.type_of)[pos][:, pos]
    adj = sp.csr_array((adj != 0).astype(float))
    # h(v): longest path to a sink = Kahn tier on the reversed graph
    height = np.zeros(n, dtype=int)
    for t, members in enumerate(topological_tiers(adj.T.tocsr())):
        height[members] = t
    column = int(height.max(initial=0)) - height

    stage_rows = nodes[ix.node_is_stage]
    lane_ids = [str(s) for s in stage_rows["id"]]
    stage = nodes["stage"].to_numpy(dtype=object)[pos].astype(str)
    known = np.isin(stage, lane_ids)
    if not known.all():
        lane_ids.append("")
        stage = np.where(known, stage, "")
    lane = pd.Index(lane_ids).get_indexer(pd.Index(stage))

    # barycentre sweeps: rank inside (lane, column); start from the chain's row order
    order = np.arange(n, dtype=float)
    succ = _row_normalized(adj)
    pred = _row_normalized(sp.csr_array(adj.T))
    has_succ = np.diff(adj.indptr) > 0
    has_pred = np.diff(sp.csr_array(adj.T).indptr) > 0
    row = _ranks(lane, column, order)
    for _ in range(sweeps):
        for mat, has in ((succ, has_succ), (pred, has_pred)):
            bary = np.where(has, mat @ row, row)
            row = _ranks(lane, column, bary + row * 1e-6)

    group = lane * (int(column.max(initial=0)) + 1) + column
    group_size = np.bincount(group, minlength=int(group.max(initial=0)) + 1)[group]
    lane_rows = np.zeros(len(lane_ids), dtype=int)
    np.maximum.at(lane_rows, lane, group_size)
    lane_height = lane_rows * row_height + 2 * lane_padding
    lane_top = np.concatenate([[0.0], np.cumsum(lane_height)[:-1]])
    offset = (lane_rows[lane] - group_size) / 2.0
    y = lane_top[lane] + lane_padding + (offset + row + 0.5) * row_height
    x = column * column_width

    by_id = stage_rows.set_index("id")
    lanes = pd.DataFrame(
        {
            "stage": lane_ids,
            "name": [str(by_id["name"].get(s, "")) if s else "" for s in lane_ids],
            "name_zh": [str(by_id["name_zh"].get(s, "")) if s else "" for s in lane_ids],
            "top": lane_top,
            "height": lane_height,
            "nodes": np.bincount(lane, minlength=len(lane_ids)),
        }
    )
    lanes = lanes[lanes["nodes"] > 0].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "id": nodes["id"].to_numpy(dtype=object)[pos],
            "lane": stage,
            "column": column,
            "row": row.astype(int),
            "x": x,
            "y": y,
        }
    )
    return ChainLayout(out, lanes, float((int(column.max(initial=0)) + 1) * column_width))


def _row_normalized(m: sp.csr_array) -> sp.csr_array:
    """``m`` with each row summing to one (rows without entries stay empty)."""
    deg = np.asarray(m.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.csr_array(sp.diags_array(inv) @ m)


def _ranks(lane: np.ndarray, column: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank ``0..k-1`` of each node by ``key`` inside its (lane, column) group (stable)."""
    order = np.lexsort((np.arange(len(key)), key, column, lane))
    g = lane[order] * (int(column.max(initial=0)) + 1) + column[order]
    start = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(key), dtype=float)
    rank[order] = np.arange(len(key)) - first
    return rank

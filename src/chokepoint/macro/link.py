"""Link the chain to an input-output system: nodes tagged with a sector get a macro criticality.

A node carries its sector in ``tags`` as ``sector:<region>/<sector>`` (or ``sector:<sector>`` when
the system has one region). Its macro criticality is the sector's total hypothetical-extraction loss
as a share of total output, divided by the largest such share (so the most critical sector is 1).
:func:`chokepoint.assess.assess` blends it into the graph criticality with
``AssessmentConfig.macro_weight`` (default 0.5) for the nodes that have one.
"""

from __future__ import annotations

from chokepoint.macro.leontief import IOSystem
from chokepoint.model.chain import ChainMap

TAG = "sector:"


def macro_criticality(chain: ChainMap, system: IOSystem) -> dict[str, float]:
    """Node id -> macro criticality in [0, 1] for nodes tagged with a sector of ``system``."""
    ext = system.extraction("total")
    share = ext["loss_share"].to_numpy()
    top = share.max() if len(share) and share.max() > 0 else 1.0
    regions = system.labels["region"].astype(str).tolist()
    sectors = system.labels["sector"].astype(str).tolist()
    by_key = {f"{r}/{s}": v / top for r, s, v in zip(regions, sectors, share, strict=True)}
    single = len(set(regions)) == 1
    if single:
        by_key.update({s: v / top for s, v in zip(sectors, share, strict=True)})
    out = {}
    for nid, tags in zip(chain.nodes["id"], chain.nodes["tags"], strict=True):
        values = [by_key[t[len(TAG) :]] for t in tags if t.startswith(TAG) and t[len(TAG) :] in by_key]
        if values:
            out[str(nid)] = max(values)
    return out

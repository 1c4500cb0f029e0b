r"""Link the chain to an input-output system: nodes tagged with a sector get a macro criticality.

A node carries its sector in ``tags`` as ``sector:<region>/<sector>`` (or ``sector:<sector>`` when
the system has one region). Its macro criticality is the sector's **extraction multiplier beyond
itself** (:func:`extraction_multiplier`): the output lost in the *other* sectors when the sector is
hypothetically extracted, per unit of the sector's own output, divided by the largest such value
(so the most critical sector is 1). :func:`chokepoint.assess.assess` blends it into the graph
criticality with ``AssessmentConfig.macro_weight`` (default 0.5) for the nodes that have one.
"""

from __future__ import annotations

import numpy as np

from chokepoint.macro.leontief import IOSystem
from chokepoint.model.chain import ChainMap

TAG = "sector:"


def extraction_multiplier(system: IOSystem) -> np.ndarray:
    r"""Output lost in the other sectors per unit of own output when each sector is extracted.

    Total hypothetical extraction of sector :math:`j` (its row and column of :math:`A` and its
    final demand removed; Miller and Blair 2009, ch. 12, hypothetical extraction, after
    Strassert 1968 and Schultz 1977) lowers sector :math:`i`'s output by
    :math:`D_{ij} = L_{ij} x_j / L_{jj}` (block inverse of :math:`I - A`). Dropping the sector's
    own term :math:`D_{jj} = x_j` and dividing by :math:`x_j` gives, for every sector at once,

    .. math::

        m_j = \frac{\sum_{i \ne j} D_{ij}}{x_j} = \frac{\sum_i L_{ij} - L_{jj}}{L_{jj}},

    the output the rest of the economy loses per unit of the extracted sector's output.

    Why this measure: the total loss :math:`\sum_i D_{ij}` (the old macro criticality) contains
    :math:`x_j` itself and scales with it, so it ranked sectors by size (Spearman 0.99 with
    :math:`x` on the BEA 2015 Summary table). :math:`m_j` is size-free like a Rasmussen (1956)
    index, since it depends only on column :math:`j` of :math:`L`; unlike the plain column sum it
    also leaves out the sector's own intra-sector feedback :math:`L_{jj}`, so it measures how much
    the *other* sectors depend on it. A sector with no output (:math:`A` column zero,
    :math:`L_{:,j} = e_j`) gets 0.

    Parameters
    ----------
    system : IOSystem
        The input-output system.

    Returns
    -------
    numpy.ndarray
        :math:`m_j` per sector (length :math:`n`), non-negative where :math:`L \ge 0`.
    """
    L = system.L
    d = np.diag(L)
    beyond = L.sum(axis=0) - d
    m: np.ndarray = np.divide(beyond, d, out=np.zeros(system.n), where=d != 0)
    return m


def macro_criticality(chain: ChainMap, system: IOSystem) -> dict[str, float]:
    r"""Node id -> macro criticality in [0, 1] for nodes tagged with a sector of ``system``.

    The value is :math:`\max(m_j, 0) / \max_k m_k` with :math:`m` from
    :func:`extraction_multiplier` (output lost in the other sectors per unit of the sector's own
    output under hypothetical extraction; Miller and Blair 2009, ch. 12); a node tagged with
    several sectors takes the largest.

    Parameters
    ----------
    chain : ChainMap
        The chain; sectors are read from node ``tags`` (``sector:<region>/<sector>``, or
        ``sector:<sector>`` for a one-region system).
    system : IOSystem
        The input-output system.

    Returns
    -------
    dict of str to float
        Macro criticality per tagged node; untagged nodes are absent.
    """
    m = np.clip(extraction_multiplier(system), 0.0, None)
    top = float(m.max()) if len(m) and m.max() > 0 else 1.0
    score = (m / top).tolist()
    regions = system.labels["region"].astype(str).tolist()
    sectors = system.labels["sector"].astype(str).tolist()
    by_key = {f"{r}/{s}": v for r, s, v in zip(regions, sectors, score, strict=True)}
    if len(set(regions)) == 1:
        by_key.update(dict(zip(sectors, score, strict=True)))
    out = {}
    for nid, tags in zip(chain.nodes["id"], chain.nodes["tags"], strict=True):
        values = [by_key[t[len(TAG) :]] for t in tags if t.startswith(TAG) and t[len(TAG) :] in by_key]
        if values:
            out[str(nid)] = max(values)
    return out

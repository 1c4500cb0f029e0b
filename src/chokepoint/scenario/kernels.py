r"""Compiled kernels of the propagation engine (numba, GIL released).

Both work on the dependency graph renumbered in topological order (node ``t`` of the new
numbering is node ``order[t]`` of the chain; every input of ``t`` has a smaller number), so
one pass ``t = 0 .. n-1`` propagates every tier, and a node's inputs are read from earlier,
mostly nearby, rows. Inputs and outputs are in the chain's order.

The rule (:mod:`chokepoint.scenario.engine`) on losses :math:`\ell = 1 - a`:

.. math:: \ell_t = \max\big(\ell^{base}_t,\; \max_{s \to t} w_{st}\, \ell_s\big)

where the base is the node's supply loss (the coverage rule of
:mod:`chokepoint.assess.coverage`: the larger known loss of its two provider levels, its
bound adding the level's unknown remainder), or, for a ``type_of`` parent that combines its
kinds, their largest loss (mode 1, rule ``all``) or their weighted mean (mode 2, rule
``any``). The bound propagates through the same pass (the rule is monotone).

:func:`propagate_one` is the single-scenario kernel (values in registers);
:func:`propagate_columns` processes scenario columns in blocks of ``width`` (a block's rows are
contiguous, so the inner loop over its columns vectorizes), one block at a time in a scratch
buffer that stays in cache; the engine runs several column ranges on a thread pool.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chokepoint.assess.coverage import bound_of_levels, clip01


@njit(cache=True, nogil=True)
def propagate_one(
    out: np.ndarray,
    out_bound: np.ndarray,
    cut: np.ndarray,
    cap: np.ndarray,
    prov_rnode: np.ndarray,
    prov_level: np.ndarray,
    prov_w: np.ndarray,
    remainder: np.ndarray,
    present: np.ndarray,
    order: np.ndarray,
    mode: np.ndarray,
    kind_ptr: np.ndarray,
    kind_src: np.ndarray,
    kind_w: np.ndarray,
    in_ptr: np.ndarray,
    in_src: np.ndarray,
    in_w: np.ndarray,
    availability: bool,
) -> None:  # pragma: no cover - compiled; covered through PropagationEngine
    """One scenario from its cut: supply by the coverage rule and propagation in one pass.

    ``cut``: the fraction of each provision cut. ``cap``: capacity loss per node
    (chain order) or empty. ``out`` (and ``out_bound`` unless empty) receive the loss, or the
    availability when ``availability``, in chain order.
    """
    n = order.shape[0]
    upper = out_bound.shape[0] > 0
    geo = np.zeros(n)
    org = np.zeros(n)
    depth = np.zeros(n if upper else 0)
    hit = np.empty(cut.shape[0], dtype=np.int64)
    m = 0
    for p in range(cut.shape[0]):  # the provisions cut, without a branch (most are not)
        hit[m] = p
        m += cut[p] != 0.0
    for f in range(m):
        p = hit[f]
        c = cut[p]
        t = prov_rnode[p]
        x = prov_w[p] * c
        if prov_level[p] == 0:
            geo[t] += x
        else:
            org[t] += x
        if upper and c > depth[t]:
            depth[t] = c
    has_cap = cap.shape[0] > 0
    for t in range(n):
        o = order[t]
        m = mode[t]
        if m != 0:
            v = 0.0
            b = 0.0
            for e in range(kind_ptr[t], kind_ptr[t + 1]):
                s = kind_src[e]
                if m == 1:
                    if geo[s] > v:
                        v = geo[s]
                    if upper and depth[s] > b:
                        b = depth[s]
                else:
                    v += kind_w[e] * geo[s]
                    if upper:
                        b += kind_w[e] * depth[s]
        else:
            lg = clip01(geo[t])
            lo = clip01(org[t])
            v = lg if lg > lo else lo
            b = v
            if upper:
                g, o2 = present[t, 0], present[t, 1]
                b = bound_of_levels(lg, lo, v, depth[t], g, o2, remainder[t, 0], remainder[t, 1])
            if has_cap:
                c = cap[o]
                v = 1.0 - (1.0 - v) * (1.0 - c)
                b = 1.0 - (1.0 - b) * (1.0 - c)
        if upper:
            for e in range(in_ptr[t], in_ptr[t + 1]):
                s = in_src[e]
                w = in_w[e]
                x = w * geo[s]
                if x > v:
                    v = x
                x = w * depth[s]
                if x > b:
                    b = x
        else:
            for e in range(in_ptr[t], in_ptr[t + 1]):
                x = in_w[e] * geo[in_src[e]]
                if x > v:
                    v = x
        geo[t] = v  # from here on, row t of geo (depth) holds the propagated loss (bound)
        out[o] = 1.0 - v if availability else v
        if upper:
            depth[t] = b
            out_bound[o] = 1.0 - b if availability else b


WIDTH = 8  # scenario columns per block: one cache line of float64 per row, eight registers


@njit(cache=True, nogil=True, inline="always")
def _max_inputs8(buf: np.ndarray, t: int, ptr: np.ndarray, src: np.ndarray, weight: np.ndarray) -> None:
    # pragma: no cover - compiled
    """``buf[t, :8] = max(buf[t, :8], max_e w_e buf[src_e, :8])`` with the row in registers."""
    a0 = buf[t, 0]
    a1 = buf[t, 1]
    a2 = buf[t, 2]
    a3 = buf[t, 3]
    a4 = buf[t, 4]
    a5 = buf[t, 5]
    a6 = buf[t, 6]
    a7 = buf[t, 7]
    for e in range(ptr[t], ptr[t + 1]):
        s = src[e]
        w = weight[e]
        a0 = max(a0, w * buf[s, 0])
        a1 = max(a1, w * buf[s, 1])
        a2 = max(a2, w * buf[s, 2])
        a3 = max(a3, w * buf[s, 3])
        a4 = max(a4, w * buf[s, 4])
        a5 = max(a5, w * buf[s, 5])
        a6 = max(a6, w * buf[s, 6])
        a7 = max(a7, w * buf[s, 7])
    buf[t, 0] = a0
    buf[t, 1] = a1
    buf[t, 2] = a2
    buf[t, 3] = a3
    buf[t, 4] = a4
    buf[t, 5] = a5
    buf[t, 6] = a6
    buf[t, 7] = a7


@njit(cache=True, nogil=True)
def propagate_columns(
    c_start: int,
    c_stop: int,
    out: np.ndarray,
    out_bound: np.ndarray,
    pre: np.ndarray,
    cut_ptr: np.ndarray,
    cut_row: np.ndarray,
    cut_val: np.ndarray,
    cap: np.ndarray,
    prov_rnode: np.ndarray,
    prov_level: np.ndarray,
    prov_w: np.ndarray,
    remainder: np.ndarray,
    present: np.ndarray,
    order: np.ndarray,
    mode: np.ndarray,
    kind_ptr: np.ndarray,
    kind_src: np.ndarray,
    kind_w: np.ndarray,
    in_ptr: np.ndarray,
    in_src: np.ndarray,
    in_w: np.ndarray,
    inventory: np.ndarray,
    period: int,
    step: float,
    availability: bool,
) -> None:  # pragma: no cover - compiled; covered through PropagationEngine
    """Scenario columns ``[c_start, c_stop)`` in blocks of :data:`WIDTH`.

    ``pre``, ``cap``, ``out`` and ``out_bound`` hold the range's columns in blocks
    ``[b, t, j]`` (column ``c_start + WIDTH b + j``, renumbered node ``t``; :func:`to_blocks`), so
    that a block is contiguous. The supply loss is ``pre`` (already by the coverage rule) when it is
    not empty, else it is computed from the cut (CSC arrays ``cut_ptr``, ``cut_row``,
    ``cut_val``, ``(n_provisions, k)``) with its bound when ``out_bound`` is not empty.
    ``cap``: capacity loss ``(n, k)`` or empty. ``inventory`` (days, renumbered order): for the
    dynamics, columns come in runs of ``period`` steps of ``step`` days (``c_start`` starts a
    run), and a node's stock, drawn by each step's loss, covers the loss until it runs out.
    ``out`` (``out_bound``) receive the loss, or the availability; ``out`` may be ``pre`` itself.
    """
    n = order.shape[0]
    upper = out_bound.shape[0] > 0
    from_cut = pre.shape[0] == 0
    has_cap = cap.shape[0] > 0
    has_inv = inventory.shape[0] > 0
    buf = np.zeros((n, WIDTH))  # propagated loss, renumbered order
    geo = np.zeros((WIDTH, n if from_cut else 0))  # known loss per level, a row per column
    org = np.zeros((WIDTH, n if from_cut else 0))
    bnd = np.zeros((n if upper else 0, WIDTH))
    depth = np.zeros((WIDTH, n if upper else 0))
    stock = np.zeros(n if has_inv else 0)
    for c0 in range(c_start, c_stop, WIDTH):
        nc = min(WIDTH, c_stop - c0)
        b_ix = (c0 - c_start) // WIDTH
        if from_cut:
            for j in range(nc):
                for f in range(cut_ptr[c0 + j], cut_ptr[c0 + j + 1]):
                    p = cut_row[f]
                    t = prov_rnode[p]
                    x = prov_w[p] * cut_val[f]
                    if prov_level[p] == 0:
                        geo[j, t] += x
                    else:
                        org[j, t] += x
                    if upper and cut_val[f] > depth[j, t]:
                        depth[j, t] = cut_val[f]
        for t in range(n):
            m = mode[t]
            if m == 0:  # the node's supply loss (padding columns beyond nc are 0 and stay 0)
                if from_cut:
                    for j in range(WIDTH):
                        lg = clip01(geo[j, t])
                        lo = clip01(org[j, t])
                        buf[t, j] = lg if lg > lo else lo
                    if upper:
                        g, o, rg, ro = present[t, 0], present[t, 1], remainder[t, 0], remainder[t, 1]
                        for j in range(WIDTH):
                            lg = clip01(geo[j, t])
                            lo = clip01(org[j, t])
                            bnd[t, j] = bound_of_levels(lg, lo, buf[t, j], depth[j, t], g, o, rg, ro)
                            depth[j, t] = 0.0
                else:
                    for j in range(WIDTH):
                        buf[t, j] = pre[b_ix, t, j]
                    if upper:
                        for j in range(WIDTH):
                            bnd[t, j] = buf[t, j]
                if has_cap:
                    for j in range(WIDTH):
                        keep = 1.0 - cap[b_ix, t, j]
                        buf[t, j] = 1.0 - (1.0 - buf[t, j]) * keep
                    if upper:
                        for j in range(WIDTH):
                            bnd[t, j] = 1.0 - (1.0 - bnd[t, j]) * (1.0 - cap[b_ix, t, j])
            else:  # a parent that combines its kinds: their largest loss or weighted mean
                for j in range(WIDTH):
                    buf[t, j] = 0.0
                if upper:
                    for j in range(WIDTH):
                        bnd[t, j] = 0.0
                        depth[j, t] = 0.0
                for e in range(kind_ptr[t], kind_ptr[t + 1]):
                    s = kind_src[e]
                    w = kind_w[e]
                    for j in range(WIDTH):
                        buf[t, j] = max(buf[t, j], buf[s, j]) if m == 1 else buf[t, j] + w * buf[s, j]
                    if upper:
                        for j in range(WIDTH):
                            bnd[t, j] = max(bnd[t, j], bnd[s, j]) if m == 1 else bnd[t, j] + w * bnd[s, j]
            if from_cut:  # ready for the next block
                for j in range(WIDTH):
                    geo[j, t] = 0.0
                    org[j, t] = 0.0
            _max_inputs8(buf, t, in_ptr, in_src, in_w)
            if upper:
                _max_inputs8(bnd, t, in_ptr, in_src, in_w)
            if has_inv and inventory[t] > 0.0:
                for j in range(nc):
                    if (c0 + j - c_start) % period == 0:
                        stock[t] = inventory[t]
                    need = buf[t, j] * step
                    used = need if need < stock[t] else stock[t]
                    stock[t] -= used
                    buf[t, j] = (need - used) / step
            if availability:
                for j in range(WIDTH):
                    out[b_ix, t, j] = 1.0 - buf[t, j]
            else:
                for j in range(WIDTH):
                    out[b_ix, t, j] = buf[t, j]
            if upper:
                if availability:
                    for j in range(WIDTH):
                        out_bound[b_ix, t, j] = 1.0 - bnd[t, j]
                else:
                    for j in range(WIDTH):
                        out_bound[b_ix, t, j] = bnd[t, j]


@njit(cache=True, nogil=True)
def to_blocks(dst: np.ndarray, src: np.ndarray, order: np.ndarray, c0: int, c1: int) -> None:
    # pragma: no cover - compiled
    """Columns ``[c0, c1)`` of ``src`` (chain order) into blocks ``dst[b, t, j]`` (renumbered
    order), the last block padded with zeros.
    """
    for t in range(order.shape[0]):
        o = order[t]
        for b in range(dst.shape[0]):
            base = c0 + b * WIDTH
            for j in range(WIDTH):
                dst[b, t, j] = src[o, base + j] if base + j < c1 else 0.0


@njit(cache=True, nogil=True)
def from_blocks(dst: np.ndarray, src: np.ndarray, rank: np.ndarray, c0: int, c1: int) -> None:
    # pragma: no cover - compiled
    """Blocks ``src[b, t, j]`` (renumbered order) into columns ``[c0, c1)`` of ``dst`` (chain order).

    Rows of ``dst`` are written in order (a fresh output is faulted in sequentially); node ``i``
    of the chain is ``rank[i]`` in the renumbered order.
    """
    full = (c1 - c0) // WIDTH
    for i in range(rank.shape[0]):
        t = rank[i]
        for b in range(full):
            base = c0 + b * WIDTH
            for j in range(WIDTH):
                dst[i, base + j] = src[b, t, j]
        for c in range(c0 + full * WIDTH, c1):
            dst[i, c] = src[full, t, c - c0 - full * WIDTH]

r"""Closed-form hypothetical extraction of each sector, every sector at once.

With the Leontief inverse :math:`L = (I - A)^{-1}`, the Ghosh inverse
:math:`G = (I - B)^{-1} = \hat x^{-1} L \hat x`, gross output :math:`x` and final demand
:math:`y`, removing a rank-one part of :math:`A` (or :math:`B`) is solved by the
Sherman-Morrison identity, :math:`(M + u v^\top)^{-1} = M^{-1} - M^{-1} u v^\top M^{-1} /
(1 + v^\top M^{-1} u)`, so no system is re-solved. For sector :math:`j`
(:math:`\delta_{ij}` the Kronecker delta, :math:`a_{jj} = b_{jj} = z_{jj} / x_j`):

* ``total``: row and column :math:`j` of :math:`A` removed and :math:`y_j` with them; sector
  :math:`i` loses :math:`L_{ij} x_j / L_{jj}` (Miller and Blair 2009, sec. 12.2);
* ``backward`` (column :math:`j` of :math:`A` zeroed, diagonal included; Leontief model, demand
  :math:`y` fixed): :math:`(L_{ij} - \delta_{ij}) x_j / L_{jj}`; keeping the diagonal
  :math:`a_{jj}`: :math:`x_j (L_{ij} / L_{jj} - \delta_{ij} / (L_{jj} (1 - a_{jj})))`;
* ``forward`` (row :math:`j` of :math:`A` zeroed, diagonal included; row removal in the
  *Leontief* model, demand :math:`y` fixed): :math:`L_{ij} (x_j - y_j) / L_{jj}`; keeping the
  diagonal: :math:`L_{ij} (x_j - y_j / (1 - a_{jj})) / L_{jj}`;
* ``forward_ghosh`` (row :math:`j` of :math:`B` zeroed in the *Ghosh* model, primary inputs
  :math:`v^\top = x^\top (I - B)` fixed, :math:`\bar x^\top = v^\top (I - \bar B)^{-1}`;
  Dietzenbacher, van der Linden and Steenge 1993; Miller and Blair 2009, sec. 12.2.2): sector
  :math:`i` loses :math:`x_j (G_{ji} - \delta_{ij}) / G_{jj}`; keeping the diagonal
  :math:`b_{jj}`: :math:`x_j (G_{ji} / G_{jj} - \delta_{ij} / (G_{jj} (1 - b_{jj})))`.

The Ghosh variant carries Oosterhaven's (1988) caveat on the plausibility of the supply-driven
model: read it as a forward-linkage indicator, not as a forecast.
"""

from __future__ import annotations

import numpy as np

from chokepoint.errors import UsageError

KINDS = ("total", "backward", "forward", "forward_ghosh")


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (a sector without output loses nothing)."""
    out: np.ndarray = np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)
    return out


def extraction_losses(
    L: np.ndarray,
    G: np.ndarray,
    A: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    kind: str = "total",
    keep_diagonal: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Total output lost and the extracted sector's own loss, for each sector extracted alone.

    Parameters
    ----------
    L, G, A : numpy.ndarray
        Leontief inverse, Ghosh inverse and technical coefficients (n x n).
    x, y : numpy.ndarray
        Gross output and total final demand (n).
    kind : str
        ``total``, ``backward``, ``forward`` (row removal in the Leontief model) or
        ``forward_ghosh`` (row removal in the Ghosh model); formulas in the module docstring.
    keep_diagonal : bool
        Keep the intra-sector coefficient :math:`a_{jj}` (or :math:`b_{jj}`) when removing a
        column or a row (default: it is zeroed with the rest of the column or row).

    Returns
    -------
    tuple of numpy.ndarray
        ``loss`` (:math:`\sum_i \Delta x_i` when sector :math:`j` is extracted) and ``own``
        (:math:`\Delta x_j`, the extracted sector's own loss), both of length n.

    Raises
    ------
    UsageError
        Unknown ``kind``, or ``keep_diagonal`` with ``total`` (the whole sector goes).
    """
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}")
    if kind == "total" and keep_diagonal:
        raise UsageError("keep_diagonal applies to backward, forward and forward_ghosh extraction")
    d = np.diag(L)
    a = np.diag(A)
    if kind == "total":
        return x * L.sum(axis=0) / d, x.copy()
    if kind == "backward":
        col = L.sum(axis=0)
        if not keep_diagonal:
            return x * (col - 1.0) / d, x * (d - 1.0) / d
        kept = 1.0 / (d * (1.0 - a))
        return x * (col / d - kept), x * (1.0 - kept)
    if kind == "forward":
        sold = x - y if not keep_diagonal else x - _safe_div(y, 1.0 - a)
        return L.sum(axis=0) * sold / d, sold
    g = np.diag(G)
    row = G.sum(axis=1)
    if not keep_diagonal:
        return _safe_div(x * (row - 1.0), g), _safe_div(x * (g - 1.0), g)
    kept = _safe_div(np.ones_like(g), g * (1.0 - a))
    return x * (_safe_div(row, g) - kept), np.where(g != 0, x * (1.0 - kept), 0.0)

r"""Symmetric tables from supply (Make) and Use tables: BEA's industry-technology method.

Notation of Miller and Blair (2009, *Input-Output Analysis*, 2nd ed., ch. 5) and of BEA's
*Concepts and Methods of the U.S. Input-Output Accounts* (Horowitz and Planting 2006/2009, ch. 12),
for :math:`m` commodities and :math:`n` industries:

* :math:`U` (m x n): commodities used by industries; :math:`E` (m x k): final uses;
* :math:`V` (n x m): the Make table, commodities made by industries;
* :math:`g = V 1` industry output, :math:`q = V^\top 1` commodity output;
* direct requirements :math:`B = U \hat g^{-1}` (commodity per unit of industry output);
* market shares :math:`D = V \hat q^{-1}` (industry :math:`j`'s share of commodity :math:`c`);
* BEA's scrap adjustment: scrap (a by-product, commodity ``Used``) is left out of the market
  shares and each industry's shares are scaled up by its non-scrap ratio,
  :math:`W = (I - \hat p)^{-1} D` with :math:`p_j = \text{scrap}_j / g_j`, so that
  :math:`W q = g`;
* industry-technology assumption (each industry makes all its commodities with one input
  structure): industry-by-industry coefficients :math:`A = W B` (flows :math:`Z = W U`, final
  demand :math:`W E`), total requirements industry by industry :math:`(I - W B)^{-1}`, commodity
  by commodity :math:`(I - B W)^{-1}`, and industry by commodity (BEA's published
  ``IxC_TR`` table) :math:`W (I - B W)^{-1} = (I - W B)^{-1} W` (push-through identity).

All functions are pure (numpy arrays in, arrays out) and vectorized.
"""

from __future__ import annotations

import numpy as np

from chokepoint.errors import UsageError


def _inverse_or_zero(v: np.ndarray) -> np.ndarray:
    inv: np.ndarray = np.divide(1.0, v, out=np.zeros(v.shape), where=v != 0)
    return inv


def calc_market_shares(make: np.ndarray, scrap: int | None = None) -> np.ndarray:
    r"""Market shares :math:`W` (n x m) from a Make table, with BEA's scrap adjustment.

    Parameters
    ----------
    make : the Make table :math:`V` (industries x commodities), in money.
    scrap : the column of the scrap commodity (BEA's ``Used``), or ``None``.

    Returns
    -------
    numpy.ndarray
        :math:`D = V \hat q^{-1}` (a commodity nobody makes has a zero column); with ``scrap``,
        its column is zero and row :math:`j` is scaled by :math:`g_j / (g_j - \text{scrap}_j)`
        (Horowitz and Planting, ch. 12), so :math:`W q = g`.

    Raises
    ------
    UsageError
        ``make`` is not 2-D, has a negative cell, or an industry makes only scrap.
    """
    V = np.asarray(make, dtype=float)
    if V.ndim != 2:
        raise UsageError(f"a Make table is 2-D (industries x commodities); got shape {V.shape}")
    if (V < 0).any():
        raise UsageError("a Make table has no negative cells (industries make commodities)")
    q = V.sum(axis=0)
    D: np.ndarray = V * _inverse_or_zero(q)[None, :]
    if scrap is None:
        return D
    g = V.sum(axis=1)
    non_scrap = g - V[:, scrap]
    if ((non_scrap <= 0) & (g > 0)).any():
        raise UsageError("an industry makes only scrap: its market shares are undefined")
    D[:, scrap] = 0.0
    scale = np.divide(g, non_scrap, out=np.ones_like(g), where=non_scrap > 0)
    W: np.ndarray = D * scale[:, None]
    return W


def calc_industry_flows(
    use: np.ndarray, final_demand: np.ndarray, make: np.ndarray, scrap: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Industry-by-industry flows and final demand under the industry-technology assumption.

    Parameters
    ----------
    use : :math:`U`, commodities x industries (the intermediate part of the Use table).
    final_demand : :math:`E`, commodities x final-demand categories.
    make : :math:`V`, industries x commodities, commodities in ``use``'s row order.
    scrap : the commodity index of scrap (BEA's ``Used``), or ``None``.

    Returns
    -------
    (Z, Y) : numpy.ndarray
        :math:`Z = W U` (n x n) and :math:`Y = W E` (n x k), :math:`W` from
        :func:`calc_market_shares`; then :math:`Z 1 + Y 1 = W q_U`, which is industry output
        :math:`g` when the Use table's commodity totals equal the Make table's.

    Raises
    ------
    UsageError
        The shapes do not agree.
    """
    U = np.asarray(use, dtype=float)
    E = np.asarray(final_demand, dtype=float).reshape(U.shape[0], -1)
    V = np.asarray(make, dtype=float)
    if V.shape != (U.shape[1], U.shape[0]):
        raise UsageError(
            f"the Make table is {V.shape} but the Use table is {U.shape}: Make must be "
            "industries x commodities in the Use table's order"
        )
    W = calc_market_shares(V, scrap)
    return W @ U, W @ E


def calc_total_requirements_ixc(use: np.ndarray, make: np.ndarray, scrap: int | None = None) -> np.ndarray:
    r"""BEA's industry-by-commodity total requirements :math:`W (I - B W)^{-1}` (n x m).

    :math:`B = U \hat g^{-1}` with :math:`g = V 1`; column sums are the output multipliers BEA
    publishes (``Total Industry Output`` row of ``IxC_TR``). Computed as :math:`(I - WB)^{-1} W`
    from one solve of the n x n system.
    """
    U = np.asarray(use, dtype=float)
    V = np.asarray(make, dtype=float)
    if V.shape != (U.shape[1], U.shape[0]):
        raise UsageError(f"the Make table is {V.shape} but the Use table is {U.shape}")
    g = V.sum(axis=1)
    B = U * _inverse_or_zero(g)[None, :]
    W = calc_market_shares(V, scrap)
    total: np.ndarray = np.linalg.solve(np.eye(V.shape[0]) - W @ B, W)
    return total

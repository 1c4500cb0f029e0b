r"""Inoperability bounded to :math:`[0, 1]`: an active-set solve instead of clipping afterwards.

The inoperability input-output model (Haimes and Jiang 2001; Santos and Haimes 2004) solves
:math:`q = A^* q + c^*`. Inoperability is a fraction, :math:`0 \le q_i \le 1`; clipping the
unbounded solution afterwards leaves the other sectors computed from an impossible
:math:`q_i > 1`. Here a sector that leaves the interval is fixed at the bound it crossed (its
inoperability becomes exogenous, like a supply cap) and the free sectors are re-solved,

.. math:: q_f = (I - A^*_{ff})^{-1} (c^*_f + A^*_{fb} q_b),

until no free sector is outside :math:`[0, 1]`. A fixed sector stays fixed, so there are at most
:math:`n` re-solves. With :math:`A^* \ge 0` and :math:`c^* \ge 0` the free solution only falls
when a sector is brought down to 1 (:math:`(I - A^*_{ff})^{-1} \ge 0`), so no sector fixed at 1
would come back below 1: the result is the solution of the bounded (mixed exogenous/endogenous)
model of Miller and Blair (2009, sec. 13.1) with the saturated sectors exogenous.
"""

from __future__ import annotations

import numpy as np

#: how far outside [0, 1] a solved value may fall by rounding before the bound is made active
TOLERANCE = 1e-12


def bounded_solve(
    a_star: np.ndarray, c_star: np.ndarray, capped: dict[int, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Solve :math:`q = A^* q + c^*` with :math:`0 \le q \le 1` and capped sectors fixed.

    Parameters
    ----------
    a_star : numpy.ndarray
        Interdependency matrix :math:`A^*` (n x n).
    c_star : numpy.ndarray
        Demand-side perturbation :math:`c^*` (fractions, length n).
    capped : dict of int to float, optional
        Sector -> inoperability fixed by a supply-side cap (clipped to :math:`[0, 1]`).

    Returns
    -------
    tuple of numpy.ndarray
        ``q`` (length n, in :math:`[0, 1]`) and ``at_bound`` (boolean, length n): the sectors the
        solve fixed at 0 or 1 because their free solution left the interval (capped sectors are
        not flagged).
    """
    n = len(a_star)
    c = np.asarray(c_star, dtype=float).reshape(n)
    q = np.zeros(n)
    fixed = np.zeros(n, dtype=bool)
    for i, v in (capped or {}).items():
        q[i] = min(max(float(v), 0.0), 1.0)
        fixed[i] = True
    at_bound = np.zeros(n, dtype=bool)
    for _ in range(n + 1):
        free = np.flatnonzero(~fixed)
        if len(free) == 0:
            break
        rest = np.flatnonzero(fixed)
        rhs = c[free] + a_star[np.ix_(free, rest)] @ q[rest]
        q[free] = np.linalg.solve(np.eye(len(free)) - a_star[np.ix_(free, free)], rhs)
        out = free[(q[free] > 1.0 + TOLERANCE) | (q[free] < -TOLERANCE)]
        if len(out) == 0:
            q[free] = np.clip(q[free], 0.0, 1.0)  # rounding noise within the tolerance
            break
        q[out] = np.clip(q[out], 0.0, 1.0)
        fixed[out] = True
        at_bound[out] = True
    return q, at_bound

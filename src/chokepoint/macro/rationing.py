r"""Supply constraints on an input-output system: rationing, the mixed model, Ghosh.

The demand-driven inoperability model (:meth:`IOSystem.inoperability` with ``capped``) builds
:math:`A^* = \hat x^{-1} A \hat x` from input coefficients, so a capped sector only lowers
what its *suppliers* sell; its *customers* keep producing as if the missing input arrived.
This module adds three supply-side readings of a cap :math:`\kappa_i` (the fraction of
sector :math:`i`'s output lost), each a function of an :class:`IOSystem`:

* :func:`rationing` (default of ``macro shock``): Leontief technology, capacities
  :math:`\bar x = (1 - \kappa) \odot x`, a short sector's output rationed proportionally
  among all its users (intermediate and final), as in ARIO (Hallegatte 2008); customers
  produce at most what their scarcest input allows.
* :func:`mixed` (demand-side variant): the mixed exogenous/endogenous model (Miller and Blair
  2009, ch. 13): capped outputs fixed, the others demand-driven, the shortfall taken out of
  the capped sectors' final demand.
* :func:`ghosh` (forward indicator only): the supply-driven Ghosh model
  :math:`\Delta x^\top = \Delta v^\top G` (Ghosh 1958), implausible as a model of production
  (Oosterhaven 1988).

A demand perturbation :math:`c^*` (fractions of output, as in the inoperability model) lowers
final demand to :math:`y' = \max(0, y - c^* \odot x)` in all three.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to the
assessment of the economic cost of Katrina. *Risk Analysis* 28(3), 779-799.
Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and Extensions*,
2nd ed., Cambridge University Press, ch. 13 (mixed exogenous/endogenous models).
Oosterhaven, J. (1988). On the plausibility of the supply-driven input-output model.
*Journal of Regional Science* 28(2), 203-217.
Ghosh, A. (1958). Input-output approach in an allocation system. *Economica* 25(97), 58-64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chokepoint.errors import UsageError
from chokepoint.macro.leontief import IOSystem

#: the supply models of :func:`supply_shock`
MODELS = ("rationing", "mixed", "ghosh")


@dataclass(frozen=True)
class SupplyResult:
    """Per-sector result of a supply-constrained model.

    Attributes
    ----------
    output : production :math:`x'` per sector.
    loss : output lost against the baseline, :math:`x - x'`.
    final_demand : final demand served per sector, :math:`s`.
    iterations : fixed-point iterations used (0 for the closed-form models).
    """

    output: np.ndarray
    loss: np.ndarray
    final_demand: np.ndarray
    iterations: int = 0


def _cap_vector(system: IOSystem, caps: dict[int, float] | np.ndarray | None) -> np.ndarray:
    """Caps as a vector of fractions in [0, 1] (0: not capped)."""
    kappa = np.zeros(system.n)
    if caps is None:
        return kappa
    if isinstance(caps, dict):
        for i, v in caps.items():
            kappa[int(i)] = float(v)
    else:
        kappa = np.asarray(caps, dtype=float).reshape(system.n).copy()
    if not np.isfinite(kappa).all() or (kappa < 0).any() or (kappa > 1).any():
        raise UsageError("a cap is a fraction of output from 0 to 1")
    return kappa


def _demand(system: IOSystem, c_star: np.ndarray | None) -> np.ndarray:
    r"""Perturbed final demand :math:`y' = \max(0, y - c^* \odot x)`."""
    if c_star is None:
        return system.y.copy()
    c = np.asarray(c_star, dtype=float).reshape(system.n)
    return np.asarray(np.maximum(0.0, system.y - c * system.x))


def rationing(
    system: IOSystem,
    caps: dict[int, float] | np.ndarray | None,
    c_star: np.ndarray | None = None,
    *,
    threshold: float = 0.0,
    max_iter: int | None = None,
) -> SupplyResult:
    r"""Supply-constrained Leontief model with proportional rationing (ARIO, static).

    Orders follow demand: the demand-driven output is :math:`d = L y'` and sector :math:`j`
    orders :math:`A_{ij} d_j` from :math:`i`, so sector :math:`i` receives orders :math:`d_i`
    in all (intermediate and final). With capacities :math:`\bar x = (1 - \kappa) \odot x`,
    iterate from :math:`x^{(0)} = \min(\bar x, d)`:

    .. math::

        r^{(k)}_i = \min\left(1, x^{(k)}_i / d_i\right), \qquad
        x^{(k+1)}_j = \min\left(\bar x_j,\; d_j,\; d_j \min_{i: A_{ij} > \tau} r^{(k)}_i\right)

    (every user of :math:`i` gets the share :math:`r_i` of its order, Hallegatte 2008; a
    Leontief customer produces at most what its scarcest input allows, received / required =
    :math:`r_i A_{ij} d_j / (A_{ij} d_j)`). The sequence decreases monotonically and takes
    values in a finite set, so it reaches its fixed point :math:`x^*` within :math:`n + 1`
    iterations. Final demand served is :math:`s = r^* \odot y'`; the output reported is the
    balanced output that serves it, :math:`x' = L s`, which satisfies
    :math:`x' \le x^* \le \bar x` (because :math:`x^* \ge A x^* + s`) and so also carries the
    cut orders back to the suppliers.

    Parameters
    ----------
    system : the input-output system (``A``, ``L``, ``x``, ``y``).
    caps : sector -> fraction of output lost (or a vector of fractions).
    c_star : demand perturbation, fractions of output (:math:`y' = \max(0, y - c^* x)`).
    threshold : input coefficients :math:`A_{ij} \le \tau` do not bind (0: all inputs do).
    max_iter : most iterations (default :math:`n + 1`, enough for the fixed point).

    Returns
    -------
    SupplyResult
        ``output`` :math:`x'`, ``loss`` :math:`x - x'`, ``final_demand`` :math:`s`.

    Notes
    -----
    Strict Leontief complementarity with ``threshold = 0`` is pessimistic: in a strongly
    connected economy every sector ends at the tightest :math:`r`. A positive ``threshold``
    treats small input coefficients as substitutable.
    """
    kappa = _cap_vector(system, caps)
    y_new = _demand(system, c_star)
    d = system.solve(y_new)
    cap = (1.0 - kappa) * system.x
    binding = threshold < system.A
    x_k = np.minimum(cap, d)
    limit = system.n + 1 if max_iter is None else max_iter
    it = 0
    for it in range(1, limit + 1):  # noqa: B007 - the count is reported
        r = np.minimum(1.0, np.divide(x_k, d, out=np.ones(system.n), where=d > 0))
        scarcest = np.where(binding, r[:, None], np.inf).min(axis=0)
        x_next = np.minimum(x_k, d * np.minimum(1.0, scarcest))
        if np.array_equal(x_next, x_k):
            break
        x_k = x_next
    r = np.minimum(1.0, np.divide(x_k, d, out=np.ones(system.n), where=d > 0))
    served = r * y_new
    output = np.minimum(system.solve(served), x_k)
    return SupplyResult(output, system.x - output, served, it)


def mixed(
    system: IOSystem, caps: dict[int, float] | np.ndarray | None, c_star: np.ndarray | None = None
) -> SupplyResult:
    r"""Mixed exogenous/endogenous model (Miller and Blair 2009, ch. 13): demand-side variant.

    The capped sectors :math:`c` have their output fixed, :math:`x_c = (1 - \kappa_c) x_c`;
    the others :math:`f` keep their final demand and solve

    .. math::

        x_f = (I - A_{ff})^{-1} (y'_f + A_{fc} x_c), \qquad
        s_c = x_c - A_{cf} x_f - A_{cc} x_c

    so the shortfall comes out of the capped sectors' final demand :math:`s_c` (clipped at 0;
    intermediate users are served first). Like :math:`A^*`, customers of a capped sector do
    not lose output.
    """
    kappa = _cap_vector(system, caps)
    y_new = _demand(system, c_star)
    c = np.flatnonzero(kappa > 0)
    if c.size == 0:
        out = system.solve(y_new)
        return SupplyResult(out, system.x - out, y_new)
    f = np.setdiff1d(np.arange(system.n), c)
    A = system.A
    x_new = np.empty(system.n)
    x_new[c] = (1.0 - kappa[c]) * system.x[c]
    x_new[f] = np.linalg.solve(np.eye(f.size) - A[np.ix_(f, f)], y_new[f] + A[np.ix_(f, c)] @ x_new[c])
    served = y_new.copy()
    served[c] = np.maximum(0.0, x_new[c] - A[c] @ x_new)
    return SupplyResult(x_new, system.x - x_new, served)


def ghosh(
    system: IOSystem, caps: dict[int, float] | np.ndarray | None, c_star: np.ndarray | None = None
) -> SupplyResult:
    r"""Supply-driven Ghosh model (Ghosh 1958): a forward-linkage indicator only.

    A cap removes primary inputs :math:`\Delta v = \kappa \odot x`; outputs fall by
    :math:`\Delta x^\top = \Delta v^\top G` with :math:`G = \hat x^{-1} L \hat x`, added to the
    demand-driven loss :math:`L (y - y')` and clipped to :math:`[0, x]`. Sales keep their
    allocation shares, so final demand served is :math:`s = x' \odot y / x`.

    Oosterhaven (1988) shows the model is implausible as a supply model: it lets output rise
    or fall with no change in the inputs it needs (perfect substitution between inputs), so
    read the result as how far a cap reaches forward, not as a forecast.
    """
    kappa = _cap_vector(system, caps)
    y_new = _demand(system, c_star)
    x = system.x
    drop = system.G.T @ (kappa * x) + system.solve(system.y - y_new)
    x_new = np.clip(x - drop, 0.0, x)
    share = np.divide(system.y, x, out=np.zeros(system.n), where=x != 0)
    return SupplyResult(x_new, x - x_new, x_new * share)


#: τ: an input binds only when its coefficient is above 1% of the customer's output. With every
#: input binding (τ = 0) a 50% cap on a sector of 0.0015% of world output stops half of the
#: pymrio test economy; the threshold stands in for the critical-input classification of
#: Pichler et al. (2022, J. Economic Dynamics and Control), which a chain map does not carry.
CRITICAL_INPUT = 0.01


def supply_shock(
    system: IOSystem,
    caps: dict[int, float] | np.ndarray | None,
    c_star: np.ndarray | None = None,
    model: str = "rationing",
    critical_input: float = CRITICAL_INPUT,
) -> SupplyResult:
    """The supply-constrained ``model`` (one of :data:`MODELS`) of a shock; under ``rationing``
    only input coefficients above ``critical_input`` bind (:data:`CRITICAL_INPUT`).

    Raises
    ------
    UsageError
        ``model`` is not one of :data:`MODELS`.
    """
    if model == "rationing":
        return rationing(system, caps, c_star, threshold=critical_input)
    if model == "mixed":
        return mixed(system, caps, c_star)
    if model == "ghosh":
        return ghosh(system, caps, c_star)
    raise UsageError(f"model must be {', '.join(MODELS)}, not {model!r}")

r"""Supplier-country governance risk (WGI) and the EU critical raw materials supply risk.

Governance risk
---------------
The World Bank's Worldwide Governance Indicators (WGI; Kaufmann & Kraay, CC BY 4.0) give each
country an *estimate* :math:`x` per governance dimension in units of a standard normal, about
:math:`-2.5 \ldots 2.5`, higher = better governance. The EU criticality method (European
Commission 2017, *Methodology for establishing the EU list of critical raw materials*,
supply-risk section; Blengini et al. 2017, JRC background report EUR 28654 EN,
doi:10.2760/73303) uses the mean of the six dimensions rescaled to 0-10 with 10 = worst
governance. That rescaling is a linear min-max over the nominal range :math:`\pm 2.5`,
reversed:

.. math:: \mathrm{WGI}^{scaled} = 10\,\frac{2.5 - x}{2.5 - (-2.5)} = 5 - 2x

and this module's risk in [0, 1] is that scale divided by 10,

.. math:: w_c = \operatorname{clip}\!\left(\frac{2.5 - x_c}{5},\ 0,\ 1\right),

clipped because a few estimates fall outside :math:`\pm 2.5` (political stability reaches
-3.3). The same map with the political-stability estimate alone is the GeoPolRisk method's
normalisation (Gemechu et al. 2016; Koyamparambath et al. 2024).

A country without a score gets the table's ``missing_value``: the **median** risk over the
table's countries of that year (a typical country: neither the best nor the worst, so a
missing score neither hides nor invents a risk), and is flagged. Regions and data aggregates
(codes not in the table) are treated the same way.

EU supply risk
--------------
Per material, with country shares :math:`s_c` (fractions summing to at most 1):

.. math::

    HHI_{WGI} = \sum_c s_c^2\, \mathrm{WGI}_c

    SR = \left[HHI_{WGI,GS}\,\frac{IR}{2} + HHI_{WGI,EU}\left(1 - \frac{IR}{2}\right)\right]
         (1 - EoL_{RIR})\; SI_{SR}

(European Commission 2017, supply-risk equation), where *GS* is global supply, *EU* the EU's
actual sourcing (domestic production plus imports by country), :math:`IR` the import
reliance, :math:`EoL_{RIR}` the end-of-life recycling input rate and :math:`SI_{SR}` the
substitution index for supply risk (all in [0, 1]). The 2017 method also multiplies each
country's term by a trade factor :math:`t_c` (export taxes, quotas, bans); pass
:math:`w_c t_c` as ``risk`` to :func:`hhi_wgi` for it. With :math:`w_c` on 0-1 (this
module) :math:`HHI_{WGI}` and :math:`SR` are the JRC values divided by 10: the EU's
criticality threshold :math:`SR \ge 1` is :math:`SR \ge 0.1` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.errors import UsageError

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
ArrayOrFloat = Floats | float

#: Half-width of the WGI estimate's nominal range (units of a standard normal).
WGI_BOUND = 2.5
#: The JRC 2017 scale is 0-10; this module's risk is that scale divided by this factor.
JRC_SCALE = 10.0


@dataclass(frozen=True)
class GovernanceTable:
    """Governance risk per country for one indicator and year.

    Parameters
    ----------
    source : str
        Which indicator: ``"wgi"`` (mean of the six WGI dimensions) or ``"wgi-pv"`` (political
        stability alone).
    year : int
        The WGI year.
    risk : mapping
        Governance risk in [0, 1] per ISO3 code, higher = worse governance (JRC 2017 scale /
        10, see the module docstring).
    missing_value : float
        The risk a code without a score gets: the median of ``risk`` (never the maximum).
    note : str
        Origin, licence and attribution, the scaling and the missing value, in one sentence or
        two, for reports.
    """

    source: str
    year: int
    risk: Mapping[str, float]
    missing_value: float
    note: str

    def __post_init__(self) -> None:
        """Check that every risk and the missing value lie in [0, 1].

        Raises
        ------
        ValueError
            A value is outside [0, 1] or not a number.
        """
        values = np.fromiter(self.risk.values(), dtype=float, count=len(self.risk))
        if not (np.all((values >= 0.0) & (values <= 1.0)) and 0.0 <= self.missing_value <= 1.0):
            raise ValueError("governance risks and the missing value must lie in [0, 1]")


def risk_from_estimate(estimate: npt.ArrayLike) -> Floats:
    r"""Governance risk in [0, 1] from WGI estimates: :math:`\operatorname{clip}((2.5 - x)/5, 0, 1)`.

    The JRC 2017 0-10 scale (linear min-max over :math:`\pm 2.5`, reversed) divided by 10.
    NaN stays NaN.

    Examples
    --------
    >>> risk_from_estimate([2.5, 0.0, -2.5, -3.0]).tolist()
    [0.0, 0.5, 1.0, 1.0]
    """
    x = np.asarray(estimate, dtype=float)
    return np.clip((WGI_BOUND - x) / (2.0 * WGI_BOUND), 0.0, 1.0)


def governance_table(
    source: str,
    year: int,
    codes: npt.ArrayLike,
    estimates: npt.ArrayLike,
    note: str = "",
) -> GovernanceTable:
    """Build a :class:`GovernanceTable` from WGI estimates per ISO3 code.

    Codes whose estimate is NaN are left out (they get the missing value). ``missing_value``
    is the median risk of the codes kept; the ``note`` is completed with it.

    Raises
    ------
    ValueError
        No code has an estimate, or ``codes`` and ``estimates`` differ in length.
    """
    c = np.asarray(codes, dtype=object)
    r = risk_from_estimate(estimates)
    if c.shape != r.shape:
        raise ValueError("codes and estimates must have the same length")
    keep = ~np.isnan(r)
    if not keep.any():
        raise ValueError(f"no governance estimate for {source} {year}")
    risk = dict(zip(c[keep].tolist(), r[keep].tolist(), strict=True))
    missing = float(np.median(r[keep]))
    text = f"{note} " if note else ""
    text += f"Countries without a score ({source} {year}): median risk {missing:.3f}."
    return GovernanceTable(
        source=source, year=int(year), risk=MappingProxyType(risk), missing_value=missing, note=text
    )


def risk_of(
    table: GovernanceTable | None,
    codes: npt.ArrayLike,
    overrides: Mapping[str, float] | None = None,
    *,
    missing_value: float | None = None,
) -> tuple[Floats, Bools]:
    """Governance risk per country code and the mask of codes that got the missing value.

    Order of precedence: ``overrides`` (a perspective's own ``country_risk``), then the table,
    then the missing value (``missing_value`` if given, else the table's). Regions and
    aggregates are not in the table and get the missing value, flagged.

    Parameters
    ----------
    table : GovernanceTable or None
        The governance table; ``None`` (``--governance none``): only overrides and the missing
        value.
    codes : array of str
        ISO3 (or region) codes, one per entry.
    overrides : mapping, optional
        Risk in [0, 1] per code; wins over the table.
    missing_value : float, optional
        Replaces the table's missing value; required when ``table`` is ``None``.

    Returns
    -------
    risk : ndarray of float
        Risk in [0, 1] per code.
    imputed : ndarray of bool
        True where the code got the missing value.

    Raises
    ------
    UsageError
        An override or the missing value is outside [0, 1], or there is neither a table nor a
        missing value.
    """
    if missing_value is None:
        if table is None:
            raise UsageError("without a governance table, give the risk of a country without a score")
        missing_value = table.missing_value
    if not 0.0 <= missing_value <= 1.0:
        raise UsageError(f"the missing governance risk must lie in [0, 1], not {missing_value}")
    given = dict(overrides or {})
    bad = [k for k, v in given.items() if not 0.0 <= float(v) <= 1.0]
    if bad:
        raise UsageError(f"country risk must lie in [0, 1]: {', '.join(sorted(bad))}")
    series = pd.Series(np.asarray(codes, dtype=object).ravel(), dtype=object)
    own = series.map(given).astype(float)
    tab = series.map(dict(table.risk) if table is not None else {}).astype(float)
    imputed: Bools = (own.isna() & tab.isna()).to_numpy(dtype=np.bool_)
    risk = np.asarray(own.fillna(tab).fillna(missing_value), dtype=np.float64)
    return risk, imputed


def hhi_wgi(shares: npt.ArrayLike, risk: npt.ArrayLike, groups: npt.ArrayLike, n: int) -> Floats:
    r"""Governance-weighted concentration per group: :math:`\sum_{c \in g} s_c^2\, w_c`.

    Parameters
    ----------
    shares : array of float
        Share :math:`s_c` of each (group, country) entry, a fraction of the group's supply.
    risk : array of float
        Governance risk :math:`w_c \ge 0` of each entry's country (times a trade factor, if any).
    groups : array of int
        Group (material, node) of each entry, in ``0 .. n-1``.
    n : int
        Number of groups; groups without entries get 0.

    Returns
    -------
    ndarray of float, length ``n``
        :math:`HHI_{WGI}` per group (JRC 2017 value / 10 for ``w`` on 0-1).

    Raises
    ------
    ValueError
        The arrays differ in length, a group is outside ``0 .. n-1``, or a share or risk is
        negative or NaN.

    Examples
    --------
    >>> hhi_wgi([0.5, 0.5, 1.0], [0.2, 0.4, 0.1], [0, 0, 1], 3).round(12).tolist()
    [0.15, 0.1, 0.0]
    """
    s = np.asarray(shares, dtype=float)
    w = np.asarray(risk, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    if not (s.shape == w.shape == g.shape and s.ndim == 1):
        raise ValueError("shares, risk and groups must be 1-d arrays of the same length")
    if g.size and (g.min() < 0 or g.max() >= n):
        raise ValueError(f"groups must lie in 0 .. {n - 1}")
    if not (np.all(s >= 0.0) and np.all(w >= 0.0)):
        raise ValueError("shares and risks must be non-negative numbers")
    return np.bincount(g, weights=s * s * w, minlength=n).astype(float)


def eu_supply_risk(
    hhi_wgi_global: npt.ArrayLike,
    hhi_wgi_sourcing: npt.ArrayLike,
    import_reliance: npt.ArrayLike,
    eol_rir: npt.ArrayLike,
    substitution_index: npt.ArrayLike,
) -> ArrayOrFloat:
    r"""EU supply risk (JRC 2017): :math:`[H_{GS}\,IR/2 + H_{EU}(1 - IR/2)](1 - EoL_{RIR})\,SI_{SR}`.

    Arguments broadcast against each other; all floats give a float. The result is on the
    scale of the :math:`HHI_{WGI}` given (JRC 0-10 WGI: the published SR; 0-1: SR / 10).

    Parameters
    ----------
    hhi_wgi_global, hhi_wgi_sourcing : float or array
        :math:`HHI_{WGI}` of global supply and of the EU's (here: the home economy's) sourcing.
    import_reliance : float or array
        :math:`IR` in [0, 1] (see :func:`import_reliance`).
    eol_rir : float or array
        End-of-life recycling input rate in [0, 1].
    substitution_index : float or array
        :math:`SI_{SR}` in [0, 1] (1 = no substitute).

    Raises
    ------
    ValueError
        ``import_reliance``, ``eol_rir`` or ``substitution_index`` outside [0, 1].

    Examples
    --------
    >>> round(eu_supply_risk(4.0, 2.0, 0.5, 0.1, 0.9), 12)
    2.025
    """
    ir = np.asarray(import_reliance, dtype=float)
    rir = np.asarray(eol_rir, dtype=float)
    si = np.asarray(substitution_index, dtype=float)
    for name, v in (("import_reliance", ir), ("eol_rir", rir), ("substitution_index", si)):
        if not np.all((v >= 0.0) & (v <= 1.0)):
            raise ValueError(f"{name} must lie in [0, 1]")
    gs = np.asarray(hhi_wgi_global, dtype=float)
    eu = np.asarray(hhi_wgi_sourcing, dtype=float)
    out = (gs * ir / 2.0 + eu * (1.0 - ir / 2.0)) * (1.0 - rir) * si
    return float(out) if out.ndim == 0 else out


def import_reliance(
    production: npt.ArrayLike, imports: npt.ArrayLike, exports: npt.ArrayLike
) -> ArrayOrFloat:
    r"""Import reliance (JRC 2017): :math:`IR = (I - E)/(P + I - E)`, bounded to [0, 1].

    :math:`P` domestic production, :math:`I` imports, :math:`E` exports (same unit). A net
    exporter (:math:`I \le E`) has :math:`IR = 0`; no apparent consumption gives 0.

    Examples
    --------
    >>> import_reliance(20.0, 100.0, 20.0)
    0.8
    """
    p = np.asarray(production, dtype=float)
    net = np.asarray(imports, dtype=float) - np.asarray(exports, dtype=float)
    consumption = p + net
    with np.errstate(divide="ignore", invalid="ignore"):
        ir = np.where(consumption > 0.0, net / consumption, 0.0)
    out = np.clip(ir, 0.0, 1.0)
    return float(out) if out.ndim == 0 else out

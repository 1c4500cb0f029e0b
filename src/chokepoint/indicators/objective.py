r"""Objective weights of the indicators, from the spread of the data itself.

Both methods take a decision table (rows = alternatives, columns = indicators) and first
min-max normalise each column by its direction (:func:`chokepoint.indicators.aggregate.normalise`):
:math:`x'_{ij} = (x_{ij} - \min_i x_{ij}) / (\max_i x_{ij} - \min_i x_{ij})` for a benefit
column and :math:`(\max_i x_{ij} - x_{ij}) / (\max_i x_{ij} - \min_i x_{ij})` for a cost one.
A constant column carries no information and is refused (drop it).

* :func:`entropy_weights`: the entropy weight method (Shannon entropy; Zou, Yun and Sun 2006).
* :func:`critic_weights`: CRITIC (Diakoulaki, Mavrotas and Papayannakis 1995).

References
----------
Z.-H. Zou, Y. Yun and J.-N. Sun (2006), "Entropy method for determination of weight of evaluating
indicators in fuzzy synthetic evaluation for water quality assessment", Journal of Environmental
Sciences 18(5), 1020-1023.
D. Diakoulaki, G. Mavrotas and L. Papayannakis (1995), "Determining objective weights in multiple
criteria problems: the CRITIC method", Computers & Operations Research 22(7), 763-770.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import entr

from chokepoint.errors import UsageError
from chokepoint.indicators.aggregate import normalise

__all__ = ["critic_weights", "entropy_weights"]

#: Below this the total contrast (sum of d_j or C_j, of [0, 1]-normalised data) is taken as none.
_NO_INFORMATION = 1e-12


def entropy_weights(table: pd.DataFrame, directions: Mapping[str, str] | None = None) -> pd.Series:
    r"""Entropy weights of the indicators (Zou, Yun and Sun 2006).

    For :math:`m` alternatives, after min-max normalisation :math:`x'_{ij}` by direction:

    .. math::

        p_{ij} = \frac{x'_{ij}}{\sum_{i=1}^m x'_{ij}}, \qquad
        e_j = -\frac{1}{\ln m} \sum_{i=1}^m p_{ij} \ln p_{ij} \quad (0 \ln 0 = 0), \qquad
        d_j = 1 - e_j, \qquad w_j = \frac{d_j}{\sum_k d_k}.

    This is the variant **without a shift**: some authors add a small :math:`\varepsilon` to every
    :math:`x'_{ij}` (or normalise to :math:`[\varepsilon, 1]`) to avoid :math:`\ln 0`; here the
    limit :math:`0 \ln 0 = 0` is used instead (:func:`scipy.special.entr`), so the weights do not
    depend on an arbitrary :math:`\varepsilon`. As min-max normalisation gives the worst
    alternative :math:`x' = 0`, :math:`e_j < 1` for every non-constant column.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives (at least 2), columns = indicators, finite numbers.
    directions : mapping of column to {"benefit", "cost"}, optional
        Columns not in it are benefits.

    Returns
    -------
    pandas.Series
        The weights (name ``"weight"``), indexed by the columns, >= 0, summing to 1.

    Raises
    ------
    chokepoint.errors.UsageError
        Naming the column (and row) of: fewer than 2 rows, a missing or non-finite value, a
        constant column, a direction other than benefit/cost, a column of ``directions`` not in
        the table; or when no indicator has any information (every :math:`d_j = 0`).
    """
    x = normalise(table, directions, "minmax").to_numpy()
    m = x.shape[0]
    p = x / x.sum(axis=0)
    e = entr(p).sum(axis=0) / math.log(m)
    d = 1.0 - e
    total = float(d.sum())
    if not total > _NO_INFORMATION:
        raise UsageError(
            "no indicator of the decision table carries information (every entropy is 1): "
            "the entropy method cannot weight them"
        )
    return pd.Series(d / total, index=table.columns, name="weight")


def critic_weights(table: pd.DataFrame, directions: Mapping[str, str] | None = None) -> pd.Series:
    r"""CRITIC weights of the indicators (Diakoulaki, Mavrotas and Papayannakis 1995).

    After min-max normalisation :math:`x'_{ij}` by direction, each indicator's information is its
    contrast times its conflict with the others:

    .. math::

        C_j = \sigma_j \sum_{k=1}^n (1 - r_{jk}), \qquad w_j = \frac{C_j}{\sum_k C_k},

    with :math:`\sigma_j` the **sample** standard deviation of column :math:`j` (``ddof=1``, as in
    most implementations; the population one, ``ddof=0``, scales every :math:`\sigma_j` by the
    same factor and gives the same weights) and :math:`r_{jk}` the Pearson correlation of the
    normalised columns :math:`j` and :math:`k` (clipped to [-1, 1] against rounding).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives (at least 2), columns = indicators (at least 2 for any weight to be
        positive), finite numbers.
    directions : mapping of column to {"benefit", "cost"}, optional
        Columns not in it are benefits.

    Returns
    -------
    pandas.Series
        The weights (name ``"weight"``), indexed by the columns, >= 0, summing to 1.

    Raises
    ------
    chokepoint.errors.UsageError
        As :func:`entropy_weights`; and when every :math:`C_j = 0` (a single indicator, or
        indicators all perfectly positively correlated after normalisation).
    """
    x = normalise(table, directions, "minmax").to_numpy()
    sigma = x.std(axis=0, ddof=1)
    r = np.clip(np.atleast_2d(np.corrcoef(x, rowvar=False)), -1.0, 1.0)
    c = sigma * (1.0 - r).sum(axis=0)
    total = float(c.sum())
    if not total > _NO_INFORMATION:
        raise UsageError(
            "CRITIC finds no conflict between the indicators (a single indicator, or indicators "
            "perfectly correlated after normalisation): every C_j is 0; use at least two indicators "
            "that do not rank the alternatives identically"
        )
    return pd.Series(c / total, index=table.columns, name="weight")

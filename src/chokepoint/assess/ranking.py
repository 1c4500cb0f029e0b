r"""One rule for the order of every ranking: the main table, the sensitivity table, the sweeps.

Nodes are ordered by

1. the score, descending, NaN last;
2. each tie-break, in the order given, descending, NaN last within its tie;
3. the id, ascending (numbers as numbers, anything else as text).

Scores and tie-breaks are compared rounded to :data:`DECIMALS` (12) decimals, so values that
are equal in exact arithmetic but differ in the last bits (the same geometric mean computed
as a product of powers or as :math:`\exp \sum w_k \log x_k`) tie, and the next key decides.

With unique ids this is a total order: two nodes with equal scores come out the same way in
every table, whatever the order of the input rows (:func:`rank_order` is permutation
invariant). The assessment ranks with ``rank_order(score, ids, criticality, exposure)``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Decimals to which scores and tie-breaks are compared (float noise below that is no difference).
DECIMALS = 12


def _descending_keys(x: npt.ArrayLike, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(value key, NaN flag)`` that sort ``x`` descending with NaN last (ascending sort)."""
    a = np.broadcast_to(np.asarray(x, dtype=float), shape)
    missing = np.isnan(a)
    return np.where(missing, 0.0, -np.round(a, DECIMALS)), missing


def _id_key(ids: npt.ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``ids`` as a sortable key: numbers as they are, anything else as text."""
    a = np.asarray(ids)
    if a.dtype.kind not in "biuf":
        a = a.astype(str)
    return np.broadcast_to(a, shape)


def rank_order(score: npt.ArrayLike, ids: npt.ArrayLike, *tiebreaks: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Return the positions of the nodes in rank order (best first).

    Parameters
    ----------
    score : array of float, shape (n,) or (m, n)
        The score per node; a 2-D array ranks each row (one weighting per row) at once.
    ids : array, shape (n,)
        The node ids, the last tie-break (ascending); should be unique for a total order.
    *tiebreaks : array of float, shape (n,) or like ``score``
        Further keys, each descending with NaN last, applied in turn when the score ties.

    Returns
    -------
    numpy.ndarray of intp, like ``score``
        ``order[..., r]`` is the position of the node ranked ``r + 1`` (along the last axis).

    Notes
    -----
    One :func:`numpy.lexsort` (stable); its last key is the primary one, so the keys go in as
    id, the tie-breaks from last to first, then the score, then the score's NaN flag.

    Examples
    --------
    >>> rank_order(np.array([0.5, 0.9, 0.5, np.nan]), np.array(["b", "c", "a", "d"])).tolist()
    [1, 2, 0, 3]
    """
    s = np.asarray(score, dtype=float)
    shape = s.shape
    keys: list[np.ndarray] = [_id_key(ids, shape)]
    for tb in reversed(tiebreaks):
        value, missing = _descending_keys(tb, shape)
        keys += [value, missing]
    value, missing = _descending_keys(s, shape)
    keys += [value, missing]
    order: npt.NDArray[np.intp] = np.lexsort(keys, axis=-1)
    return order


def ranks_of(order: npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    """Return the 1-based rank of each of ``n`` positions from an ``order`` of :func:`rank_order`.

    ``order`` may be 1-D or 2-D (ranks along the last axis); a position absent from a shorter
    ``order`` gets rank 0.

    Examples
    --------
    >>> ranks_of(np.array([1, 2, 0]), 3).tolist()
    [3, 1, 2]
    """
    o = np.asarray(order, dtype=np.intp)
    out = np.zeros((*o.shape[:-1], n), dtype=np.int64)
    np.put_along_axis(
        out, o, np.broadcast_to(np.arange(1, o.shape[-1] + 1, dtype=np.int64), o.shape), axis=-1
    )
    return out

r"""Input-output systems: Leontief and Ghosh models, linkages, multipliers, extraction, inoperability.

For an economy of :math:`n` (region x sector) sectors with intermediate flows :math:`Z`, final
demand :math:`Y` (summed to :math:`y`) and gross output :math:`x = Z 1 + y`:

* technical coefficients :math:`A = Z \hat x^{-1}` (a column with :math:`x_j = 0` is zero);
* Leontief inverse :math:`L = (I - A)^{-1}`: by recursive block elimination in matrix products
  where :math:`I - A` is column diagonally dominant (a productive economy;
  :mod:`chokepoint.macro.inverse`), otherwise from a pivoted LU factorization of :math:`I - A`;
  other solves reuse :math:`L` once it exists, else the LU factors;
* allocation coefficients :math:`B = \hat x^{-1} Z` and the Ghosh inverse
  :math:`G = (I - B)^{-1} = \hat x^{-1} L \hat x` (from :math:`L`, no second inversion);
* Rasmussen linkages: backward :math:`BL_j = n \sum_i L_{ij} / \sum_{ij} L_{ij}`, forward
  :math:`FL_i = n \sum_j G_{ij} / \sum_{ij} G_{ij}` (above 1: a key sector);
* extension multipliers :math:`M = S L` with intensities :math:`S = F \hat x^{-1}`.

**Hypothetical extraction** of sector :math:`j` in closed form from :math:`L` (block inverse):
removing it entirely lowers sector :math:`i`'s output by :math:`D_{ij} = L_{ij} x_j / L_{jj}`
(total :math:`x_j \sum_i L_{ij} / L_{jj}`, the sector's own output included); backward-only
(column :math:`j` of :math:`A` removed, its diagonal :math:`a_{jj}` zeroed too unless
``keep_diagonal``) by :math:`(L_{ij} - \delta_{ij}) x_j / L_{jj}`; forward-only, row removal in
the Leontief model (row :math:`j` of :math:`A` removed), by :math:`L_{ij} (x_j - y_j) / L_{jj}`;
forward in the Ghosh model (row :math:`j` of :math:`B` removed, Dietzenbacher, van der Linden and
Steenge 1993) by :math:`x_j (G_{ji} - \delta_{ij}) / G_{jj}`; see
:mod:`chokepoint.macro.extraction`. A set :math:`S` (a region) at once, by the Woodbury
identity: :math:`\Delta x = L_{:,S} L_{SS}^{-1} x_S`.

**Inoperability** (Haimes and Jiang 2001; Santos and Haimes 2004): with
:math:`A^* = \hat x^{-1} A \hat x` and a demand-side perturbation :math:`c^*` (fractions),
:math:`q = (I - A^*)^{-1} c^*` solved with the bound :math:`0 \le q \le 1` active (sectors that
would leave it are fixed at the bound and the rest re-solved, :mod:`chokepoint.macro.bounded`);
economic loss :math:`\sum_i x_i q_i`. Dynamic (Lian and Haimes
2006): :math:`q(t+1) = q(t) + K (A^* q(t) + c^*(t) - q(t))` with recovery rates :math:`K`, each
step projected on :math:`[0, 1]` (sectors held at the bound are reported).
A supply-side cap (embargo) fixes the inoperability of capped sectors and solves for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.linalg as sla

from chokepoint.errors import UsageError
from chokepoint.macro.bounded import bounded_solve
from chokepoint.macro.extraction import extraction_losses
from chokepoint.macro.inverse import block_inverse, column_diagonally_dominant


@dataclass(eq=False)
class IOSystem:
    """An input-output system: ``Z`` (n x n), final demand ``Y`` (n x k), labels, extensions.

    ``labels`` is a DataFrame with columns ``region`` and ``sector`` (one row per sector);
    ``extensions`` maps a name to ``(F, names, units)`` with ``F`` stressors x n.
    """

    Z: np.ndarray
    Y: np.ndarray
    labels: pd.DataFrame
    extensions: dict[str, tuple[np.ndarray, list[str], list[str]]] = field(default_factory=dict)
    name: str = "io"

    def __post_init__(self) -> None:
        """Coerce ``Z`` and ``Y`` to float arrays and check their shapes and values.

        Raises
        ------
        UsageError
            ``Z`` is not square, the labels do not match its size, or a cell is not finite.
        """
        self.Z = np.asarray(self.Z, dtype=float)
        self.Y = np.asarray(self.Y, dtype=float).reshape(len(self.Z), -1)
        n = self.Z.shape[0]
        if self.Z.shape != (n, n):
            raise UsageError(f"Z must be square; it is {self.Z.shape}")
        if len(self.labels) != n:
            raise UsageError(f"{len(self.labels)} labels for {n} sectors")
        if not np.isfinite(self.Z).all() or not np.isfinite(self.Y).all():
            raise UsageError("Z and Y must be finite numbers")

    @property
    def n(self) -> int:
        """Number of sectors :math:`n` (region x sector pairs)."""
        return int(self.Z.shape[0])

    @cached_property
    def y(self) -> np.ndarray:
        """Total final demand per sector, :math:`y = Y 1`."""
        return np.asarray(self.Y.sum(axis=1))

    @cached_property
    def x(self) -> np.ndarray:
        """Gross output per sector, :math:`x = Z 1 + y`."""
        return np.asarray(self.Z.sum(axis=1) + self.y)

    @cached_property
    def A(self) -> np.ndarray:
        r"""Technical coefficients :math:`A = Z \hat x^{-1}` (zero column where :math:`x_j = 0`)."""
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.n), where=self.x != 0)
        a: np.ndarray = self.Z * inv_x[None, :]
        return a

    @cached_property
    def lu(self) -> tuple[np.ndarray, np.ndarray]:
        """Pivoted LU factorization of :math:`I - A` (computed once, on first use)."""
        lu: tuple[np.ndarray, np.ndarray] = sla.lu_factor(np.eye(self.n) - self.A, check_finite=False)
        return lu

    @cached_property
    def L(self) -> np.ndarray:
        r"""Leontief inverse :math:`L = (I - A)^{-1}` (Leontief 1936).

        By recursive block elimination (:func:`chokepoint.macro.inverse.block_inverse`) where
        :math:`I - A` is column diagonally dominant, which makes elimination without pivoting
        stable; otherwise from the pivoted LU factors.
        """
        m = -self.A
        m[np.diag_indices(self.n)] += 1.0
        if column_diagonally_dominant(m):
            return block_inverse(m)
        return np.asarray(sla.lu_solve(self.lu, np.eye(self.n), check_finite=False))

    def solve(self, demand: np.ndarray) -> np.ndarray:
        """Output :math:`x = L y` for a demand vector or matrix.

        :math:`L` times the demand once :math:`L` exists, else from the LU factors (no inverse
        formed).
        """
        d = np.asarray(demand, dtype=float)
        if "L" in self.__dict__:
            return np.asarray(self.L @ d)
        return np.asarray(sla.lu_solve(self.lu, d, check_finite=False))

    @cached_property
    def G(self) -> np.ndarray:
        r"""Ghosh inverse :math:`G = (I - B)^{-1} = \hat x^{-1} L \hat x` (Ghosh 1958), from :math:`L`."""
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.n), where=self.x != 0)
        g: np.ndarray = inv_x[:, None] * self.L * self.x[None, :]
        return g

    @cached_property
    def B(self) -> np.ndarray:
        r"""Allocation coefficients :math:`B = \hat x^{-1} Z` of the Ghosh model."""
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.n), where=self.x != 0)
        b: np.ndarray = inv_x[:, None] * self.Z
        return b

    def linkages(self) -> pd.DataFrame:
        r"""Rasmussen backward (from L) and forward (from G) linkages per sector.

        :math:`BL_j = n \sum_i L_{ij} / \sum_{ij} L_{ij}` and
        :math:`FL_i = n \sum_j G_{ij} / \sum_{ij} G_{ij}` (Rasmussen 1956); ``key_sector`` is
        true where both exceed 1; ``output_multiplier`` is the column sum :math:`\sum_i L_{ij}`
        (output in every sector per unit of final demand for :math:`j`, BEA's published
        ``Total Industry Output`` row of its total requirements).
        """
        n = self.n
        back = n * self.L.sum(axis=0) / self.L.sum()
        fwd = n * self.G.sum(axis=1) / self.G.sum()
        df = self.labels.copy()
        df["output_multiplier"] = self.L.sum(axis=0)
        df["backward"] = back
        df["forward"] = fwd
        df["key_sector"] = (back > 1) & (fwd > 1)
        return df

    def multipliers(self, extension: str) -> pd.DataFrame:
        """Extension multipliers :math:`M = S L` (stressors x sectors)."""
        F, names, _units = self.extensions[extension]
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.n), where=self.x != 0)
        M = (F * inv_x[None, :]) @ self.L
        return pd.DataFrame(M, index=names, columns=pd.MultiIndex.from_frame(self.labels))

    # ------------------------------------------------------------- extraction
    def extraction(self, kind: str = "total", keep_diagonal: bool = False) -> pd.DataFrame:
        r"""Output loss of extracting each sector, for every sector at once (closed form).

        Parameters
        ----------
        kind : str
            ``total`` (row and column removed, the default), ``backward`` (its purchases,
            column :math:`j` of :math:`A`, removed), ``forward`` (its sales to other sectors,
            row :math:`j` of :math:`A`, removed in the demand-driven Leontief model) or
            ``forward_ghosh`` (row :math:`j` of :math:`B` removed in the supply-driven Ghosh
            model, value added fixed; Dietzenbacher, van der Linden and Steenge 1993).
        keep_diagonal : bool
            Keep the sector's purchases from itself (:math:`a_{jj}`, :math:`b_{jj}`) when its
            column or row is removed. Default ``False``: the diagonal is zeroed with the rest.

        Returns
        -------
        pandas.DataFrame
            The labels with ``loss`` (total output lost), ``loss_share`` (of total output) and
            ``loss_others`` (other sectors only: ``loss`` less the extracted sector's own loss).

        Notes
        -----
        Formulas in :mod:`chokepoint.macro.extraction` (Sherman-Morrison on :math:`L` or
        :math:`G`, no re-solve).
        """
        loss, own = extraction_losses(self.L, self.G, self.A, self.x, self.y, kind, keep_diagonal)
        df = self.labels.copy()
        df["loss"] = loss
        df["loss_share"] = loss / self.x.sum()
        df["loss_others"] = loss - own
        return df

    def extraction_matrix(self) -> np.ndarray:
        """:math:`D_{ij}`: output of sector i lost when sector j is extracted (total extraction)."""
        return self.L * (self.x / np.diag(self.L))[None, :]

    def extract_set(self, members: np.ndarray) -> np.ndarray:
        """Output lost per sector when every sector in ``members`` disappears (Woodbury)."""
        s = np.asarray(members)
        L, x = self.L, self.x
        lost = L[:, s] @ np.linalg.solve(L[np.ix_(s, s)], x[s])
        return np.asarray(lost)

    def extraction_by_region(self) -> pd.DataFrame:
        r"""Output loss of extracting each region's sectors at once, one row per region.

        Each region is extracted as a set with :meth:`extract_set` (Woodbury identity,
        :math:`\Delta x = L_{:,S} L_{SS}^{-1} x_S`). Columns: ``region``, ``loss`` (total
        output lost), ``loss_share`` (of total output), ``loss_others`` (outside the region).
        """
        regions = self.labels["region"].to_numpy()
        rows = []
        for r in dict.fromkeys(regions):
            members = np.flatnonzero(regions == r)
            lost = self.extract_set(members)
            rows.append(
                {
                    "region": r,
                    "loss": float(lost.sum()),
                    "loss_share": float(lost.sum() / self.x.sum()),
                    "loss_others": float(np.delete(lost, members).sum()),
                }
            )
        return pd.DataFrame(rows)

    def naive_extraction(self, j: int) -> float:
        """Total output loss by removing sector j and re-solving (for validation)."""
        keep = np.delete(np.arange(self.n), j)
        A = self.A[np.ix_(keep, keep)]
        x_new = np.linalg.solve(np.eye(len(keep)) - A, self.y[keep])
        return float(self.x.sum() - x_new.sum())

    # ----------------------------------------------------------- inoperability
    @cached_property
    def A_star(self) -> np.ndarray:
        r"""Interdependency matrix :math:`A^* = \hat x^{-1} A \hat x` (Santos and Haimes 2004)."""
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.n), where=self.x != 0)
        a_star: np.ndarray = inv_x[:, None] * self.A * self.x[None, :]
        return a_star

    def bounded_inoperability(
        self, c_star: np.ndarray, capped: dict[int, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Static inoperability :math:`q = A^* q + c^*` with :math:`0 \le q \le 1`, and the bound mask.

        Sectors whose solution would leave :math:`[0, 1]` are fixed at the bound and the others
        re-solved, :math:`q_f = (I - A^*_{ff})^{-1} (c^*_f + A^*_{fb} q_b)`, at most :math:`n`
        times (:func:`chokepoint.macro.bounded.bounded_solve`); the demand-reduction
        inoperability model of Haimes and Jiang (2001) and Santos and Haimes (2004).

        Parameters
        ----------
        c_star : numpy.ndarray
            Demand-side perturbation :math:`c^*` (fractions of output, length n).
        capped : dict of int to float, optional
            Sector -> inoperability fixed by a supply-side cap (embargo).

        Returns
        -------
        tuple of numpy.ndarray
            ``q`` and ``at_bound`` (True where a sector was fixed at 0 or 1 by the bound).
        """
        return bounded_solve(self.A_star, c_star, capped)

    def inoperability(self, c_star: np.ndarray, capped: dict[int, float] | None = None) -> np.ndarray:
        r"""Return the static inoperability :math:`q`, solved with the bound :math:`0 \le q \le 1`.

        :meth:`bounded_inoperability` without the mask; without a bound hit it equals
        :math:`q = (I - A^*)^{-1} c^*` (or, with ``capped``, the free sectors'
        :math:`q_f = (I - A^*_{ff})^{-1} (c^*_f + A^*_{fc} q_c)`).
        """
        return self.bounded_inoperability(c_star, capped)[0]

    def dynamic_inoperability(
        self, c_star: np.ndarray, recovery: np.ndarray | float, steps: int, q0: np.ndarray | None = None
    ) -> np.ndarray:
        """Dynamic inoperability (Lian and Haimes 2006), ``steps + 1`` rows of q(t).

        ``c_star`` may be a vector (constant) or a ``steps x n`` matrix (per step); the path of
        :meth:`bounded_dynamic_inoperability`.
        """
        return self.bounded_dynamic_inoperability(c_star, recovery, steps, q0)[0]

    def bounded_dynamic_inoperability(
        self, c_star: np.ndarray, recovery: np.ndarray | float, steps: int, q0: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Dynamic inoperability path with the bound :math:`0 \le q \le 1` held at every step.

        :math:`q(t+1) = \Pi_{[0,1]}(q(t) + K (A^* q(t) + c^*(t) - q(t)))` (Lian and Haimes 2006):
        each step is projected on the interval, so the next step starts from a feasible state
        (the step-wise counterpart of :func:`chokepoint.macro.bounded.bounded_solve`).

        Returns
        -------
        tuple of numpy.ndarray
            The path (``steps + 1`` rows of q(t)) and ``at_bound`` (length n): the sectors whose
            update left :math:`[0, 1]` at some step and were held at the bound.
        """
        K = np.broadcast_to(np.asarray(recovery, dtype=float), (self.n,))
        c = np.asarray(c_star, dtype=float)
        q = np.zeros(self.n) if q0 is None else np.asarray(q0, dtype=float).copy()
        out = [q.copy()]
        hit = np.zeros(self.n, dtype=bool)
        for t in range(steps):
            ct = c[t] if c.ndim == 2 else c
            step = q + K * (self.A_star @ q + ct - q)
            hit |= (step > 1.0) | (step < 0.0)
            q = np.clip(step, 0.0, 1.0)
            out.append(q.copy())
        return np.vstack(out), hit

    def economic_loss(self, q: np.ndarray) -> float:
        r"""Economic loss :math:`\sum_i x_i q_i` of inoperability ``q`` (in output units)."""
        return float(self.x @ q)

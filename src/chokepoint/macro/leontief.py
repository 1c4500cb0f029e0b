r"""Input-output systems: Leontief and Ghosh models, linkages, multipliers, extraction, inoperability.

For an economy of :math:`n` (region x sector) sectors with intermediate flows :math:`Z`, final
demand :math:`Y` (summed to :math:`y`) and gross output :math:`x = Z 1 + y`:

* technical coefficients :math:`A = Z \hat x^{-1}` (a column with :math:`x_j = 0` is zero);
* Leontief inverse :math:`L = (I - A)^{-1}`, from one LU factorization of :math:`I - A`
  (reused for every other solve);
* allocation coefficients :math:`B = \hat x^{-1} Z` and the Ghosh inverse
  :math:`G = (I - B)^{-1} = \hat x^{-1} L \hat x` (from :math:`L`, no second inversion);
* Rasmussen linkages: backward :math:`BL_j = n \sum_i L_{ij} / \sum_{ij} L_{ij}`, forward
  :math:`FL_i = n \sum_j G_{ij} / \sum_{ij} G_{ij}` (above 1: a key sector);
* extension multipliers :math:`M = S L` with intensities :math:`S = F \hat x^{-1}`.

**Hypothetical extraction** of sector :math:`j` in closed form from :math:`L` (block inverse):
removing it entirely lowers sector :math:`i`'s output by :math:`D_{ij} = L_{ij} x_j / L_{jj}`
(total :math:`x_j \sum_i L_{ij} / L_{jj}`, the sector's own output included); backward-only
(column :math:`j` of :math:`A` removed) by :math:`(L_{ij} - \delta_{ij}) x_j / L_{jj}`;
forward-only (row :math:`j` removed) by :math:`L_{ij} (x_j - y_j) / L_{jj}`. A set :math:`S` (a
region) at once, by the Woodbury identity: :math:`\Delta x = L_{:,S} L_{SS}^{-1} x_S`.

**Inoperability** (Haimes and Jiang 2001; Santos and Haimes 2004): with
:math:`A^* = \hat x^{-1} A \hat x` and a demand-side perturbation :math:`c^*` (fractions),
:math:`q = (I - A^*)^{-1} c^*`; economic loss :math:`\sum_i x_i q_i`. Dynamic (Lian and Haimes
2006): :math:`q(t+1) = q(t) + K (A^* q(t) + c^*(t) - q(t))` with recovery rates :math:`K`.
A supply-side cap (embargo) fixes the inoperability of capped sectors and solves for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.linalg as sla

from chokepoint.errors import UsageError


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
        """LU factorization of :math:`I - A` (computed once, reused by every solve)."""
        lu: tuple[np.ndarray, np.ndarray] = sla.lu_factor(np.eye(self.n) - self.A, check_finite=False)
        return lu

    @cached_property
    def L(self) -> np.ndarray:
        """Leontief inverse :math:`L = (I - A)^{-1}` (Leontief 1936), from the LU factors."""
        return np.asarray(sla.lu_solve(self.lu, np.eye(self.n), check_finite=False))

    def solve(self, demand: np.ndarray) -> np.ndarray:
        """Output :math:`x = L y` for a demand vector or matrix, from the LU factors."""
        return np.asarray(sla.lu_solve(self.lu, np.asarray(demand, dtype=float), check_finite=False))

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
        true where both exceed 1.
        """
        n = self.n
        back = n * self.L.sum(axis=0) / self.L.sum()
        fwd = n * self.G.sum(axis=1) / self.G.sum()
        df = self.labels.copy()
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
    def extraction(self, kind: str = "total") -> pd.DataFrame:
        """Output loss of extracting each sector, for every sector at once (closed form).

        ``kind``: ``total`` (row and column removed), ``backward`` (its purchases removed) or
        ``forward`` (its sales to other sectors removed). Columns: ``loss`` (total output lost),
        ``loss_share`` (of total output), ``loss_others`` (other sectors only).
        """
        L, x, y = self.L, self.x, self.y
        d = np.diag(L)
        col = L.sum(axis=0)
        if kind == "total":
            loss = x * col / d
            others = loss - x
        elif kind == "backward":
            loss = x * (col - 1.0) / d
            others = loss
        elif kind == "forward":
            loss = (x - y) * col / d
            others = loss - (x - y)
        else:
            raise UsageError("kind must be total, backward or forward")
        df = self.labels.copy()
        df["loss"] = loss
        df["loss_share"] = loss / x.sum()
        df["loss_others"] = others
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

    def inoperability(self, c_star: np.ndarray, capped: dict[int, float] | None = None) -> np.ndarray:
        """Return the static inoperability :math:`q = (I - A^*)^{-1} c^*`, clipped to [0, 1].

        The demand-reduction inoperability input-output model (Haimes and Jiang 2001; Santos
        and Haimes 2004).

        ``capped``: sector -> inoperability fixed by a supply-side cap (embargo); the other
        sectors solve :math:`q_f = (I - A^*_{ff})^{-1} (c^*_f + A^*_{fc} q_c)`.
        """
        c = np.asarray(c_star, dtype=float)
        if not capped:
            q = np.linalg.solve(np.eye(self.n) - self.A_star, c)
            return np.clip(q, 0.0, 1.0)
        cap_idx = np.array(sorted(capped), dtype=int)
        free = np.setdiff1d(np.arange(self.n), cap_idx)
        qc = np.array([capped[i] for i in cap_idx])
        As = self.A_star
        rhs = c[free] + As[np.ix_(free, cap_idx)] @ qc
        q = np.empty(self.n)
        q[cap_idx] = qc
        q[free] = np.linalg.solve(np.eye(len(free)) - As[np.ix_(free, free)], rhs)
        return np.clip(q, 0.0, 1.0)

    def dynamic_inoperability(
        self, c_star: np.ndarray, recovery: np.ndarray | float, steps: int, q0: np.ndarray | None = None
    ) -> np.ndarray:
        """Dynamic inoperability (Lian and Haimes 2006), ``steps + 1`` rows of q(t).

        ``c_star`` may be a vector (constant) or a ``steps x n`` matrix (per step).
        """
        K = np.broadcast_to(np.asarray(recovery, dtype=float), (self.n,))
        c = np.asarray(c_star, dtype=float)
        q = np.zeros(self.n) if q0 is None else np.asarray(q0, dtype=float).copy()
        out = [q.copy()]
        for t in range(steps):
            ct = c[t] if c.ndim == 2 else c
            q = np.clip(q + K * (self.A_star @ q + ct - q), 0.0, 1.0)
            out.append(q.copy())
        return np.vstack(out)

    def economic_loss(self, q: np.ndarray) -> float:
        r"""Economic loss :math:`\sum_i x_i q_i` of inoperability ``q`` (in output units)."""
        return float(self.x @ q)

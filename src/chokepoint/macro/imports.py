r"""Import content of each sector's output, on a domestic input-output system.

For a system whose :math:`Z` holds **domestic** flows only (imports taken out, e.g. BEA's Use
table less its import matrix, :func:`chokepoint.io.bea.read_bea_summary_use`) and whose
extension ``imports`` holds each sector's imported intermediate inputs :math:`m` (1 x n):

* direct import share :math:`a^M_j = m_j / x_j` (imported inputs per unit of output);
* total import content :math:`v_j = (a^M (I - A^D)^{-1})_j`: imports embodied, directly and
  through every domestic supplier, in one unit of final demand for sector :math:`j`'s output.
  This is the vertical-specialisation measure of Hummels, Ishii and Yi (2001, *J. International
  Economics* 54(1), eq. 1, there per unit of exports) and the OECD TiVA import content.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.macro.leontief import IOSystem

#: the extension of a domestic system with each sector's imported intermediate inputs
IMPORTS = "imports"


def import_content(system: IOSystem, extension: str = IMPORTS) -> pd.DataFrame:
    r"""Direct and total import content of every sector's output (a domestic system).

    Returns
    -------
    pandas.DataFrame
        The labels with ``output`` (:math:`x`), ``imported_inputs`` (:math:`m`, the extension's
        unit), ``direct_import_share`` (:math:`m_j / x_j`) and ``total_import_content``
        (:math:`(a^M L^D)_j`, imports per unit of final demand), in sector order.

    Raises
    ------
    UsageError
        The system has no ``extension`` (it is not a domestic system with imported inputs).
    """
    if extension not in system.extensions:
        raise UsageError(
            f"{system.name!r} has no {extension!r} extension: import content needs a domestic "
            "system (load a BEA Use table with its import matrix: chokepoint macro load USE.xlsx "
            "--imports IMPORTS.xlsx)"
        )
    m = np.asarray(system.extensions[extension][0], dtype=float).sum(axis=0)
    x = system.x
    direct = np.divide(m, x, out=np.zeros(system.n), where=x != 0)
    df = system.labels.copy()
    df["output"] = x
    df["imported_inputs"] = m
    df["direct_import_share"] = direct
    df["total_import_content"] = direct @ system.L
    return df

"""User-defined indicator systems (评价指标体系), pure math: AHP, objective weights, aggregation.

* :mod:`chokepoint.indicators.ahp`: AHP priorities and consistency (Saaty).
* :mod:`chokepoint.indicators.objective`: entropy and CRITIC weights from a decision table.
* :mod:`chokepoint.indicators.aggregate`: normalisation, weighted sum, TOPSIS, rank sensitivity.

Imports only numpy, scipy, pandas and :mod:`chokepoint.errors`.
"""

from __future__ import annotations

from chokepoint.indicators.aggregate import (
    DIRECTIONS,
    decision_matrix,
    normalise,
    rank_sensitivity,
    topsis,
    weighted_sum,
)
from chokepoint.indicators.ahp import (
    CR_THRESHOLDS,
    RANDOM_INDEX,
    AhpResult,
    InconsistentMatrixError,
    ahp_weights,
    cr_threshold,
)
from chokepoint.indicators.objective import critic_weights, entropy_weights

__all__ = [
    "CR_THRESHOLDS",
    "DIRECTIONS",
    "RANDOM_INDEX",
    "AhpResult",
    "InconsistentMatrixError",
    "ahp_weights",
    "cr_threshold",
    "critic_weights",
    "decision_matrix",
    "entropy_weights",
    "normalise",
    "rank_sensitivity",
    "topsis",
    "weighted_sum",
]

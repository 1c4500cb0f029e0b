"""Chokepoint assessment: explainable scores, graded levels, quadrants (pure core).

Entry point: :func:`assess(chain, perspective) <chokepoint.assess.score.assess>`.
"""

from chokepoint.assess.criticality import criticality
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.score import Assessment, AssessmentConfig, assess
from chokepoint.assess.supply import supply_indicators

__all__ = [
    "Assessment",
    "AssessmentConfig",
    "Perspective",
    "assess",
    "criticality",
    "supply_indicators",
]

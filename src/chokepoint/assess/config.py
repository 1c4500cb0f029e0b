"""The settings of an assessment: weights, level cut-offs, thresholds (all documented defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from chokepoint.errors import UsageError


@dataclass(frozen=True)
class AssessmentConfig:
    """Weights, cut-offs and thresholds of the assessment (all documented defaults)."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"gap": 1 / 3, "criticality": 1 / 3, "exposure": 1 / 3}
    )
    level_cutoffs: tuple[float, float, float, float] = (0.9, 0.85, 0.7, 0.5)
    #: ρ: how much a full substitute relieves exposure, E = E⁰ (1 - ρ σ)
    alternative_relief: float = 0.6
    #: γ: weight of concentrated supply from poorly governed countries, E⁰ = 1 - (1 - X̄)(1 - γ R)
    governance_weight: float = 0.5
    #: enterprise shares must cover this much of the market to measure the threshold by them
    enterprise_coverage: float = 0.5
    #: λ: a home share in a sibling or substitute technology counts this much as capability
    family_capability: float = 0.5
    #: governance risk of a country when no governance table is used (the middle of the scale)
    unknown_country_risk: float = 0.5
    qualified_share: float = 0.01
    neutral_is_alternative: bool = False
    single_country_share: float = 0.65
    single_enterprise_share: float = 0.5
    threshold_high: float = 0.5
    min_coverage: float = 0.0
    localization_high: float = 0.3
    #: Blend of macro criticality (input-output extraction loss of a node's sector) into C.
    macro_weight: float = 0.5

    def __post_init__(self) -> None:
        """Check the weights (keys ``gap``, ``criticality``, ``exposure``) and the level cut-offs.

        Raises
        ------
        UsageError
            A weight key is missing or extra, a weight is negative, all weights are zero, or
            the cut-offs do not decrease from level I to level IV.
        """
        if set(self.weights) != {"gap", "criticality", "exposure"}:
            raise UsageError("weights need exactly the keys gap, criticality, exposure")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise UsageError("weights must be non-negative and not all zero")
        c = self.level_cutoffs
        if not all(c[i] > c[i + 1] for i in range(3)):
            raise UsageError("level cut-offs must decrease from level I to level IV")

    def normalized_weights(self) -> dict[str, float]:
        r"""Return the weights of the score components scaled to sum to 1, :math:`w_k / \sum_j w_j`."""
        total = sum(self.weights.values())
        return {k: v / total for k, v in self.weights.items()}


def with_weights(config: AssessmentConfig, **weights: float) -> AssessmentConfig:
    """Return a copy of ``config`` with some weights changed (the others kept)."""
    return replace(config, weights={**config.weights, **weights})

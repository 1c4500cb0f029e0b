"""Collaborative innovation matching (产学研对接, 揭榜挂帅): solvers for challenges, explained."""

from chokepoint.match.rank import (
    STANDING_ZH,
    STANDINGS,
    Candidate,
    Embedder,
    rank_candidates,
    semantic_similarity,
)
from chokepoint.match.text import SYNONYMS, tokens

__all__ = [
    "STANDINGS",
    "STANDING_ZH",
    "SYNONYMS",
    "Candidate",
    "Embedder",
    "rank_candidates",
    "semantic_similarity",
    "tokens",
]

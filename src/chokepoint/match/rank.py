r"""Ranking solvers for a challenge (and challenges for a solver), with explanations.

Score of candidate :math:`a` for challenge :math:`c`:

.. math:: s = w_t \, \tilde b + w_g \, g + w_r \, r

* :math:`\tilde b`: BM25 (Okapi, ``rank_bm25``) of the challenge text against the candidate's
  document (profile description, keywords, evidence titles and abstracts), divided by the best
  candidate's score (so the best text match is 1). With a dense text encoder ``embed`` (a local
  sentence-embedding model), :math:`\tilde b = (1 - w_s)\,\tilde b_{BM25} + w_s \max(0, \cos(e_c, e_a))`
  with :math:`w_s` = ``semantic_weight`` (0.5): wordings that share no term still match;
* :math:`g` (graph evidence): 1 when the candidate provides one of the challenge's nodes, 0.5 when
  it provides a related node (a kind, the parent, a sibling kind, an input), else 0;
* :math:`r` (capability relatedness, economic-complexity density): for the challenge's nodes
  :math:`n`, :math:`\max_n \sum_{m \in N_a} \phi_{nm} / \sum_m \phi_{nm}` with proximity
  :math:`\phi_{nm} = C_{nm} / \max(C_{nn}, C_{mm})` from co-provision counts :math:`C = P^\top P`.

Default weights :math:`w_t = 0.6, w_g = 0.25, w_r = 0.15`. Candidates from restricted countries are
flagged (or left out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from chokepoint.errors import UsageError
from chokepoint.match.text import tokens

WEIGHTS = {"text": 0.6, "graph": 0.25, "relatedness": 0.15}

#: A dense text encoder: texts -> one embedding row per text (any scale; rows are normalized here).
Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Candidate:
    """A solver's document and chain position."""

    actor: str
    name: str
    country: str
    text: str
    nodes: frozenset[str]
    evidence: tuple[str, ...] = ()
    tokenized: tuple[str, ...] | None = None  # precomputed tokens(text), for large corpora


def bm25_scores(query: str, documents: Sequence[str | Sequence[str]]) -> tuple[np.ndarray, list[set[str]]]:
    """BM25 of ``query`` against every document (text, or tokens) and the query terms each contains."""
    docs = [(tokens(d) if isinstance(d, str) else list(d)) or ["\0"] for d in documents]
    q = tokens(query)
    if not docs:
        return np.zeros(0), []
    scores = np.asarray(BM25Okapi(docs).get_scores(q), dtype=float)
    qs = set(q)
    return scores, [qs & set(d) for d in docs]


def semantic_similarity(query: str, documents: Sequence[str], embed: Embedder) -> np.ndarray:
    r"""Cosine similarity of ``query`` with every document under ``embed``, clipped to [0, 1].

    .. math:: \sigma_a = \max\left(0, \frac{e_q \cdot e_a}{\lVert e_q \rVert \, \lVert e_a \rVert}\right)

    A zero vector (an empty document) has similarity 0.
    """
    if not documents:
        return np.zeros(0)
    vectors = np.asarray(embed([query, *documents]), dtype=float)
    if vectors.ndim != 2 or vectors.shape[0] != len(documents) + 1:
        raise UsageError(
            f"the text encoder returned shape {vectors.shape}; expected ({len(documents) + 1}, d): "
            "one embedding row per text"
        )
    norms = np.linalg.norm(vectors, axis=1)
    unit = np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=norms[:, None] > 0)
    return np.clip(unit[1:] @ unit[0], 0.0, 1.0)


def proximity(provides: sp.csr_array) -> np.ndarray:
    """Node x node proximity from an actors x nodes 0/1 matrix (co-provision, Hidalgo et al. 2007)."""
    c = (provides.T @ provides).toarray().astype(float)
    d = np.diag(c)
    denom = np.maximum.outer(d, d)
    return np.divide(c, denom, out=np.zeros_like(c), where=denom > 0)


def rank_candidates(
    challenge_text: str,
    challenge_nodes: Sequence[str],
    candidates: Sequence[Candidate],
    *,
    node_ids: Sequence[str] = (),
    related: Mapping[str, set[str]] | None = None,
    phi: np.ndarray | None = None,
    restricted: Sequence[str] = (),
    weights: Mapping[str, float] | None = None,
    embed: Embedder | None = None,
    semantic_weight: float = 0.5,
) -> pd.DataFrame:
    """Candidates ranked for one challenge, with score components and an explanation.

    With ``embed`` (see :func:`semantic_similarity`), the text component blends BM25 and dense
    similarity and a ``semantic`` column is added; without it, text is BM25 alone.
    """
    w = dict(WEIGHTS, **(weights or {}))
    text, terms = bm25_scores(
        challenge_text, [c.tokenized if c.tokenized is not None else c.text for c in candidates]
    )
    best = text.max() if len(text) and text.max() > 0 else 1.0
    sem = (
        semantic_similarity(
            challenge_text, [c.text or " ".join(c.tokenized or ()) for c in candidates], embed
        )
        if embed is not None
        else None
    )
    need = set(challenge_nodes)
    near = set().union(*(related.get(n, set()) for n in need)) if related else set()
    pos = {n: i for i, n in enumerate(node_ids)}
    rows = []
    for k, c in enumerate(candidates):
        direct = sorted(need & c.nodes)
        nearby = sorted((near & c.nodes) - set(direct))
        g = 1.0 if direct else 0.5 if nearby else 0.0
        r = 0.0
        if phi is not None and need and c.nodes:
            have = [pos[m] for m in c.nodes if m in pos]
            for n in need:
                if n in pos and have:
                    col = phi[pos[n]]
                    total = col.sum()
                    r = max(r, float(col[have].sum() / total) if total > 0 else 0.0)
        b = float(text[k] / best)
        if sem is not None:
            b = (1.0 - semantic_weight) * b + semantic_weight * float(sem[k])
        score = w["text"] * b + w["graph"] * g + w["relatedness"] * r
        why = []
        if terms[k]:
            shown = sorted(t for t in terms[k] if not t.startswith("syn:"))[:8]
            syn = sorted(t[4:] for t in terms[k] if t.startswith("syn:"))
            why.append("matched terms: " + ", ".join(shown + [f"({s})" for s in syn]))
        if sem is not None and sem[k] >= 0.5:
            why.append(f"semantic similarity {sem[k]:.2f}")
        if direct:
            why.append("provides " + ", ".join(direct))
        elif nearby:
            why.append("provides related " + ", ".join(nearby[:5]))
        if c.evidence:
            why.append("evidence: " + "; ".join(c.evidence[:3]))
        rows.append(
            {
                "actor": c.actor,
                "name": c.name,
                "country": c.country,
                "score": score,
                "text": b,
                "graph": g,
                "relatedness": r,
                "restricted": c.country in set(restricted),
                "explanation": "; ".join(why),
            }
        )
    cols = ["actor", "name", "country", "score", "text", "graph", "relatedness", "restricted", "explanation"]
    df = pd.DataFrame(rows, columns=cols)
    if sem is not None:
        df.insert(cols.index("text") + 1, "semantic", sem)
    df = df.sort_values(["score", "actor"], ascending=[False, True]).reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df

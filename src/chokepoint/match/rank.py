r"""Ranking solvers for a challenge, with standing and explanations.

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

Default weights :math:`w_t = 0.6, w_g = 0.25, w_r = 0.15`.

Standing and order: every candidate has a standing under the perspective, ``home``, ``allied``,
``neutral`` or ``restricted`` (from its country; see :func:`chokepoint.assess.supply.classify_codes`).
Candidates are ordered in tiers, by score within a tier:

1. home and allied candidates with evidence (a matched term or synonym group, a challenge node or a
   related node they provide, or semantic similarity of at least 0.5);
2. neutral candidates, and home or allied ones without evidence (capability relatedness alone does
   not lift a candidate above a neutral one that can show evidence);
3. restricted candidates (``restricted`` is true), after every other one.

Without a perspective every candidate is neutral and the order is the order of scores.
Explanations come in English (``lang="en"``) or Chinese (``lang="zh"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from chokepoint.errors import UsageError
from chokepoint.match.text import SYNONYMS, tokens

WEIGHTS = {"text": 0.6, "graph": 0.25, "relatedness": 0.15}

#: Standings of a candidate under a perspective, in order, and their Chinese labels.
STANDINGS = ("home", "allied", "neutral", "restricted")
STANDING_ZH = {"home": "本国", "allied": "友好", "neutral": "中立", "restricted": "受限"}
_TIERS = {"home": 0, "allied": 0, "neutral": 1, "restricted": 2}
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")

#: Explanation wording per language.
_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "terms": "matched terms: ",
        "group": "({})",
        "semantic": "semantic similarity {:.2f}",
        "provides": "provides ",
        "related": "provides related ",
        "evidence": "evidence: ",
        "relatedness": "capability relatedness {:.2f} (co-provision with the challenge's nodes)",
        "none": "no matching evidence",
        "list_sep": ", ",
        "part_sep": "; ",
    },
    "zh": {
        "terms": "匹配词：",
        "group": "（{}）",
        "semantic": "语义相似度 {:.2f}",
        "provides": "供给 ",
        "related": "供给相关环节 ",
        "evidence": "证据：",
        "relatedness": "能力相关度 {:.2f}（与榜单环节的共同供给）",
        "none": "无匹配证据",
        "list_sep": "、",
        "part_sep": "；",
    },
}

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
    similarity: np.ndarray = np.clip(unit[1:] @ unit[0], 0.0, 1.0)
    return similarity


def proximity(provides: sp.csr_array) -> np.ndarray:
    """Node x node proximity from an actors x nodes 0/1 matrix (co-provision, Hidalgo et al. 2007)."""
    c = (provides.T @ provides).toarray().astype(float)
    d = np.diag(c)
    denom = np.maximum.outer(d, d)
    out: np.ndarray = np.divide(c, denom, out=np.zeros_like(c), where=denom > 0)
    return out


def _tier(standing: str) -> int:
    return _TIERS[standing]


def _node_list(nodes: Sequence[str], names: Mapping[str, str], lang: str, limit: int) -> str:
    """``N22 (name), N19 (name)`` (``N22（名称）、N19（名称）`` in zh), at most ``limit`` and a remainder."""
    parts = []
    for n in nodes[:limit]:
        name = names.get(n, "")
        parts.append((f"{n}（{name}）" if lang == "zh" else f"{n} ({name})") if name else n)
    text = ("、" if lang == "zh" else ", ").join(parts)
    if len(nodes) > limit:
        text += f"等 {len(nodes)} 个" if lang == "zh" else f" and {len(nodes) - limit} more"
    return text


def _synonym_label(group: str, lang: str) -> str:
    """Label a synonym group as shown: its name in English, its first Chinese wording in zh."""
    if lang == "zh":
        return next((w for w in SYNONYMS.get(group, ()) if _CJK_WORD.fullmatch(w)), group)
    return group


def _explain(
    terms: set[str],
    sem: float | None,
    direct: Sequence[str],
    nearby: Sequence[str],
    relatedness: float,
    evidence: Sequence[str],
    names: Mapping[str, str],
    lang: str,
) -> str:
    """Explain in ``lang`` why a candidate ranks where it does.

    The explanation names matched terms and synonym groups, semantic similarity (from 0.5), the
    challenge nodes it provides (or related ones) and evidence titles; capability relatedness
    when nothing else speaks for it.
    """
    t = _TEMPLATES[lang]
    why = []
    if terms:
        plain = sorted(x for x in terms if not x.startswith("syn:"))
        # single Chinese characters (式, 源) count in BM25 but say little: shown only when alone
        words = [x for x in plain if not (len(x) == 1 and _CJK_WORD.fullmatch(x))]
        syn = sorted(x[4:] for x in terms if x.startswith("syn:"))
        shown = (words if words or syn else plain)[:8]
        groups = [t["group"].format(_synonym_label(g, lang)) for g in syn]
        why.append(t["terms"] + t["list_sep"].join(shown + groups))
    if sem is not None and sem >= 0.5:
        why.append(t["semantic"].format(sem))
    if direct:
        why.append(t["provides"] + _node_list(direct, names, lang, 5))
    elif nearby:
        why.append(t["related"] + _node_list(nearby, names, lang, 3))
    if evidence:
        why.append(t["evidence"] + t["part_sep"].join(evidence[:3]))
    if not why:
        why.append(t["relatedness"].format(relatedness) if relatedness > 0 else t["none"])
    return t["part_sep"].join(why)


def rank_candidates(
    challenge_text: str,
    challenge_nodes: Sequence[str],
    candidates: Sequence[Candidate],
    *,
    node_ids: Sequence[str] = (),
    related: Mapping[str, set[str]] | None = None,
    phi: np.ndarray | None = None,
    restricted: Sequence[str] = (),
    standing: Mapping[str, str] | None = None,
    node_names: Mapping[str, str] | None = None,
    lang: str = "en",
    weights: Mapping[str, float] | None = None,
    embed: Embedder | None = None,
    semantic_weight: float = 0.5,
) -> pd.DataFrame:
    """Candidates ranked for one challenge, with score components, standing and an explanation.

    ``standing`` gives the standing (``home``, ``allied``, ``neutral``, ``restricted``) of a country
    code; codes it does not list are ``restricted`` when in ``restricted``, else ``neutral``. Order:
    home and allied candidates with evidence first, then neutral ones together with home and allied
    ones without evidence, then restricted ones; by score within each tier (see the module).
    ``node_names`` (node id -> name in ``lang``) names the nodes in explanations; ``lang`` is
    ``"en"`` or ``"zh"``. With ``embed`` (see :func:`semantic_similarity`), the text component
    blends BM25 and dense similarity and a ``semantic`` column is added; without it, text is BM25
    alone.
    """
    if lang not in _TEMPLATES:
        raise UsageError(f"unknown language {lang!r}: use en or zh")
    std = dict(standing or {})
    bad = sorted({v for v in std.values() if v not in _TIERS})
    if bad:
        raise UsageError(f"unknown standing {', '.join(bad)}: use {', '.join(STANDINGS)}")
    blocked = set(restricted)
    names = node_names or {}
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
        s_k = float(sem[k]) if sem is not None else None
        if s_k is not None:
            b = (1.0 - semantic_weight) * b + semantic_weight * s_k
        score = w["text"] * b + w["graph"] * g + w["relatedness"] * r
        st = std.get(c.country, "restricted" if c.country in blocked else "neutral")
        evident = bool(terms[k]) or g > 0 or (s_k is not None and s_k >= 0.5)
        rows.append(
            {
                "actor": c.actor,
                "name": c.name,
                "country": c.country,
                "standing": st,
                "score": score,
                "text": b,
                "graph": g,
                "relatedness": r,
                "restricted": st == "restricted",
                "explanation": _explain(terms[k], s_k, direct, nearby, r, c.evidence, names, lang),
                "_tier": _tier(st) if evident or st == "restricted" else _tier("neutral"),
            }
        )
    cols = [
        "actor",
        "name",
        "country",
        "standing",
        "score",
        "text",
        "graph",
        "relatedness",
        "restricted",
        "explanation",
        "_tier",
    ]
    df = pd.DataFrame(rows, columns=cols)
    if sem is not None:
        df.insert(cols.index("text") + 1, "semantic", sem)
    df = df.sort_values(["_tier", "score", "actor"], ascending=[True, False, True])
    df = df.drop(columns="_tier").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df

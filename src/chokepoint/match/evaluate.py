"""Expert-finding evaluation on arXiv abstracts (leave-one-out): precision@5, recall@10, MRR.

For each paper with an author who has other papers in the set, the paper's title and abstract are the
challenge and its authors are the right answers; every author's profile is built from their *other*
papers only (no answer leaks into a profile); arXiv categories play the role of chain nodes (what a
candidate "provides"). Compared: plain BM25 and the full method of :mod:`chokepoint.match.rank`;
with a dense text encoder ``embed``, also the full method with embeddings ("full+embed").
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.match.rank import Candidate, Embedder, bm25_scores, proximity, rank_candidates
from chokepoint.match.text import tokens


def _author(parts: list[str]) -> str:
    return f"{parts[1]} {parts[0]}".strip() if len(parts) > 1 else parts[0]


def load_arxiv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read arXiv metadata rows (``authors_parsed``, ``categories``, ``title``, ``abstract``).

    Adds ``author_list`` (sorted "first last" names), ``cats`` (the categories, standing for
    chain nodes) and ``text`` (title and abstract, the challenge).
    """
    df = pd.read_csv(path, dtype=str).fillna("")
    df["author_list"] = df["authors_parsed"].map(lambda s: sorted({_author(a) for a in ast.literal_eval(s)}))
    df["cats"] = df["categories"].str.split()
    df["text"] = df["title"] + " " + df["abstract"]
    return df.reset_index(drop=True)


def _memoized(embed: Embedder) -> Embedder:
    """``embed`` with a per-text cache: most profiles recur unchanged from query to query."""
    cache: dict[str, np.ndarray] = {}

    def cached(texts: Sequence[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in cache))
        if new:
            cache.update(zip(new, np.asarray(embed(new), dtype=float), strict=True))
        return np.vstack([cache[t] for t in texts])

    return cached


def evaluate(df: pd.DataFrame, limit: int | None = None, embed: Embedder | None = None) -> pd.DataFrame:
    """Metrics of plain BM25, the full method and (with ``embed``) the full method with embeddings."""
    authors_of: list[list[str]] = list(df["author_list"])
    cats_of: list[list[str]] = list(df["cats"])
    texts: list[str] = [str(t) for t in df["text"]]
    titles: list[str] = [str(t) for t in df["title"]]
    papers_of: dict[str, list[int]] = defaultdict(list)
    for i, authors in enumerate(authors_of):
        for a in authors:
            papers_of[a].append(i)
    experts = sorted(a for a, ps in papers_of.items() if len(ps) > 1)
    queries = [
        i for i, authors in enumerate(df["author_list"]) if any(len(papers_of[a]) > 1 for a in authors)
    ]
    if limit:
        queries = queries[:limit]
    toks = [tokens(t) for t in texts]
    cats = sorted({c for cs in cats_of for c in cs})
    cat_pos = {c: j for j, c in enumerate(cats)}
    results: dict[str, list[dict[str, float]]] = {"bm25": [], "full": []}
    if embed is not None:
        embed = _memoized(embed)
        results["full+embed"] = []
    for q in queries:
        cands = []
        rows, cols = [], []
        for a in experts:
            others = [p for p in papers_of[a] if p != q]
            if not others:
                continue
            nodes = frozenset(c for p in others for c in cats_of[p])
            tok = tuple(t for p in others for t in toks[p])
            doc = " ".join(texts[p] for p in others) if embed is not None else ""
            cands.append(Candidate(a, a, "", doc, nodes, tuple(titles[p] for p in others[:2]), tok))
            for c in nodes:
                rows.append(len(cands) - 1)
                cols.append(cat_pos[c])
        truth = set(authors_of[q]) & {c.actor for c in cands}
        if not truth:
            continue
        provides = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(cands), len(cats)))
        phi = proximity(provides)
        text, _ = bm25_scores(texts[q], [c.tokenized or () for c in cands])
        bm25_order = [cands[i].actor for i in np.lexsort((np.array([c.actor for c in cands]), -text))]
        full = rank_candidates(texts[q], cats_of[q], cands, node_ids=cats, phi=phi)
        results["bm25"].append(_metrics(bm25_order, truth))
        results["full"].append(_metrics(list(full["actor"]), truth))
        if embed is not None:
            dense = rank_candidates(texts[q], cats_of[q], cands, node_ids=cats, phi=phi, embed=embed)
            results["full+embed"].append(_metrics(list(dense["actor"]), truth))
    out = {k: pd.DataFrame(v).mean() for k, v in results.items()}
    table = pd.DataFrame(out).T
    table["queries"] = len(results["bm25"])
    return table


def _metrics(order: list[str], truth: set[str]) -> dict[str, float]:
    first = next((k for k, a in enumerate(order, start=1) if a in truth), None)
    return {
        "precision@5": len(set(order[:5]) & truth) / 5,
        "recall@10": len(set(order[:10]) & truth) / len(truth),
        "mrr": 1.0 / first if first else 0.0,
    }

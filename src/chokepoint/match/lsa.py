r"""Latent semantic analysis: a dense text encoder fitted locally on a corpus (no model to download).

Documents are token-count vectors (:func:`~chokepoint.match.text.tokens`: jieba for Chinese,
English words, synonym groups) weighted by tf-idf,

.. math:: x_{dt} = (1 + \ln f_{dt}) \, \ln\frac{1 + N}{1 + n_t},

and the corpus matrix :math:`X` (documents x terms, rows L2-normalized) is reduced by a truncated
SVD :math:`X \approx U_k \Sigma_k V_k^\top` (Deerwester et al. 1990). A text :math:`x` is embedded
as :math:`x V_k`, so texts that share no term but co-occur with the same vocabulary end up close.
Terms not seen in the corpus are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from chokepoint.errors import UsageError
from chokepoint.match.rank import Embedder
from chokepoint.match.text import tokens


def _tfidf(docs: Sequence[Sequence[str]], vocab: dict[str, int], idf: np.ndarray) -> sp.csr_array:
    rows, cols, counts = [], [], []
    for i, doc in enumerate(docs):
        terms, n = np.unique(
            np.array([vocab[t] for t in doc if t in vocab], dtype=np.intp), return_counts=True
        )
        rows.append(np.full(len(terms), i))
        cols.append(terms)
        counts.append(n)
    r = np.concatenate(rows) if rows else np.zeros(0, np.intp)
    c = np.concatenate(cols) if cols else np.zeros(0, np.intp)
    v = (1.0 + np.log(np.concatenate(counts))) * idf[c] if counts else np.zeros(0)
    x = sp.csr_array((v, (r, c)), shape=(len(docs), len(vocab)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    return sp.csr_array(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ x)


def lsa_embedder(corpus: Sequence[str], dim: int = 128, seed: int = 0) -> Embedder:
    """Fit a text encoder on ``corpus`` by latent semantic analysis (Deerwester et al. 1990).

    Parameters
    ----------
    corpus : texts to learn the term co-occurrence space from (profiles, evidence, challenges).
    dim : number of latent dimensions :math:`k` (at most one less than the corpus and vocabulary
        sizes).
    seed : seeds the SVD's start vector, so the same corpus gives the same encoder.

    Examples
    --------
    >>> embed = lsa_embedder(["EUV scanner light source", "extreme ultraviolet light source",
    ...                       "polishing slurry", "CMP slurry abrasive"], dim=2)
    >>> embed(["EUV light source", "slurry"]).shape
    (2, 2)
    """
    docs = [tokens(t) for t in corpus]
    df: dict[str, int] = {}
    for doc in docs:
        for t in set(doc):
            df[t] = df.get(t, 0) + 1
    vocab = {t: j for j, t in enumerate(sorted(df))}
    k = min(dim, len(docs) - 1, len(vocab) - 1)
    if k < 1:
        raise UsageError(
            f"latent semantic analysis needs at least 2 texts and 2 terms; got {len(docs)} texts, "
            f"{len(vocab)} terms"
        )
    n_t = np.array([df[t] for t in sorted(df)], dtype=float)
    idf = np.log((1.0 + len(docs)) / (1.0 + n_t))
    x = _tfidf(docs, vocab, idf)
    v0 = np.random.default_rng(seed).uniform(-1, 1, min(x.shape))
    _, _, vt = svds(x, k=k, v0=v0)
    basis = vt.T  # terms x k

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(_tfidf([tokens(t) for t in texts], vocab, idf) @ basis)

    return embed

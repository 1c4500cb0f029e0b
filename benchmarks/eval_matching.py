"""Expert finding on the bundled arXiv abstracts: plain BM25 vs the full matching method.

Usage::

    python benchmarks/eval_matching.py [--limit N] [--lsa DIM | --embedding-model FOLDER]

``--lsa DIM`` adds the full method with a latent-semantic-analysis encoder fitted on all the
abstracts (unsupervised: no author labels); ``--embedding-model`` uses a local
sentence-transformers model instead.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from chokepoint.io.embedding_model import EMBEDDING_MODEL_ENV, local_embedder
from chokepoint.match.evaluate import evaluate, load_arxiv
from chokepoint.match.lsa import lsa_embedder

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "arxiv" / "arxiv_metadata_first2000.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N queries")
    ap.add_argument(
        "--embedding-model",
        default=os.environ.get(EMBEDDING_MODEL_ENV),
        help=f"local sentence-transformers model folder (default: ${EMBEDDING_MODEL_ENV}); adds full+embed",
    )
    ap.add_argument("--lsa", type=int, default=None, metavar="DIM", help="LSA encoder of DIM dimensions")
    args = ap.parse_args()
    df = load_arxiv(DATA)
    t = time.perf_counter()
    embed = None
    if args.lsa:
        embed = lsa_embedder(list(df["text"]), dim=args.lsa, seed=0)
    elif args.embedding_model:
        embed = local_embedder(args.embedding_model)
    table = evaluate(df, args.limit, embed)
    print(table.round(4).to_string())
    print(f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()

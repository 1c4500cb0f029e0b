"""Expert finding on the bundled arXiv abstracts: plain BM25 vs the full matching method.

Usage::

    python benchmarks/eval_matching.py [--limit N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from chokepoint.match.evaluate import evaluate, load_arxiv

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "arxiv" / "arxiv_metadata_first2000.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N queries")
    args = ap.parse_args()
    t = time.perf_counter()
    table = evaluate(load_arxiv(DATA), args.limit)
    print(table.round(4).to_string())
    print(f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()

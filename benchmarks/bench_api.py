"""Bounded loopback load test of the main read routes of the API: throughput and latency.

Usage::

    python benchmarks/bench_api.py [--requests 400] [--concurrency 8]

Starts ``uvicorn`` (one worker) on 127.0.0.1 on a free port in a subprocess, over a temporary
store with the demo chain, then sends a fixed number of requests per route from a thread pool
and stops the server. Nothing leaves the machine. Baseline for the ratio: ``GET /api/me``
(authentication only) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx

ROUTES = [
    "/api/me",
    "/api/projects",
    "/api/projects/semi",
    "/api/projects/semi/nodes?q=litho",
    "/api/projects/semi/nodes/N20",
    "/api/projects/semi/assessment/N20",
    "/api/projects/semi/assessment?top=20",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400, help="requests per route (bounded)")
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()

    from chokepoint.datasets import load_semiconductors
    from chokepoint.store import Store

    tmp = Path(tempfile.mkdtemp())
    db = tmp / "bench.db"
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective(
        "semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]}
    )
    store.users.add("bench", "analyst", "bench-pw")
    token = store.tokens.create("bench", "bearer", timedelta(hours=1))
    store.close()
    port = free_port()
    env = {**os.environ, "CHOKEPOINT_DB": str(db)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "chokepoint.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(100):
                try:
                    if client.get("/api/me").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            results = {}
            for route in ROUTES:
                client.get(route)  # warm the caches
                latencies: list[float] = []

                def one(_: int, route: str = route, latencies: list[float] = latencies) -> None:
                    t = time.perf_counter()
                    r = client.get(route)
                    latencies.append(time.perf_counter() - t)
                    assert r.status_code == 200, (route, r.status_code, r.text[:200])

                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    list(pool.map(one, range(args.requests)))
                elapsed = time.perf_counter() - t0
                q = statistics.quantiles(latencies, n=100)
                results[route] = (args.requests / elapsed, q[49] * 1e3, q[98] * 1e3)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{args.requests} requests per route, {args.concurrency} concurrent clients, one uvicorn worker")
    print(f"{'route':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for route, (rps, p50, p99) in results.items():
        print(f"{route:<42} {rps:8.0f} {p50:8.1f} {p99:8.1f}")
    me = results["/api/me"][0]
    print(f"target: 200 req/s with p99 < 50 ms on the main read routes; baseline GET /api/me {me:.0f} req/s")


if __name__ == "__main__":
    main()

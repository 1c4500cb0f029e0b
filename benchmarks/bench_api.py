"""Bounded loopback load test of the main read routes of the API: throughput and latency.

Usage::

    python benchmarks/bench_api.py [--rate 200] [--seconds 10]                  # open loop (default)
    python benchmarks/bench_api.py --closed --requests 400 --concurrency 8       # closed loop

Starts ``uvicorn`` (one worker) on 127.0.0.1 on a free port in a subprocess, over a temporary
store with the demo chain, and stops it at the end. Nothing leaves the machine.

**Open loop** (the default): requests to each route are scheduled at a fixed arrival rate
(``--rate`` per second for ``--seconds``), whatever the server's pace, and each latency is measured
from its *scheduled* start, so a server that falls behind is charged for the queue it builds
(no coordinated omission). A pool of client threads, each with its own keep-alive connection,
sends them. Printed per route: the achieved throughput, p50, p99 and the worst latency, and
whether p99 < 50 ms. **Closed loop**: a fixed number of requests from a fixed number of clients,
each sending the next as soon as the last returns (its throughput is the server's capacity).
Baseline in both: ``GET /api/me`` (authentication only) measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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


def closed_loop(client: httpx.Client, route: str, requests: int, concurrency: int) -> dict[str, float]:
    """``requests`` GETs from ``concurrency`` clients back to back: capacity and latency."""
    latencies: list[float] = []

    def one(_: int) -> None:
        t = time.perf_counter()
        r = client.get(route)
        latencies.append(time.perf_counter() - t)
        assert r.status_code == 200, (route, r.status_code, r.text[:200])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - t0
    return summary(latencies, elapsed)


def open_loop(
    port: int, headers: dict[str, str], route: str, rate: float, seconds: float, clients: int
) -> dict[str, float]:
    """GETs scheduled at ``rate`` per second for ``seconds``; latency from the scheduled start.

    One asyncio loop drives ``clients`` keep-alive HTTP/1.1 connections with plain socket reads
    (no HTTP client library): a dispatcher releases each request at its due time into a queue,
    and a free connection sends it. Requests wait in the queue when every connection is busy,
    and that wait counts in their latency. The client costs far less CPU than a thread per
    connection (the earlier version, whose GIL contention showed in the tail on 2 cores).
    """
    return asyncio.run(_open_loop(port, headers, route, rate, seconds, clients))


async def _open_loop(
    port: int, headers: dict[str, str], route: str, rate: float, seconds: float, clients: int
) -> dict[str, float]:
    lines = [f"GET {route} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    failures: list[str] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (due := await queue.get()) is not None:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                body = await reader.readexactly(int(length.group(1)) if length else 0)
                latencies.append(loop.time() - due)
                status = int(head.split(b" ", 2)[1])
                if status != 200:
                    failures.append(f"{status} {body[:120]!r}")
        finally:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(clients)]
    await asyncio.sleep(0.2)  # connections open before the clock starts
    start = loop.time()
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        queue.put_nowait(due)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = loop.time() - start
    assert not failures, (route, failures[:3])
    return summary(latencies, elapsed)


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1e3,
        "p99": q[98] * 1e3,
        "max": max(latencies) * 1e3,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--closed", action="store_true", help="closed loop instead of open loop")
    ap.add_argument("--rate", type=float, default=200.0, help="open loop: arrivals per second")
    ap.add_argument("--seconds", type=float, default=10.0, help="open loop: duration per route")
    ap.add_argument("--clients", type=int, default=16, help="open loop: keep-alive connections")
    ap.add_argument("--requests", type=int, default=400, help="closed loop: requests per route")
    ap.add_argument("--concurrency", type=int, default=8, help="closed loop: clients")
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
    results: dict[str, dict[str, float]] = {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(100):
                try:
                    if client.get("/api/me").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            for route in ROUTES:
                client.get(route)  # warm the caches
                if args.closed:
                    results[route] = closed_loop(client, route, args.requests, args.concurrency)
                else:
                    results[route] = open_loop(port, headers, route, args.rate, args.seconds, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if args.closed:
        print(
            f"closed loop: {args.requests} requests per route, {args.concurrency} clients, one uvicorn worker"
        )
    else:
        print(
            f"open loop: {args.rate:.0f} requests/s for {args.seconds:.0f} s per route "
            f"({args.clients} connections, one asyncio client), latency from the scheduled start, "
            "one uvicorn worker"
        )
    print(f"{'route':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for route, r in results.items():
        flag = "" if args.closed else ("  p99 < 50 ms" if r["p99"] < 50 else "  p99 >= 50 ms: NOT MET")
        print(f"{route:<42} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['max']:8.1f}{flag}")
    print("target: 200 req/s with p99 < 50 ms on the read routes (open loop), search included")


if __name__ == "__main__":
    main()

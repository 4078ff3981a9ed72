"""HTTP load benchmark: N concurrent clients against `stkg serve` on the sample portfolio.

Run: .venv/bin/python -m bench.api [--clients 50] [--seconds 30]
Prints JSON: throughput, p50/p95/p99 per endpoint class, errors. Targets (embedded engine, sample
portfolio): p95 under 100 ms for entity pages and under 500 ms for analyses, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.process import clean_env

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = {"entity": 100, "page": 100, "analysis": 500}
#: What the clients request, by class; every client walks the whole list in its own order.
REQUESTS = {
    "entity": [
        "/api/v1/nations/GBR",
        "/api/v1/nations/AUS",
        "/api/v1/nations?q=united",
        "/api/v1/forums/TTCP",
        "/api/v1/agreements/SMP-FW-GBR",
        "/api/v1/technologies/MP-AI",
        "/api/v1/technologies?q=quantum",
    ],
    "page": ["/nations/JPN", "/forums/NATO", "/agreements/SMP-001", "/technologies/MP-AI", "/search?q=kor"],
    "analysis": [
        "/api/v1/analyses/coverage-gaps",
        "/api/v1/analyses/duplicates",
        "/api/v1/analyses/exclusionary-consortia",
        "/api/v1/analyses/collaborations?nation=GBR",
        "/api/v1/analyses/expiring?within_days=365",
        "/api/v1/analyses/partner-centrality",
        "/api/v1/analyses/disclosure-trace?nation=CAN&technology=USML-IV",
        "/api/v1/analyses/predraft-check?parties=USA,GBR,JPN&technologies=MP-AI",
    ],
}


def start_server(data_dir: Path, cache: bool) -> tuple[subprocess.Popen[str], str]:
    """`stkg serve --port 0` on its own data directory (it loads the sample when empty)."""
    env = clean_env(data_dir)
    if not cache:
        env["STKG_CACHE_SECONDS"] = "0"
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"serving (http://[\d.]+:\d+)/", line)
        if found:
            return proc, found.group(1)
    raise SystemExit(f"stkg serve did not start (exit {proc.wait()})")


class Connection:
    """A lean keep-alive HTTP/1.1 client, so the load generator leaves the CPU to the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """Send one GET and read the whole answer; returns the status (0 on a broken connection)."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            await self.reader.readexactly(int(headers.get("content-length", 0)))
        return int(head[0].split()[1])

    def close(self) -> None:
        """Drop the connection."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(base: str, n: int, until: float, samples: list[tuple[str, str, float, int]]) -> None:
    """One closed-loop client: request, wait for the answer, request the next."""
    plan = [(cls, url) for cls, urls in REQUESTS.items() for url in urls]
    plan = plan[n % len(plan) :] + plan[: n % len(plan)]
    address = urlparse(base)
    conn = Connection(address.hostname or "127.0.0.1", address.port or 80)
    i = 0
    while time.perf_counter() < until:
        cls, url = plan[i % len(plan)]
        started = time.perf_counter()
        try:
            status = await conn.get(url)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
            conn.close()
        samples.append((cls, url, (time.perf_counter() - started) * 1000, status))
        i += 1
    conn.close()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(samples: list[tuple[str, str, float, int]], seconds: float, clients: int) -> dict[str, object]:
    """Throughput and latency percentiles per class, errors, and whether the targets were met."""
    classes: dict[str, object] = {}
    for cls in REQUESTS:
        ms = [s[2] for s in samples if s[0] == cls]
        p95 = percentile(ms, 95)
        classes[cls] = {
            "requests": len(ms),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(p95, 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1),
            "target_p95_ms": TARGET_P95_MS[cls],
            "meets_target": p95 < TARGET_P95_MS[cls],
        }
    errors = [f"{s[1]} -> {s[3]}" for s in samples if s[3] != 200]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(samples),
        "throughput_rps": round(len(samples) / seconds, 1),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "classes": classes,
    }


async def load(base: str, clients: int, seconds: float) -> list[tuple[str, str, float, int]]:
    """Warm every URL once, then run the clients together."""
    address = urlparse(base)
    warm = Connection(address.hostname or "127.0.0.1", address.port or 80)
    for urls in REQUESTS.values():
        for url in urls:
            status = await warm.get(url)
            if status != 200:
                raise SystemExit(f"{url} answered {status}")
    warm.close()
    samples: list[tuple[str, str, float, int]] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(base, n, until, samples) for n in range(clients)))
    return samples


def main() -> None:
    """Start a server, load it, print JSON, stop it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--no-cache", action="store_true", help="Compute every answer (STKG_CACHE_SECONDS=0)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stkg-bench-api-") as tmp:
        proc, base = start_server(Path(tmp), cache=not args.no_cache)
        try:
            samples = asyncio.run(load(base, args.clients, args.seconds))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    print(json.dumps({"cache": not args.no_cache, **summary(samples, args.seconds, args.clients)}, indent=2))


if __name__ == "__main__":
    main()

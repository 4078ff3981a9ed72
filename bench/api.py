"""HTTP load benchmark: N concurrent clients against `stkg serve` on the sample portfolio.

Run: .venv/bin/python -m bench.api [--clients 50] [--seconds 30]
Prints JSON: throughput, p50/p95/p99 per endpoint class, errors, and the server's peak RSS. Targets
(embedded engine, sample portfolio): p95 under 100 ms for entity pages and under 500 ms for analyses,
zero errors.

After-write mode: .venv/bin/python -m bench.api --after-write 5 --agreements 20000 [--wait 5]
changes one agreement's title with `stkg ingest` (another process, as a planner's load would), waits, then
times the home page and duplicate-clusters, the first requests of the new graph version, each write; once
with the server warming its home page after writes (STKG_WARM=1, the default) and once without.

Cache-miss mode: .venv/bin/python -m bench.api --cache-miss --agreements 20000 [--clients 10]
asks the analyses with a new `as_of` on every request (so no answer is reused) against a synthetic
portfolio; the server's peak RSS must stay under 2 GiB (the answer cache is bounded in bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
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
TARGET_P95_MS = {"entity": 100, "page": 100, "list": 100, "analysis": 500}
#: Peak resident memory the server may reach in cache-miss mode.
TARGET_PEAK_RSS_MIB = 2048
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
    "list": [
        "/agreements?sort=-start",
        "/agreements?type=PA&active=true&offset=50",
        "/nations?sort=-agreements",
        "/technologies?q=quantum",
        "/search?q=quantum",
        "/api/v1/search?q=united",
    ],
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
#: Request classes chosen with --only (empty: all).
ONLY: list[str] = []
#: Analyses asked in cache-miss mode: the same, less the one naming a technology only the sample has.
MISSES = {"analysis": [u for u in REQUESTS["analysis"] if "technologies=MP-AI" not in u]}


def start_server(
    data_dir: Path, cache: bool, sample: bool = True, warm: bool = True
) -> tuple[subprocess.Popen[str], str]:
    """`stkg serve --port 0` on its own data directory (it loads the sample when empty, unless told not to)."""
    env = clean_env(data_dir, STKG_WARM="1" if warm else "0")
    if not cache:
        env["STKG_CACHE_SECONDS"] = "0"
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0", *([] if sample else ["--no-sample"])],
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


def load_synthetic(data_dir: Path, agreements: int) -> None:
    """Reference data plus a seeded synthetic portfolio, ingested before the server starts."""
    from ingest.synth import synth, write_csv

    env = clean_env(data_dir)
    out = data_dir / "synth"
    write_csv(synth(agreements, seed=7), out)
    for args in (["init"], ["ingest", str(out)]):
        subprocess.run(
            [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )


#: What after-write mode asks first after each write, in order.
AFTER_WRITE = ("/", "/api/v1/analyses/duplicate-clusters")


def retitle(data_dir: Path, n: int) -> None:
    """Change the first synthetic agreement's title with `stkg ingest` in another process."""
    with (data_dir / "synth" / "agreements.csv").open(encoding="utf-8", newline="") as source:
        found = csv.DictReader(source)
        first = next(found) | {"title": f"Retitled for the after-write benchmark {n}"}
    out = data_dir / "write"
    out.mkdir(exist_ok=True)
    with (out / "agreements.csv").open("w", encoding="utf-8", newline="") as sink:
        written = csv.DictWriter(sink, fieldnames=list(first))
        written.writeheader()
        written.writerow(first)
    subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(out)],
        cwd=ROOT,
        env=clean_env(data_dir),
        check=True,
        capture_output=True,
    )


async def after_writes(base: str, data_dir: Path, writes: int, wait: float) -> dict[str, list[float]]:
    """Milliseconds of each AFTER_WRITE request, the first of its graph version, `wait` s after each write."""
    address = urlparse(base)
    conn = Connection(address.hostname or "127.0.0.1", address.port or 80)
    for url in AFTER_WRITE:  # the version the server started on, so the first write is like the rest
        await conn.get(url)
    found: dict[str, list[float]] = {url: [] for url in AFTER_WRITE}
    for n in range(writes):
        retitle(data_dir, n)
        await asyncio.sleep(wait)
        conn.close()  # the server drops a connection idle for 5 s
        for url in AFTER_WRITE:
            t = time.perf_counter()
            if await conn.get(url) != 200:
                raise SystemExit(f"{url} failed after write {n}")
            found[url].append(round((time.perf_counter() - t) * 1000, 1))
    conn.close()
    return found


def after_write_mode(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    """After-write mode: the same writes against a warming server and a server that does not warm."""
    out: dict[str, object] = {"mode": "after-write", "agreements": args.agreements, "wait_s": args.wait}
    for warm in (True, False):
        proc, base = start_server(tmp, cache=True, sample=False, warm=warm)
        try:
            times = asyncio.run(after_writes(base, tmp, args.after_write, args.wait))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        out["warm" if warm else "not_warm"] = {
            url: {"ms": ms, "median_ms": statistics.median(ms)} for url, ms in times.items()
        }
    return out


def peak_rss_mib(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) // 1024 if found else -1


def dated(url: str, day: int) -> str:
    """The url asking as of a date no other request asks (cache-miss mode)."""
    as_of = dt.date(2000, 1, 1) + dt.timedelta(days=day)
    return f"{url}{'&' if '?' in url else '?'}as_of={as_of.isoformat()}"


async def client(
    base: str, n: int, until: float, samples: list[tuple[str, str, float, int]], miss: bool = False
) -> None:
    """One closed-loop client: request, wait for the answer, request the next."""
    plan = [(cls, url) for cls, urls in (MISSES if miss else REQUESTS).items() for url in urls]
    plan = plan[n % len(plan) :] + plan[: n % len(plan)]
    address = urlparse(base)
    conn = Connection(address.hostname or "127.0.0.1", address.port or 80)
    i = 0
    while time.perf_counter() < until:
        cls, url = plan[i % len(plan)]
        url = dated(url, n * 100_000 + i) if miss else url
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
    for cls in sorted({s[0] for s in samples}):
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


async def load(
    base: str, clients: int, seconds: float, miss: bool = False
) -> list[tuple[str, str, float, int]]:
    """Warm every URL once, then run the clients together."""
    if ONLY:
        for name in list(REQUESTS):
            if name not in ONLY:
                del REQUESTS[name]
    address = urlparse(base)
    warm = Connection(address.hostname or "127.0.0.1", address.port or 80)
    for urls in (MISSES if miss else REQUESTS).values():
        for url in urls:
            status = await warm.get(url)
            if status != 200:
                raise SystemExit(f"{url} answered {status}")
    warm.close()
    samples: list[tuple[str, str, float, int]] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(base, n, until, samples, miss) for n in range(clients)))
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
    parser.add_argument("--cache-miss", action="store_true", help="A new as_of on every request.")
    parser.add_argument(
        "--agreements", type=int, default=0, help="A synthetic portfolio instead of the sample."
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(REQUESTS),
        help="Request only these classes (repeat); e.g. --only list with --agreements, whose portfolio "
        "lacks the sample's ids.",
    )
    parser.add_argument(
        "--after-write",
        type=int,
        default=0,
        help="Writes to time the first answers after (after-write mode).",
    )
    parser.add_argument("--wait", type=float, default=5.0, help="Seconds from a write to its first request.")
    args = parser.parse_args()
    ONLY.extend(args.only or [])
    with tempfile.TemporaryDirectory(prefix="stkg-bench-api-") as tmp:
        if args.agreements:
            load_synthetic(Path(tmp), args.agreements)
        if args.after_write:
            if not args.agreements:
                raise SystemExit("--after-write needs --agreements (it rewrites a synthetic agreement)")
            print(json.dumps(after_write_mode(args, Path(tmp)), indent=2))
            return
        proc, base = start_server(Path(tmp), cache=not args.no_cache, sample=not args.agreements)
        try:
            samples = asyncio.run(load(base, args.clients, args.seconds, args.cache_miss))
            peak = peak_rss_mib(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    result = {
        "cache": not args.no_cache,
        "cache_miss": args.cache_miss,
        "agreements": args.agreements or "sample",
        **summary(samples, args.seconds, args.clients),
        "server_peak_rss_mib": peak,
        "target_peak_rss_mib": TARGET_PEAK_RSS_MIB,
        "meets_rss_target": 0 < peak < TARGET_PEAK_RSS_MIB,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

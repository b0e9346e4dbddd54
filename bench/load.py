"""`make load`: concurrent clients upload denial letters to a real uvicorn server, a share of them hostile.

Good uploads are the bundled sample denials (tests/fixtures/denials/*.pdf with their facts);
hostile ones are generated here: not a PDF, a truncated PDF, an encrypted PDF, zero bytes.
Prints requests served, p50/p95 of good uploads, errors (a good upload that did not get
201/200, or any 5xx or broken connection) and how many hostile uploads were refused with 4xx.

    python -m bench.load --clients 32 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.live import DENIALS, LiveServer, add_server_arguments, retrieval_label, serve

Files = dict[str, tuple[str, bytes, str]]


@dataclass
class Upload:
    """One prepared multipart upload."""

    name: str
    files: Files
    hostile: bool


@dataclass
class LoadReport:
    """What a load run saw."""

    clients: int
    seconds: float
    good_latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    hostile_refused: int = 0
    hostile_sent: int = 0

    @property
    def served(self) -> int:
        """Requests that got an HTTP response."""
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, q: float) -> float:
        """The q-quantile (nearest rank) of good-upload latency, in seconds."""
        ordered = sorted(self.good_latencies_s)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    def summary(self) -> str:
        """The report as printed lines."""
        return "\n".join([
            f"load: {self.clients} clients for {self.seconds:.0f} s: {self.served} requests served "
            f"({self.served / self.seconds:.1f}/s), statuses {dict(sorted(self.statuses.items()))}",
            f"good uploads: {len(self.good_latencies_s)}, latency p50 {self.percentile(0.5):.2f} s "
            f"p95 {self.percentile(0.95):.2f} s max {max(self.good_latencies_s, default=float('nan')):.2f} s",
            f"hostile uploads: {self.hostile_sent} sent, {self.hostile_refused} refused with 4xx",
            f"errors: {len(self.errors)}" + (f" (first: {self.errors[0]})" if self.errors else ""),
        ])


def good_uploads() -> list[Upload]:
    """The bundled sample denials, each with its patient facts."""
    uploads = []
    for pdf in sorted(DENIALS.glob("*.pdf")):
        files: Files = {"denial": (pdf.name, pdf.read_bytes(), "application/pdf")}
        facts = pdf.with_suffix(".facts.json")
        if facts.exists():
            files["facts"] = ("facts.json", facts.read_bytes(), "application/json")
        uploads.append(Upload(pdf.stem, files, hostile=False))
    return uploads


def hostile_uploads() -> list[Upload]:
    """Bad inputs: not a PDF (a PNG), a truncated sample denial, an encrypted PDF, zero bytes."""
    from tests.hardening.hostile import encrypted_pdf, png_bytes

    sample = sorted(DENIALS.glob("*.pdf"))[0].read_bytes()
    bad = {
        "not_pdf": png_bytes(),
        "truncated_pdf": sample[: len(sample) // 2],
        "encrypted_pdf": encrypted_pdf(),
        "zero_bytes": b"",
    }
    return [Upload(name, {"denial": (f"{name}.pdf", data, "application/pdf")}, hostile=True) for name, data in bad.items()]


async def _client(
    http: httpx.AsyncClient, server: LiveServer, deadline: float, rng: random.Random,
    good: list[Upload], hostile: list[Upload], hostile_share: float, report: LoadReport,
) -> None:
    while time.monotonic() < deadline:
        upload = rng.choice(hostile) if rng.random() < hostile_share else rng.choice(good)
        start = time.monotonic()
        try:
            response = await http.post("/v1/appeals", files=upload.files, headers=server.auth)
        except httpx.HTTPError as exc:
            report.errors.append(f"{upload.name}: {type(exc).__name__}")
            continue
        elapsed = time.monotonic() - start
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        if upload.hostile:
            report.hostile_sent += 1
            if 400 <= response.status_code < 500:
                report.hostile_refused += 1
            else:
                report.errors.append(f"{upload.name}: HTTP {response.status_code}")
        elif response.status_code in (200, 201):
            report.good_latencies_s.append(elapsed)
        else:
            report.errors.append(f"{upload.name}: HTTP {response.status_code}")


async def run_load_async(
    server: LiveServer, clients: int, seconds: float, hostile_share: float = 0.1, seed: int = 0
) -> LoadReport:
    """`clients` concurrent clients upload for `seconds`; a `hostile_share` of uploads is hostile."""
    good, hostile = good_uploads(), hostile_uploads()
    report = LoadReport(clients=clients, seconds=seconds)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # The timeout only guards against a hung server; latency is what is measured.
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as http:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(
            _client(http, server, deadline, random.Random(seed * 1000 + i), good, hostile, hostile_share, report)
            for i in range(clients)
        ))
    return report


def run_load(server: LiveServer, clients: int, seconds: float, hostile_share: float = 0.1, seed: int = 0) -> LoadReport:
    """run_load_async from synchronous code."""
    return asyncio.run(run_load_async(server, clients, seconds, hostile_share, seed))


def main(argv: list[str] | None = None) -> None:
    """Start a server on loopback, run the load, print the report."""
    p = argparse.ArgumentParser(description="Concurrent uploads (10%% hostile) against a real uvicorn server.")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--hostile-share", type=float, default=0.1)
    add_server_arguments(p)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="appealgen-load-") as tmp, \
            serve(Path(tmp), index_dir=args.index_dir, workers=args.workers) as server:
        print(f"server: uvicorn, {args.workers} worker(s), template drafter, retrieval: {retrieval_label(args.index_dir)}")
        report = run_load(server, args.clients, args.seconds, args.hostile_share)
    print(report.summary())


if __name__ == "__main__":
    main()

"""API latency and throughput: POST /v1/appeals through a real uvicorn server, template drafting.

Runs the bundled sample denials (with their facts) at 1 and at 16 concurrent clients and
prints latency p50/p95 and throughput of successful uploads at each level.

    python -m bench.api --seconds 20
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.live import add_server_arguments, retrieval_label, serve
from bench.load import LoadReport, run_load

LEVELS = (1, 16)


def api_line(report: LoadReport) -> str:
    """One printed line: clients, latency p50/p95 and throughput of good uploads."""
    served = len(report.good_latencies_s)
    return (
        f"POST /v1/appeals, {report.clients:>2} client(s): {served} uploads in {report.seconds:.0f} s = "
        f"{served / report.seconds:.1f} req/s, latency p50 {report.percentile(0.5) * 1000:.0f} ms "
        f"p95 {report.percentile(0.95) * 1000:.0f} ms, errors {len(report.errors)}"
        + (f" (first: {report.errors[0]})" if report.errors else "")
    )


def main(argv: list[str] | None = None) -> None:
    """Start a server on loopback, warm it up, measure each concurrency level, print one line each."""
    p = argparse.ArgumentParser(description="POST /v1/appeals latency and throughput at 1 and 16 clients.")
    p.add_argument("--seconds", type=float, default=20.0, help="measuring time per level")
    add_server_arguments(p)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="appealgen-api-") as tmp, \
            serve(Path(tmp), index_dir=args.index_dir, workers=args.workers) as server:
        print(f"api bench: uvicorn on loopback, {args.workers} worker(s), template drafter, "
              f"retrieval: {retrieval_label(args.index_dir)}")
        run_load(server, clients=args.workers, seconds=2.0, hostile_share=0.0)  # warm-up: lazy loads, first imports
        for clients in LEVELS:
            print(api_line(run_load(server, clients=clients, seconds=args.seconds, hostile_share=0.0)))


if __name__ == "__main__":
    main()

"""A real uvicorn server on loopback over a private case store, for the API benches and hardening tests.

`serve()` starts `python -m bench.live` (uvicorn, one or more worker processes) in a child process
and waits for /v1/health. Each worker builds the app with `create_app(settings, services)` from
APPEALGEN_* settings in its environment: the real index when one is given, else a retriever that
answers every query with one fixed label passage (so no index build is needed). Drafting is the
template drafter unless APPEALGEN_LLM_BASE_URL is set in the child's environment.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from appealgen.adapters.hybrid import SearchFilters
from appealgen.models import Passage
from appealgen.processes import stop
from appealgen.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXED_RETRIEVER_ENV = "APPEALGEN_BENCH_FIXED_RETRIEVER"
DENIALS = ROOT / "tests" / "fixtures" / "denials"


class FixedRetriever:
    """Answers every query with one fixed FDA-label passage (no index needed)."""

    PASSAGE = Passage(
        id="hemgenix-label#indications-1",
        doc_id="hemgenix-label",
        kind="label",
        title="HEMGENIX label",
        section="1 Indications and usage",
        text="HEMGENIX is indicated for the treatment of adults with Hemophilia B "
        "(congenital factor IX deficiency).",
        source="HEMGENIX prescribing information (FDA)",
        drug="hemgenix",
    )

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 8) -> list[Passage]:
        """The fixed passage."""
        return [self.PASSAGE]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running server: its URL, an API key for it, its process and its log file."""

    url: str
    key: str
    proc: subprocess.Popen[bytes]
    log: Path
    database_url: str

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of the server's key."""
        return {"Authorization": f"Bearer {self.key}"}

    def kill(self) -> None:
        """SIGKILL the server (no shutdown, no flush)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def make_key(database_url: str, name: str = "bench") -> str:
    """A new API key in the store at database_url (its secret)."""
    from appealgen.store import SqlCaseStore
    from appealgen.store.crypto import make_cipher
    from appealgen.store.sql import make_engine

    store = SqlCaseStore(make_engine(database_url), make_cipher(None))
    try:
        return store.create_key(name)[1]
    finally:
        store.close()


@contextmanager
def serve(
    workdir: Path,
    index_dir: Path | None = None,
    log_level: str = "warning",
    env: dict[str, str] | None = None,
    start_timeout_s: float = 90.0,
    workers: int = 1,
) -> Iterator[LiveServer]:
    """A live server over workdir/cases.db; stopped (SIGTERM, then SIGKILL) on exit.

    Args:
        workdir: where the SQLite store and the server log go.
        index_dir: a built index to retrieve from; None uses the fixed retriever.
        log_level: the server's log level (appealgen and uvicorn loggers, access log included).
        env: extra environment for the server process.
        start_timeout_s: how long to wait for /v1/health.
        workers: uvicorn worker processes.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir}/cases.db"
    key = make_key(database_url)
    port = free_port()
    log = workdir / "server.log"
    args = [sys.executable, "-m", "bench.live", "--port", str(port), "--log-level", log_level, "--workers", str(workers)]
    child_env = {**os.environ, "PYTHONPATH": str(ROOT), "APPEALGEN_DATABASE_URL": database_url, **(env or {})}
    child_env.pop("APPEALGEN_ENCRYPTION_KEY", None)
    if index_dir is not None:
        child_env["APPEALGEN_INDEX_DIR"] = str(index_dir)
    else:
        child_env[FIXED_RETRIEVER_ENV] = "1"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=child_env, stdout=out, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", key, proc, log, database_url)
    try:
        _wait_healthy(server, start_timeout_s)
        yield server
    finally:
        stop(proc)


def _wait_healthy(server: LiveServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {server.proc.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/v1/health", timeout=2).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer within {timeout_s:.0f} s:\n{server.log.read_text()[-3000:]}")
        time.sleep(0.1)


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every bench that starts a server takes: workers and the index."""
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--index-dir", type=Path, help="a built index (default: one fixed passage, no index needed)")


def retrieval_label(index_dir: Path | None) -> str:
    """How the server retrieves, for the bench's first line."""
    return f"index {index_dir}" if index_dir else "fixed passage (no index)"


def app() -> FastAPI:
    """The app of one worker, from APPEALGEN_* settings (the fixed retriever when FIXED_RETRIEVER_ENV is 1)."""
    from appealgen.api.app import create_app
    from appealgen.api.deps import Services
    from appealgen.pipeline import Pipeline
    from appealgen.store import SqlCaseStore

    settings = Settings()
    retriever = FixedRetriever() if os.environ.get(FIXED_RETRIEVER_ENV) == "1" else None
    pipeline = Pipeline(settings, retriever=retriever)
    return create_app(settings, Services(settings=settings, store=SqlCaseStore.from_settings(settings), pipeline=pipeline))


def main(argv: list[str] | None = None) -> None:
    """Run the server in this process (what serve() starts)."""
    import uvicorn

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args(argv)
    # appealgen's own loggers at the same level as uvicorn's (the access log included).
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run("bench.live:app", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=True)


if __name__ == "__main__":
    main()

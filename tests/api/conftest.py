"""API fixtures: an app over a temporary SQLite store and a fake retriever, and two API keys."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from appealgen.api.app import create_app
from appealgen.api.deps import Services
from appealgen.pipeline import Pipeline
from appealgen.processes import stop
from appealgen.settings import ParseLimits, Settings
from appealgen.store import SqlCaseStore
from bench.live import FixedRetriever, free_port
from tests.conftest import FIXTURES, ROOT

CIGNA = FIXTURES / "cigna_ca_medical_necessity"


# One fixed label passage for every query (no index needed).
FakeRetriever = FixedRetriever


def make_settings(base: Path, max_bytes: int = 20 * 1024 * 1024) -> Settings:
    """Settings over a private store; no index folder (the fake retriever stands in)."""
    return Settings(
        index_dir=base / "index",
        database_url=f"sqlite:///{base}/cases.db",
        corpus_dir=ROOT / "corpus",
        parse=ParseLimits(max_bytes=max_bytes),
    )


def make_client(settings: Settings) -> tuple[TestClient, SqlCaseStore]:
    """A TestClient over an app with the fake retriever, and its store."""
    store = SqlCaseStore.from_settings(settings)
    services = Services(
        settings=settings, store=store, pipeline=Pipeline(settings, retriever=FakeRetriever())
    )
    return TestClient(create_app(settings, services), raise_server_exceptions=False), store


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, SqlCaseStore]]:
    """A client and its store."""
    client, store = make_client(make_settings(tmp_path))
    with client:
        yield client, store


@pytest.fixture
def client(api: tuple[TestClient, SqlCaseStore]) -> TestClient:
    """The test client."""
    return api[0]


@pytest.fixture
def store(api: tuple[TestClient, SqlCaseStore]) -> SqlCaseStore:
    """The client's case store."""
    return api[1]


@pytest.fixture
def key_a(store: SqlCaseStore) -> dict[str, str]:
    """Authorization header of key A."""
    return {"Authorization": f"Bearer {store.create_key('clinic-a')[1]}"}


@pytest.fixture
def key_b(store: SqlCaseStore) -> dict[str, str]:
    """Authorization header of key B."""
    return {"Authorization": f"Bearer {store.create_key('clinic-b')[1]}"}


def upload(client: TestClient, headers: dict[str, str], facts: bool = True, **extra: str):  # noqa: ANN201
    """POST the Cigna fixture PDF (and its facts) as multipart."""
    files = {"denial": ("denial.pdf", (CIGNA.with_suffix(".pdf")).read_bytes(), "application/pdf")}
    if facts:
        files["facts"] = (
            "facts.json",
            Path(f"{CIGNA}.facts.json").read_bytes(),
            "application/json",
        )
    return client.post("/v1/appeals", files=files, headers={**headers, **extra})


class LiveServer:
    """A real `appealgen serve` (uvicorn) in a subprocess, with two API keys made by the CLI."""

    def __init__(self, url: str, key_a: str, key_b: str, log: Path) -> None:
        self.url = url
        self.key_a = key_a
        self.key_b = key_b
        self.log = log

    def auth(self, key: str) -> dict[str, str]:
        """The Authorization header for a key."""
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def live_server(
    built_index: object, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """uvicorn on 127.0.0.1 over a temporary SQLite file and the session's real index."""
    with _running_server(settings, tmp_path_factory.mktemp("live"), workers=1) as server:
        yield server


@pytest.fixture(scope="module")
def live_server_two_workers(
    built_index: object, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`appealgen serve --workers 2` over its own SQLite file and the session's real index."""
    with _running_server(settings, tmp_path_factory.mktemp("live2"), workers=2) as server:
        yield server


@contextlib.contextmanager
def _running_server(settings: Settings, base: Path, workers: int) -> Iterator[LiveServer]:
    env = {
        **os.environ,
        "APPEALGEN_INDEX_DIR": str(settings.index_dir),
        "APPEALGEN_DATABASE_URL": f"sqlite:///{base}/cases.db",
        "APPEALGEN_CORPUS_DIR": str(settings.corpus_dir),
    }
    env.pop("APPEALGEN_ENCRYPTION_KEY", None)

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "appealgen", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout.strip()

    key_a, key_b = cli("keys", "create", "clinic-a"), cli("keys", "create", "clinic-b")
    port = free_port()
    log = base / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "appealgen",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "info",
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"appealgen serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"appealgen serve did not answer within 90 s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        yield LiveServer(url, key_a, key_b, log)
    finally:
        stop(proc)

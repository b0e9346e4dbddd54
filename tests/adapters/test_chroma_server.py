"""The same index code against a real Chroma server (`chroma run`) reached through HttpClient."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from appealgen.adapters.embeddings import default_embedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.errors import DependencyError

pytestmark = pytest.mark.integration

CHROMA = shutil.which("chroma") or str(Path(__import__("sys").executable).with_name("chroma"))
QUERIES = [
    ("Hemgenix coverage criteria for initial authorization", SearchFilters(drug="hemgenix", payer="cigna")),
    ("external review deadline", SearchFilters(state="CA", kinds=["rule"])),
    ("factor IX inhibitor titer", SearchFilters(drug="hemgenix", kinds=["label"])),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not Path(CHROMA).exists():
        pytest.skip("the chroma CLI is not installed")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen([CHROMA, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(data / 'server.log').read_text()[-500:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def server_index(chroma_url, built_index, settings, tmp_path_factory) -> HybridIndex:
    folder = tmp_path_factory.mktemp("server-index")
    return HybridIndex.build(built_index.chunks, default_embedder(settings), folder, chroma_url=chroma_url)


class TestChromaServer:
    def test_server_holds_every_vector(self, server_index: HybridIndex, built_index: HybridIndex) -> None:
        assert server_index._collection.count() == len(built_index.chunks)

    @pytest.mark.parametrize(("query", "filters"), QUERIES)
    def test_same_results_as_the_local_folder(self, server_index, built_index, query, filters) -> None:
        for mode in ("dense", "hybrid"):
            remote = [p.id for p in server_index.search(query, filters, k=5, mode=mode)]
            local = [p.id for p in built_index.search(query, filters, k=5, mode=mode)]
            assert remote and remote == local

    def test_reopened_from_the_server(self, server_index: HybridIndex, chroma_url: str, settings) -> None:
        reopened = HybridIndex.open(server_index.index_dir, default_embedder(settings), chroma_url)
        query, filters = QUERIES[0]
        assert [p.id for p in reopened.search(query, filters, k=5)] == [p.id for p in server_index.search(query, filters, k=5)]

    def test_server_down_is_a_dependency_error(self, server_index: HybridIndex, settings) -> None:
        dead = f"http://127.0.0.1:{_free_port()}"
        with pytest.raises(DependencyError) as err:
            HybridIndex.open(server_index.index_dir, default_embedder(settings), dead)
        assert "Chroma" in err.value.one_line()

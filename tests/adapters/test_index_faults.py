"""A missing or damaged index gives a clear error that names the rebuild command (CLI exit 3)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from appealgen.adapters.embeddings import default_embedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.errors import AppealgenError

pytestmark = pytest.mark.integration


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00not what was written\xff" * 64)


def _truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damage_vectors(index: Path) -> None:
    files = list((index / "chroma").rglob("*.bin"))
    assert files, "expected HNSW segment files in the Chroma folder"
    for f in files:
        _garbage(f)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "folder missing": lambda d: shutil.rmtree(d),
    "manifest missing": lambda d: (d / "manifest.json").unlink(),
    "manifest garbage": lambda d: _garbage(d / "manifest.json"),
    "chunk table truncated": lambda d: _truncate_half(d / "chunks.jsonl"),
    "chunk table garbage": lambda d: _garbage(d / "chunks.jsonl"),
    "bm25 missing": lambda d: shutil.rmtree(d / "bm25"),
    "chroma folder missing": lambda d: shutil.rmtree(d / "chroma"),
    "chroma database garbage": lambda d: _garbage(d / "chroma" / "chroma.sqlite3"),
}


@pytest.fixture
def damaged(request, built_index: HybridIndex, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(built_index.index_dir, folder)
    DAMAGE[request.param](folder)
    return folder


@pytest.fixture(scope="module")
def embedder(settings):
    return default_embedder(settings)


def _search(folder: Path, embedder) -> list[str]:
    index = HybridIndex.open(folder, embedder)
    return [p.id for p in index.search("Hemgenix coverage criteria", SearchFilters(drug="hemgenix"), k=5, mode="dense")]


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_damage_names_the_rebuild_command(damaged: Path, embedder) -> None:
    with pytest.raises(AppealgenError) as err:
        _search(damaged, embedder)
    message = err.value.one_line()
    assert "appealgen index" in message and "\n" not in message
    assert err.value.exit_code == 3


def test_damaged_vector_files_never_give_silently_wrong_results(built_index, embedder, tmp_path: Path) -> None:
    # Chroma keeps small collections in its SQLite log and may never read the HNSW files:
    # damaging them must either change nothing or give the rebuild error, never wrong passages.
    folder = tmp_path / "index"
    shutil.copytree(built_index.index_dir, folder)
    expected = _search(folder, embedder)
    _damage_vectors(folder)
    try:
        assert _search(folder, embedder) == expected
    except AppealgenError as err:
        assert "appealgen index" in err.one_line()


@pytest.mark.parametrize("damaged", ["manifest missing", "chroma database garbage"], indirect=True)
def test_cli_exits_3_with_one_line(damaged: Path) -> None:
    env = {**os.environ, "APPEALGEN_INDEX_DIR": str(damaged)}
    proc = subprocess.run([sys.executable, "-m", "appealgen", "retrieve", "Hemgenix dosing", "--json"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "appealgen index" in lines[0]
    assert "Traceback" not in proc.stderr


def test_rebuilt_index_works_again(built_index: HybridIndex, embedder, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    shutil.copytree(built_index.index_dir, folder)
    _garbage(folder / "chunks.jsonl")
    with pytest.raises(AppealgenError):
        HybridIndex.open(folder, embedder)
    rebuilt = HybridIndex.build(built_index.chunks[:40], embedder, folder)
    assert rebuilt.search("Hemgenix coverage criteria", SearchFilters(drug="hemgenix"), k=3)

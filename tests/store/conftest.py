"""Store fixtures: one pipeline result (fake retriever), and a fresh database per test on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from appealgen.models import AppealResult
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from bench.live import free_port
from tests.api.conftest import CIGNA, FakeRetriever, make_settings


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AppealResult:
    """The pipeline's result for the Cigna fixture letter, with its facts."""
    settings = make_settings(tmp_path_factory.mktemp("pipeline"))
    facts = load_patient_facts(CIGNA.parent / f"{CIGNA.name}.facts.json")
    return Pipeline(settings, retriever=FakeRetriever()).run(
        CIGNA.with_suffix(".txt").read_text(), facts
    )


def _postgres_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl (on PATH, or Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; its base SQLAlchemy URL (no database).

    Skipped when the PostgreSQL binaries or psycopg are missing. As root, the cluster runs as
    the unprivileged `postgres` (or `nobody`) account, since PostgreSQL refuses to run as root.
    """
    pytest.importorskip("psycopg", reason="psycopg is not installed (make setup installs it)")
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="appealgen-pg-"))
    run_as: dict[str, int] = {}
    if os.geteuid() == 0:
        account = next((a for a in ("postgres", "nobody") if _has_account(a)), None)
        if account is None:
            pytest.skip("running as root with no unprivileged account for PostgreSQL")
        entry = pwd.getpwnam(account)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        run_as = {"user": entry.pw_uid, "group": entry.pw_gid}
    data, port = base / "data", free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run([bindir / "initdb", "-D", data, "-U", "appealgen", "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120, **run_as)  # type: ignore[arg-type]
        subprocess.run([bindir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-o", options, "start"],
                       check=True, capture_output=True, timeout=60, **run_as)  # type: ignore[arg-type]
        yield f"postgresql+psycopg://appealgen@127.0.0.1:{port}"
    finally:
        subprocess.run([bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60,
                       **run_as)  # type: ignore[arg-type]
        shutil.rmtree(base, ignore_errors=True)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty case-store database: a SQLite file, or a new database on the throwaway cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/c.db"
    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return f"{server}/{name}"

"""`appealgen keys create|revoke|list` against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appealgen.cli import main
from appealgen.settings import Settings
from appealgen.store import SqlCaseStore


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cases.db"
    monkeypatch.setenv("APPEALGEN_DATABASE_URL", url)
    return url


class TestKeysCli:
    def test_create_prints_the_key_once_on_its_own_line(
        self, db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["keys", "create", "clinic-a"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1 and lines[0].startswith("agk_")
        store = SqlCaseStore.from_settings(Settings(database_url=db))
        assert store.authenticate(lines[0]) is not None

    def test_list_and_revoke_never_show_keys(
        self, db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["keys", "create", "clinic-a"])
        secret = capsys.readouterr().out.strip()
        assert main(["keys", "revoke", "clinic-a"]) == 0
        assert main(["keys", "list", "--json"]) == 0
        out = capsys.readouterr().out
        listed = json.loads(out[out.index("{") :])["keys"]
        assert listed[0]["name"] == "clinic-a" and listed[0]["revoked"]
        assert secret not in out
        assert main(["keys", "list"]) == 0
        assert "revoked" in capsys.readouterr().out

    def test_errors_exit_2(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["keys", "revoke", "nobody"]) == 2
        main(["keys", "create", "x"])
        assert main(["keys", "create", "x"]) == 2
        assert "already exists" in capsys.readouterr().err

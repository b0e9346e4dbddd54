"""SqlCaseStore over a real SQLite file and a real PostgreSQL cluster: keys, ownership, versions, deletion, encryption, audit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from appealgen.errors import DependencyError, InputError, NotFoundError
from appealgen.models import AppealResult
from appealgen.store import Idempotency, IdempotencyKeyReusedError, SqlCaseStore
from appealgen.store.crypto import make_cipher
from appealgen.store.sql import hash_secret, make_engine

MEMBER_ID = "U7302948816"


def open_store(url: str, key: str | None = None) -> SqlCaseStore:
    return SqlCaseStore(make_engine(url), make_cipher(key))


def add(
    store: SqlCaseStore,
    result: AppealResult,
    owner_name: str = "a",
    idem: Idempotency | None = None,
):  # noqa: ANN201
    owner = (
        next((k for k in store.list_keys() if k.name == owner_name), None)
        or store.create_key(owner_name)[0]
    )
    return owner, store.add_case(
        owner, result.denial_text.encode(), "text", result.patient_facts, result, idem
    )


class TestKeys:
    def test_create_authenticate_revoke(self, database_url: str) -> None:
        store = open_store(database_url)
        key, secret = store.create_key("clinic-a")
        assert secret.startswith("agk_") and len(secret) > 40
        assert store.authenticate(secret) == key
        assert store.authenticate(secret + "x") is None and store.authenticate("nope") is None
        assert store.revoke_key("clinic-a").revoked
        assert store.authenticate(secret) is None
        assert [k.name for k in store.list_keys()] == ["clinic-a"]

    def test_only_the_hash_is_stored(self, database_url: str) -> None:
        store = open_store(database_url)
        _, secret = store.create_key("k")
        with store.engine.connect() as conn:
            (stored,) = conn.execute(text("SELECT key_hash FROM api_keys")).one()
        assert stored == hash_secret(secret) and secret not in stored

    def test_bad_and_duplicate_names(self, database_url: str) -> None:
        store = open_store(database_url)
        store.create_key("k")
        with pytest.raises(InputError):
            store.create_key("k")
        with pytest.raises(InputError):
            store.create_key("has space")
        with pytest.raises(NotFoundError):
            store.revoke_key("missing")


class TestCases:
    def test_round_trip_and_ownership(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner, case = add(store, result)
        got = store.get_case(owner, case.id)
        assert got.result.id == case.id and got.result.letter_markdown == result.letter_markdown
        assert got.facts == result.patient_facts and got.letter.n == 1
        other = store.create_key("b")[0]
        with pytest.raises(NotFoundError):
            store.get_case(other, case.id)
        with pytest.raises(NotFoundError):
            store.delete_case(other, case.id)

    def test_letter_versions(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner, case = add(store, result)
        assert store.add_letter_version(owner, case.id, "edited", False).n == 2
        assert store.add_letter_version(owner, case.id, "edited again", True).n == 3
        latest = store.get_case(owner, case.id).letter
        assert (latest.n, latest.markdown, latest.check_passed) == (3, "edited again", True)

    def test_delete_removes_every_row(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner, case = add(store, result)
        store.add_letter_version(owner, case.id, "edited", False)
        store.delete_case(owner, case.id)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM letter_versions")).scalar() == 0
        with pytest.raises(NotFoundError):
            store.get_case(owner, case.id)

    def test_idempotency(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner, first = add(store, result, idem=Idempotency(key="k", request_hash="h1"))
        # A request that lost the race to insert: same hash gives the first case back.
        _, again = add(store, result, idem=Idempotency(key="k", request_hash="h1"))
        assert again.id == first.id and not again.created
        with pytest.raises(IdempotencyKeyReusedError):
            add(store, result, idem=Idempotency(key="k", request_hash="h2"))
        assert store.find_idempotent(owner, "k").id == first.id  # type: ignore[union-attr]
        assert store.find_idempotent(owner, "other") is None

    def test_concurrent_writers(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner = store.create_key("a")[0]

        def write(_: int) -> str:
            return store.add_case(owner, b"denial", "text", result.patient_facts, result).id

        with ThreadPoolExecutor(max_workers=6) as pool:
            ids = list(pool.map(write, range(30)))
        assert len(set(ids)) == 30
        assert all(store.get_case(owner, case_id).letter.n == 1 for case_id in ids)
        assert sum(e.what == "create" for e in store.audit_log()) == 30

    def test_concurrent_idempotent_requests_share_one_case(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner = store.create_key("a")[0]
        idem = Idempotency(key="same", request_hash="h")

        def write(_: int) -> str:
            return store.add_case(owner, b"denial", "text", result.patient_facts, result, idem).id

        with ThreadPoolExecutor(max_workers=6) as pool:
            ids = set(pool.map(write, range(12)))
        assert len(ids) == 1
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1


class TestSqlite:
    def test_wal_and_synchronous_full(self, tmp_path: Path) -> None:
        store = open_store(f"sqlite:///{tmp_path}/c.db")
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


class TestEncryption:
    def raw(self, store: SqlCaseStore) -> bytes:
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT denial, facts, result FROM cases")).one()
            letters = conn.execute(text("SELECT markdown FROM letter_versions")).scalars().all()
        return b"".join([*row, *letters])

    def test_plain_without_key(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        add(store, result)
        assert MEMBER_ID.encode() in self.raw(store)

    def test_phi_columns_encrypted_with_key(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url, key="correct horse battery staple")
        owner, case = add(store, result)
        store.add_letter_version(owner, case.id, f"Member {MEMBER_ID}", True)
        raw = self.raw(store)
        assert MEMBER_ID.encode() not in raw and b"Hemgenix" not in raw and b"1986-04-12" not in raw
        assert store.get_case(owner, case.id).letter.markdown == f"Member {MEMBER_ID}"
        # The same passphrase opens it again; another one fails with a clear error.
        assert (
            open_store(database_url, key="correct horse battery staple")
            .get_case(owner, case.id)
            .id
            == case.id
        )
        with pytest.raises(DependencyError, match="ENCRYPTION_KEY"):
            open_store(database_url, key="wrong").get_case(owner, case.id)


class TestAudit:
    def test_audit_holds_no_phi(self, database_url: str, result: AppealResult) -> None:
        store = open_store(database_url)
        owner, case = add(store, result)
        for action in ("read", "edit", "delete"):  # add_case wrote "create" itself
            store.audit(owner, action, case.id)  # type: ignore[arg-type]
        assert [e.what for e in store.audit_log(case.id)] == ["create", "read", "edit", "delete"]
        with store.engine.connect() as conn:
            dump = " ".join(
                str(v) for row in conn.execute(text("SELECT * FROM audit")) for v in row
            )
        for phi in (MEMBER_ID, "Marchetti", "D67", "1986-04-12", "Ekwueme"):
            assert phi not in dump

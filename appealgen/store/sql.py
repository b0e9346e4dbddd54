"""SqlCaseStore: the CaseStore over SQLAlchemy 2 (a SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, delete, event, func, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from appealgen.errors import DependencyError, InputError, NotFoundError
from appealgen.models import AppealResult, PatientFacts
from appealgen.settings import Settings
from appealgen.store.base import (
    ApiKey,
    AuditAction,
    AuditEntry,
    Idempotency,
    IdempotencyKeyReusedError,
    LetterVersion,
    StoredCase,
)
from appealgen.store.crypto import Cipher, make_cipher
from appealgen.store.tables import ApiKeyRow, AuditRow, Base, CaseRow, LetterVersionRow

KEY_PREFIX = "agk_"
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) under which an API key is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, synchronous=FULL, foreign keys and secure delete."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    if not memory:
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path:
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted PHI is overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return engine


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _key(row: ApiKeyRow) -> ApiKey:
    revoked = _utc(row.revoked_at) if row.revoked_at else None
    return ApiKey(id=row.id, name=row.name, created_at=_utc(row.created_at), revoked_at=revoked)


class SqlCaseStore:
    """The CaseStore over SQLAlchemy; PHI columns are encrypted when a key is configured."""

    def __init__(self, engine: Engine, cipher: Cipher) -> None:
        self.engine = engine
        self._cipher = cipher
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        try:
            Base.metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise DependencyError(
                f"The case store cannot be opened ({type(exc).__name__})."
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlCaseStore:
        """The store at settings.database_url, encrypting with settings.encryption_key."""
        return cls(make_engine(settings.database_url), make_cipher(settings.encryption_key))

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                yield session
            except IntegrityError:
                session.rollback()
                raise
            except SQLAlchemyError as exc:
                session.rollback()
                raise DependencyError(f"The case store failed ({type(exc).__name__}).") from None

    # API keys ----------------------------------------------------------------------------
    def create_key(self, name: str) -> tuple[ApiKey, str]:
        """A new key named name and its secret, shown once (only its SHA-256 is stored).

        Raises:
            InputError: the name is not a plain identifier or is taken.
        """
        if not _NAME_RE.fullmatch(name):
            raise InputError(
                "A key name is 1-100 letters, digits, '.', '_', '@' or '-', starting alphanumeric."
            )
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(name=name, key_hash=hash_secret(secret), created_at=datetime.now(UTC))
        try:
            with self._session() as s:
                s.add(row)
                s.commit()
                return _key(row), secret
        except IntegrityError:
            raise InputError(f"A key named {name!r} already exists.") from None

    def revoke_key(self, name: str) -> ApiKey:
        """Revoke the key named name (revoking twice keeps the first time)."""
        with self._session() as s:
            row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
            if row is None:
                raise NotFoundError(f"No key named {name!r}.")
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
                s.commit()
            return _key(row)

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self._session() as s:
            return [_key(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key whose secret this is, or None."""
        if not secret.startswith(KEY_PREFIX):
            return None
        with self._session() as s:
            row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_secret(secret)))
            return _key(row) if row is not None and row.revoked_at is None else None

    # Cases -------------------------------------------------------------------------------
    def _seal(self, data: bytes) -> bytes:
        return self._cipher.encrypt(data)

    def _open(self, data: bytes) -> bytes:
        return self._cipher.decrypt(data)

    def _case(self, s: Session, row: CaseRow) -> StoredCase:
        latest = s.scalar(
            select(LetterVersionRow)
            .where(LetterVersionRow.case_id == row.id)
            .order_by(LetterVersionRow.n.desc())
        )
        assert latest is not None  # every case is stored with version 1
        facts = (
            PatientFacts.model_validate_json(self._open(row.facts))
            if row.facts is not None
            else None
        )
        return StoredCase(
            id=row.id,
            owner_key_id=row.owner_key_id,
            created_at=_utc(row.created_at),
            denial_kind=row.denial_kind,
            denial=self._open(row.denial),
            facts=facts,
            result=AppealResult.model_validate_json(self._open(row.result)),
            letter=LetterVersion(
                n=latest.n,
                markdown=self._open(latest.markdown).decode("utf-8"),
                created_at=_utc(latest.created_at),
                check_passed=latest.check_passed,
            ),
            request_hash=row.request_hash,
        )

    def _owned(self, s: Session, owner: ApiKey, case_id: str) -> CaseRow:
        row = s.get(CaseRow, case_id)
        # Another key's case reads exactly like a missing one.
        if row is None or row.owner_key_id != owner.id:
            raise NotFoundError("No such appeal.")
        return row

    def find_idempotent(self, owner: ApiKey, key: str) -> StoredCase | None:
        """The owner's case made with this Idempotency-Key, if any."""
        with self._session() as s:
            row = s.scalar(
                select(CaseRow).where(
                    CaseRow.owner_key_id == owner.id, CaseRow.idempotency_key == key
                )
            )
            if row is None:
                return None
            found = self._case(s, row)
            found.created = False
            return found

    def add_case(
        self,
        owner: ApiKey,
        denial: bytes,
        denial_kind: Literal["file", "text"],
        facts: PatientFacts | None,
        result: AppealResult,
        idempotency: Idempotency | None = None,
    ) -> StoredCase:
        """Store a new case, its drafted letter as version 1 and its "create" audit row, in one transaction.

        Raises:
            IdempotencyKeyReusedError: a concurrent request with this key asked for another thing.
        """
        case_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        result = result.model_copy(update={"id": case_id})
        facts_json = facts.model_dump_json().encode() if facts is not None else None
        row = CaseRow(
            id=case_id,
            owner_key_id=owner.id,
            created_at=now,
            denial_kind=denial_kind,
            denial=self._seal(denial),
            facts=self._seal(facts_json) if facts_json is not None else None,
            result=self._seal(result.model_dump_json().encode()),
            idempotency_key=idempotency.key if idempotency else None,
            request_hash=idempotency.request_hash if idempotency else None,
        )
        version = LetterVersionRow(
            case_id=case_id,
            n=1,
            markdown=self._seal(result.letter_markdown.encode()),
            created_at=now,
            check_passed=result.check.passed,
        )
        try:
            with self._session() as s:
                s.add(row)
                s.flush()
                s.add(version)
                # One commit: a crash leaves either the whole case or nothing.
                s.add(AuditRow(who=owner.name, what="create", at=now, case_id=case_id))
                s.commit()
                return self._case(s, row)
        except IntegrityError:
            if idempotency is None:
                raise DependencyError("The case store rejected a new case.") from None
        # Lost a race with a request carrying the same Idempotency-Key.
        existing = self.find_idempotent(owner, idempotency.key)
        if existing is None or existing.request_hash != idempotency.request_hash:
            raise IdempotencyKeyReusedError(
                "This Idempotency-Key was already used with a different request."
            )
        return existing

    def get_case(self, owner: ApiKey, case_id: str) -> StoredCase:
        """The owner's case; NotFoundError for a missing case or another key's."""
        with self._session() as s:
            return self._case(s, self._owned(s, owner, case_id))

    def add_letter_version(
        self, owner: ApiKey, case_id: str, markdown: str, check_passed: bool
    ) -> LetterVersion:
        """Save an edited letter as the case's next version."""
        for _ in range(3):  # two concurrent saves may pick the same n; the loser retries
            try:
                with self._session() as s:
                    self._owned(s, owner, case_id)
                    last = s.scalar(
                        select(func.max(LetterVersionRow.n)).where(
                            LetterVersionRow.case_id == case_id
                        )
                    )
                    row = LetterVersionRow(
                        case_id=case_id,
                        n=(last or 0) + 1,
                        markdown=self._seal(markdown.encode()),
                        created_at=datetime.now(UTC),
                        check_passed=check_passed,
                    )
                    s.add(row)
                    s.commit()
                    return LetterVersion(
                        n=row.n,
                        markdown=markdown,
                        created_at=_utc(row.created_at),
                        check_passed=check_passed,
                    )
            except IntegrityError:
                continue
        raise DependencyError("The letter could not be saved; try again.")

    def delete_case(self, owner: ApiKey, case_id: str) -> None:
        """Delete a case and every letter version for good (the audit trail stays)."""
        with self._session() as s:
            self._owned(s, owner, case_id)
            s.execute(delete(LetterVersionRow).where(LetterVersionRow.case_id == case_id))
            s.execute(delete(CaseRow).where(CaseRow.id == case_id))
            s.commit()

    # Audit and health ----------------------------------------------------------------------
    def audit(self, who: ApiKey, what: AuditAction, case_id: str | None = None) -> None:
        """Append who (the key's name), what, now and the case id to the audit trail."""
        with self._session() as s:
            s.add(AuditRow(who=who.name, what=what, at=datetime.now(UTC), case_id=case_id))
            s.commit()

    def audit_log(self, case_id: str | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first (of one case, or all)."""
        query = select(AuditRow).order_by(AuditRow.id)
        if case_id is not None:
            query = query.where(AuditRow.case_id == case_id)
        with self._session() as s:
            return [
                AuditEntry(who=r.who, what=r.what, at=_utc(r.at), case_id=r.case_id)
                for r in s.scalars(query)
            ]

    def ping(self) -> None:
        """Raise DependencyError when the database does not answer."""
        with self._session() as s:
            s.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

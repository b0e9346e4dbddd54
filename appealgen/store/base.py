"""The case store's records and its protocol; the SQLAlchemy implementation is in sql.py."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel

from appealgen.errors import IdempotencyKeyReusedError  # noqa: F401 - part of the store's interface
from appealgen.models import AppealResult, PatientFacts

AuditAction = Literal["create", "replay", "read", "download", "edit", "check", "delete", "classify"]


class ApiKey(BaseModel):
    """An API key as listed: never the secret, never its hash."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        """Whether the key no longer authenticates."""
        return self.revoked_at is not None


class LetterVersion(BaseModel):
    """One saved version of a case's letter."""

    n: int
    markdown: str
    created_at: datetime
    check_passed: bool


class StoredCase(BaseModel):
    """A case as read back: the input, the pipeline's result and the latest letter."""

    id: str
    owner_key_id: int
    created_at: datetime
    denial_kind: Literal["file", "text"]
    denial: bytes
    facts: PatientFacts | None
    result: AppealResult
    letter: LetterVersion
    request_hash: str | None = None
    created: bool = True  # False when an idempotent replay returned an existing case


class AuditEntry(BaseModel):
    """One audit-trail row: who (key name), what, when, which case. Never PHI."""

    who: str
    what: str
    at: datetime
    case_id: str | None = None


class Idempotency(BaseModel):
    """The Idempotency-Key a request carried, and a hash of what the request asked for."""

    key: str
    request_hash: str


class CaseStore(Protocol):
    """Where API keys, cases, letter versions and the audit trail live."""

    def create_key(self, name: str) -> tuple[ApiKey, str]:
        """A new key and its secret (the secret is not stored, only its SHA-256)."""
        ...

    def revoke_key(self, name: str) -> ApiKey:
        """Revoke a key by name."""
        ...

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first."""
        ...

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key with this secret, or None."""
        ...

    def find_idempotent(self, owner: ApiKey, key: str) -> StoredCase | None:
        """The owner's case made with this Idempotency-Key, if any."""
        ...

    def add_case(
        self,
        owner: ApiKey,
        denial: bytes,
        denial_kind: Literal["file", "text"],
        facts: PatientFacts | None,
        result: AppealResult,
        idempotency: Idempotency | None = None,
    ) -> StoredCase:
        """Store a new case, its first letter version (the drafted letter) and its "create" audit entry, atomically."""
        ...

    def get_case(self, owner: ApiKey, case_id: str) -> StoredCase:
        """The owner's case (NotFoundError for any other key's case)."""
        ...

    def add_letter_version(
        self, owner: ApiKey, case_id: str, markdown: str, check_passed: bool
    ) -> LetterVersion:
        """Save an edited letter as the case's next version."""
        ...

    def delete_case(self, owner: ApiKey, case_id: str) -> None:
        """Delete a case and its letter versions for good."""
        ...

    def audit(self, who: ApiKey, what: AuditAction, case_id: str | None = None) -> None:
        """Append to the audit trail."""
        ...

    def audit_log(self, case_id: str | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first (of one case, or all)."""
        ...

    def ping(self) -> None:
        """Raise DependencyError when the store cannot be reached."""
        ...

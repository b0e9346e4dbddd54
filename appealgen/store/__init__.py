"""The case store: API keys, cases, letter versions and the audit trail."""

from appealgen.store.base import (
    ApiKey,
    AuditEntry,
    CaseStore,
    Idempotency,
    IdempotencyKeyReusedError,
    LetterVersion,
    StoredCase,
)
from appealgen.store.sql import SqlCaseStore

__all__ = [
    "ApiKey",
    "AuditEntry",
    "CaseStore",
    "Idempotency",
    "IdempotencyKeyReusedError",
    "LetterVersion",
    "SqlCaseStore",
    "StoredCase",
]

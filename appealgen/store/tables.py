"""SQLAlchemy 2 table models of the case store (SQLite by default, PostgreSQL by URL).

PHI lives only in the LargeBinary columns (denial, facts, result, letter markdown);
they hold ciphertext when an encryption key is configured. The audit table never
holds PHI: who (the key's name), what (an action word), when and the case id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every case-store table."""


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseRow(Base):
    """One appeal case, owned by the key that created it."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("owner_key_id", "idempotency_key", name="uq_case_idempotency"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    denial_kind: Mapped[str] = mapped_column(String(8))  # "file" or "text"
    denial: Mapped[bytes] = mapped_column(LargeBinary)
    facts: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    result: Mapped[bytes] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LetterVersionRow(Base):
    """One saved version of a case's letter (version 1 is the drafted letter)."""

    __tablename__ = "letter_versions"
    __table_args__ = (UniqueConstraint("case_id", "n", name="uq_letter_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    markdown: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    check_passed: Mapped[bool] = mapped_column(Boolean)


class AuditRow(Base):
    """Who did what to which case, and when. Never PHI."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    who: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # No foreign key: the trail outlives a deleted case.
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)

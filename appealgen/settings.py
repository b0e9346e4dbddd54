"""One typed settings tree, read from APPEALGEN_* environment variables and a .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ParseLimits(BaseSettings):
    """Hard limits for untrusted input documents."""

    model_config = SettingsConfigDict(env_prefix="APPEALGEN_PARSE_", extra="ignore")
    max_bytes: int = Field(20 * 1024 * 1024, description="Largest accepted upload, in bytes")
    max_pages: int = Field(200, description="Most pages read from a PDF")
    max_chars: int = Field(2_000_000, description="Most characters of extracted text")
    timeout_s: float = Field(20.0, description="Wall-clock limit for parsing one file")
    memory_mb: int = Field(1024, description="Address-space limit of the parsing process")


class Settings(BaseSettings):
    """appealgen settings. Built explicitly by the CLI or app factory, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="APPEALGEN_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    index_dir: Path = Field(Path(".appealgen/index"), description="Chroma + BM25 index folder")
    chroma_url: str | None = Field(None, description="Chroma server URL used instead of the folder")
    model_cache_dir: Path = Field(Path(".appealgen/models"), description="Where the built ONNX embedding model is cached")
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Corpus of source documents")
    database_url: str = Field("sqlite:///.appealgen/cases.db", description="Case store URL")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = template")
    llm_model: str | None = Field(None, description="Model name at the LLM endpoint")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint")
    llm_timeout_s: float = Field(60.0, gt=0, description="Wall-clock limit of one LLM request, reply included")
    llm_max_retries: int = Field(2, ge=0, description="Retries of a failed LLM request (connection, timeout, 429, 5xx)")
    llm_backoff_s: float = Field(1.0, ge=0, description="First retry delay; doubles each retry, with jitter")
    llm_backoff_max_s: float = Field(20.0, ge=0, description="Longest delay before a retry, Retry-After included")
    llm_cooldown_s: float = Field(
        30.0, ge=0, description="After the endpoint failed for good, how long it is skipped (the template drafts)"
    )
    llm_letter_budget_s: float = Field(
        300.0, gt=0, description="Most LLM seconds per letter; sections after it come from the template"
    )
    llm_temperature: float = Field(0.2, description="LLM sampling temperature")
    llm_max_tokens: int = Field(400, description="Most tokens the LLM writes per section")
    encryption_key: str | None = Field(None, description="Encrypts PHI columns at rest")
    retrieve_k: int = Field(8, description="Passages retrieved per query")
    parse: ParseLimits = Field(default_factory=ParseLimits, description="Parsing limits")

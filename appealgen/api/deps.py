"""The app's long-lived services and the route dependencies, as Annotated aliases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from appealgen.api.problems import AuthError
from appealgen.models import AppealResult, DenialBasis, PatientFacts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.stages.classify import classify
from appealgen.store import ApiKey, CaseStore, SqlCaseStore

T = TypeVar("T")
# Pipeline stages that may call the LLM endpoint (the optional LLM classifier, the LLM drafter).
LLM_STAGES = frozenset({"classify", "draft"})


@dataclass
class Services:
    """What the routes use: settings, the case store and the pipeline."""

    settings: Settings
    store: CaseStore
    pipeline: Pipeline
    # One pipeline run at a time per process: the index and embedder are shared and lazily
    # opened, and first come is first served. A run gives the lock up while its PDF is read (in
    # a child process, so another run uses the other core) and while it waits on an LLM
    # endpoint. Scale out with more uvicorn workers.
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """The real services: the SQL store at settings.database_url and the full pipeline."""
        return cls(
            settings=settings,
            store=SqlCaseStore.from_settings(settings),
            pipeline=Pipeline(settings),
        )

    def draft(
        self, denial: bytes | str, facts: PatientFacts | None, name: str | None
    ) -> AppealResult:
        """Run the whole pipeline (a str is letter text, bytes are file content)."""
        with self.lock:
            return self.pipeline.run(denial, facts, name=name, timer=self._guard)

    def _guard(self, stage: str, run: Callable[[], T]) -> T:
        """Run one stage of a locked run; parsing, and a stage that may wait on an LLM endpoint, give the lock up meanwhile."""
        if stage != "parse" and (stage not in LLM_STAGES or not self.uses_llm):
            return run()
        self.lock.release()
        try:
            return run()
        finally:
            self.lock.acquire()

    @property
    def uses_llm(self) -> bool:
        """Whether pipeline runs may call an LLM endpoint (LLM drafter or classifier)."""
        return bool(self.settings.llm_base_url) or self.pipeline.drafter.name == "llm"

    def classify(self, denial: bytes | str, name: str | None) -> list[DenialBasis]:
        """parse + extract + classify."""
        doc, facts = self.pipeline.read(denial, name)
        return classify(doc, facts)

    def index_ready(self) -> bool:
        """Whether a retrieval index is configured (a Chroma server, or a built folder)."""
        settings = self.settings
        return bool(settings.chroma_url) or Path(settings.index_dir).is_dir()


def get_services(request: Request) -> Services:
    """The Services of the app serving this request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    """The app's settings."""
    return services.settings


def get_store(services: ServicesDep) -> CaseStore:
    """The app's case store."""
    return services.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[CaseStore, Depends(get_store)]

_bearer = HTTPBearer(
    auto_error=False, description="An API key made with `appealgen keys create NAME`."
)


def get_caller(
    store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> ApiKey:
    """The API key in `Authorization: Bearer KEY`.

    Raises:
        AuthError: no key, or an unknown or revoked one.
    """
    if credentials is None:
        raise AuthError(
            "Send an API key as 'Authorization: Bearer KEY' "
            "(make one with 'appealgen keys create NAME')."
        )
    key = store.authenticate(credentials.credentials)
    if key is None:
        raise AuthError("The API key is not valid or has been revoked.")
    return key


CallerDep = Annotated[ApiKey, Depends(get_caller)]
IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Repeat a request safely: the same key and body give the same case.",
    ),
]

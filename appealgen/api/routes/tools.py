"""/v1/classify, /v1/check and /v1/health."""

from __future__ import annotations

from fastapi import APIRouter, Response

from appealgen.api.deps import CallerDep, ServicesDep, SettingsDep, StoreDep
from appealgen.api.intake import IntakeDep, request_body_doc
from appealgen.api.routes.appeals import BODY_ERRORS, INTAKE_ERRORS
from appealgen.api.schemas import CheckRequest, ClassifyOut, Health
from appealgen.errors import AppealgenError, LimitExceededError
from appealgen.models import CheckReport
from appealgen.stages.check import check

router = APIRouter(prefix="/v1", tags=["tools"])


@router.post(
    "/classify",
    response_model=ClassifyOut,
    openapi_extra=request_body_doc(with_facts=False),
    responses=INTAKE_ERRORS,
)
def classify_denial(caller: CallerDep, services: ServicesDep, intake: IntakeDep) -> ClassifyOut:
    """The denial bases a letter states, primary first (multipart `denial`, JSON `denial_text`)."""
    bases = services.classify(intake.denial, intake.name)
    services.store.audit(caller, "classify")
    return ClassifyOut(bases=bases)


@router.post("/check", response_model=CheckReport, responses=BODY_ERRORS)
def check_letter(
    body: CheckRequest, caller: CallerDep, store: StoreDep, settings: SettingsDep
) -> CheckReport:
    """Check a letter against an appeal's denial, facts and passages (nothing is saved)."""
    if len(body.letter) > settings.parse.max_chars:
        raise LimitExceededError(
            f"The letter is longer than {settings.parse.max_chars:,} characters."
        )
    case = store.get_case(caller, body.appeal_id)
    store.audit(caller, "check", case.id)
    return check(body.letter, case.result.check_context())


@router.get(
    "/health",
    response_model=Health,
    tags=["health"],
    responses={503: {"model": Health, "description": "The case store does not answer"}},
)
def health(services: ServicesDep, response: Response) -> Health:
    """Whether the case store answers and an index is there. No API key needed."""
    try:
        services.store.ping()
        store_ok = True
    except AppealgenError:
        store_ok = False
    ready = services.index_ready()
    if not store_ok:
        response.status_code = 503
    return Health(
        status="ok" if store_ok and ready else "degraded",
        store="ok" if store_ok else "unavailable",
        index="ready" if ready else "missing",
    )

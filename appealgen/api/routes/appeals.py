"""/v1/appeals: create, read, download, edit and delete appeal cases."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from fastapi import Path as PathParam

from appealgen.api.calendar import deadlines_ics
from appealgen.api.deps import (
    CallerDep,
    IdempotencyKeyDep,
    Services,
    ServicesDep,
    SettingsDep,
    StoreDep,
)
from appealgen.api.intake import IntakeDep, request_body_doc
from appealgen.api.problems import problem_responses
from appealgen.api.schemas import AppealOut, LetterCheck, LetterEdit
from appealgen.errors import LimitExceededError
from appealgen.stages.check import check
from appealgen.stages.packet import build_packet
from appealgen.stages.render import markdown_to_docx, markdown_to_pdf
from appealgen.store import ApiKey, Idempotency, IdempotencyKeyReusedError, StoredCase

router = APIRouter(prefix="/v1/appeals", tags=["appeals"])
CaseId = Annotated[str, PathParam(max_length=64, description="The appeal's id")]

# Every route here needs a key, reads a case or a body, and validates its parameters.
ERRORS = problem_responses(401, 404, 422)
# Routes with a JSON body may find it unparseable or too large.
BODY_ERRORS = {**ERRORS, **problem_responses(400, 413)}
# Routes that read a denial (multipart or JSON) may also refuse its size or type, or lack the index.
INTAKE_ERRORS = problem_responses(400, 401, 413, 415, 422, 503)
_MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _out(case: StoredCase) -> AppealOut:
    """The case as returned: the stored result with the latest letter and its check."""
    result = case.result
    report = result.check
    if case.letter.n > 1:
        report = check(case.letter.markdown, result.check_context())
    data = result.model_dump()
    data.update(
        id=case.id, letter_markdown=case.letter.markdown, check=report, letter_version=case.letter.n
    )
    return AppealOut.model_validate(data)


def _attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AppealOut,
    openapi_extra=request_body_doc(),
    responses={
        **INTAKE_ERRORS,
        200: {"description": "An Idempotency-Key replay: the case made before"},
    },
)
def create_appeal(
    caller: CallerDep,
    services: ServicesDep,
    intake: IntakeDep,
    response: Response,
    idempotency_key: IdempotencyKeyDep = None,
) -> AppealOut:
    """Draft an appeal from a denial letter and optional patient facts.

    The body is multipart (`denial` file, optional `facts` JSON/YAML file or field) or JSON
    (`denial_text`, optional `facts` object).
    """
    store = services.store
    idem = (
        Idempotency(key=idempotency_key, request_hash=intake.request_hash)
        if idempotency_key
        else None
    )
    case = _replay(services, caller, idem)
    if case is None:
        result = services.draft(intake.denial, intake.facts, intake.name)
        case = store.add_case(caller, intake.denial_bytes, intake.kind, intake.facts, result, idem)
    if not case.created:  # add_case wrote the "create" entry with the case
        store.audit(caller, "replay", case.id)
    response.status_code = status.HTTP_201_CREATED if case.created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/appeals/{case.id}"
    return _out(case)


def _replay(services: Services, caller: ApiKey, idem: Idempotency | None) -> StoredCase | None:
    """The case an earlier request with this Idempotency-Key made, if it asked the same."""
    if idem is None:
        return None
    existing = services.store.find_idempotent(caller, idem.key)
    if existing is not None and existing.request_hash != idem.request_hash:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used with a different request."
        )
    return existing


@router.get("/{case_id}", response_model=AppealOut, responses=ERRORS)
def get_appeal(case_id: CaseId, caller: CallerDep, store: StoreDep) -> AppealOut:
    """The appeal with its latest letter version and that letter's check report."""
    case = store.get_case(caller, case_id)
    store.audit(caller, "read", case_id)
    return _out(case)


@router.get(
    "/{case_id}/letter.{fmt}",
    responses={**ERRORS, 200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}},
    response_class=Response,
)
def get_letter(
    case_id: CaseId, fmt: Literal["md", "pdf", "docx"], caller: CallerDep, store: StoreDep
) -> Response:
    """The latest letter version as Markdown, PDF or Word."""
    case = store.get_case(caller, case_id)
    content = _document(case.letter.markdown, fmt)
    store.audit(caller, "download", case_id)
    return _attachment(content, _MEDIA[fmt], f"appeal-{case_id[:8]}-v{case.letter.n}.{fmt}")


@router.get(
    "/{case_id}/packet.{fmt}",
    responses={**ERRORS, 200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}},
    response_class=Response,
)
def get_packet(
    case_id: CaseId, fmt: Literal["md", "pdf", "docx"], caller: CallerDep, store: StoreDep
) -> Response:
    """The appeal packet (cover page, criteria, records to attach, deadlines, where to send it,
    state contacts, California IMR history, a plain-language page) as Markdown, PDF or Word."""
    case = store.get_case(caller, case_id)
    content = _document(build_packet(case.result), fmt)
    store.audit(caller, "download", case_id)
    return _attachment(content, _MEDIA[fmt], f"appeal-{case_id[:8]}-packet.{fmt}")


def _document(markdown: str, fmt: str) -> bytes | str:
    """A Markdown document in the format asked for."""
    if fmt == "md":
        return markdown
    if fmt == "pdf":
        return markdown_to_pdf(markdown)
    with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
        path = Path(tmp) / "document.docx"
        markdown_to_docx(markdown, path)
        return path.read_bytes()


@router.get(
    "/{case_id}/deadlines.ics",
    responses={**ERRORS, 200: {"content": {"text/calendar": {}}}},
    response_class=Response,
)
def get_deadlines_ics(case_id: CaseId, caller: CallerDep, store: StoreDep) -> Response:
    """The appeal's dated deadlines as an iCalendar file (one event each)."""
    case = store.get_case(caller, case_id)
    store.audit(caller, "download", case_id)
    return _attachment(
        deadlines_ics(case_id, case.result.deadlines),
        "text/calendar; charset=utf-8",
        f"appeal-{case_id[:8]}-deadlines.ics",
    )


@router.put("/{case_id}/letter", response_model=LetterCheck, responses=BODY_ERRORS)
def put_letter(
    case_id: CaseId, edit: LetterEdit, caller: CallerDep, store: StoreDep, settings: SettingsDep
) -> LetterCheck:
    """Save an edited letter as the next version; returns the checker's report on it."""
    if len(edit.markdown) > settings.parse.max_chars:
        raise LimitExceededError(
            f"The letter is longer than {settings.parse.max_chars:,} characters."
        )
    case = store.get_case(caller, case_id)
    report = check(edit.markdown, case.result.check_context())
    version = store.add_letter_version(caller, case_id, edit.markdown, report.passed)
    store.audit(caller, "edit", case_id)
    return LetterCheck(version=version.n, **report.model_dump())


@router.delete(
    "/{case_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS, response_class=Response
)
def delete_appeal(case_id: CaseId, caller: CallerDep, store: StoreDep) -> Response:
    """Delete the appeal, its denial, facts and every letter version for good."""
    store.delete_case(caller, case_id)
    store.audit(caller, "delete", case_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

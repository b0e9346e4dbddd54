"""Reading a denial (multipart file or JSON text) and optional patient facts from a request."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from appealgen.api.deps import SettingsDep
from appealgen.api.problems import MediaTypeError
from appealgen.errors import InputError, LimitExceededError
from appealgen.models import PatientFacts
from appealgen.patient_facts import parse_patient_facts

FACTS_MAX_BYTES = 512 * 1024


class DenialJSON(BaseModel):
    """A denial given as text in a JSON body."""

    model_config = ConfigDict(extra="forbid")
    denial_text: str = Field(min_length=1, description="The denial letter's text")
    facts: dict[str, Any] | None = Field(
        None, description="Patient facts (DESIGN.md 'Patient facts')"
    )


MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["denial"],
    "properties": {
        "denial": {
            "type": "string",
            "format": "binary",
            "description": "The denial letter (PDF or text)",
        },
        "facts": {
            "type": "string",
            "format": "binary",
            "description": "Patient facts as a JSON or YAML file or field",
        },
    },
}


def request_body_doc(with_facts: bool = True) -> dict[str, Any]:
    """openapi_extra documenting the two accepted request bodies."""
    schema = DenialJSON.model_json_schema()
    multipart = json.loads(json.dumps(MULTIPART_SCHEMA))
    if not with_facts:
        schema["properties"].pop("facts", None)
        multipart["properties"].pop("facts", None)
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": multipart},
                "application/json": {"schema": schema},
            },
        }
    }


@dataclass
class Intake:
    """A denial and optional patient facts read from a request."""

    denial: bytes | str  # str: letter text; bytes: file content
    kind: Literal["file", "text"]
    name: str | None
    facts: PatientFacts | None
    request_hash: str

    @property
    def denial_bytes(self) -> bytes:
        """The denial as stored."""
        return self.denial.encode("utf-8") if isinstance(self.denial, str) else self.denial


def _hash(kind: str, denial: bytes, facts: PatientFacts | None) -> str:
    # Hash what was asked for, not the raw body: multipart boundaries differ between retries.
    digest = hashlib.sha256(kind.encode() + b"\0" + denial + b"\0")
    if facts is not None:
        digest.update(json.dumps(facts.model_dump(mode="json"), sort_keys=True).encode())
    return digest.hexdigest()


async def _read_part(value: UploadFile | str, limit: int, what: str) -> bytes:
    if isinstance(value, str):
        data = value.encode("utf-8")
    else:
        data = await value.read(limit + 1)
    if len(data) > limit:
        raise LimitExceededError(f"The {what} is larger than the limit of {limit:,} bytes.")
    return data


async def read_intake(request: Request, settings: SettingsDep) -> Intake:
    """The denial and facts of a multipart or JSON request.

    Raises:
        MediaTypeError: the body is neither multipart/form-data nor JSON.
        InputError: the denial is missing, or the facts are invalid (FactsError).
        LimitExceededError: the denial file or facts are over the limit.
    """
    limit = settings.parse.max_bytes
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        try:
            form = await request.form(max_files=2, max_fields=4, max_part_size=FACTS_MAX_BYTES)
        except MultiPartException as exc:
            raise InputError(f"The multipart body is invalid: {exc.message}") from None
        except HTTPException as exc:  # Starlette turns a MultiPartException into a bare 400 inside an app
            raise InputError(f"The multipart body is invalid: {exc.detail}") from None
        try:
            denial = form.get("denial")
            if denial is None:
                raise InputError("Send the denial letter as the multipart file field 'denial'.")
            data = await _read_part(denial, limit, "denial file")
            name = denial.filename if isinstance(denial, UploadFile) else None
            raw_facts = form.get("facts")
            facts_data = (
                await _read_part(raw_facts, FACTS_MAX_BYTES, "facts")
                if raw_facts is not None
                else b""
            )
        finally:
            await form.close()
        kind: Literal["file", "text"] = "file" if isinstance(denial, UploadFile) else "text"
        facts = parse_patient_facts(facts_data, name="facts") if facts_data.strip() else None
        source: bytes | str = data if kind == "file" else data.decode("utf-8", "replace")
        return Intake(source, kind, name, facts, _hash(kind, data, facts))
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = DenialJSON.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)]
            ) from None
        facts = parse_patient_facts(body.facts, name="facts") if body.facts is not None else None
        text = body.denial_text
        return Intake(text, "text", None, facts, _hash("text", text.encode("utf-8"), facts))
    raise MediaTypeError(
        "Send multipart/form-data with a 'denial' file, or JSON with 'denial_text'."
    )


IntakeDep = Annotated[Intake, Depends(read_intake)]

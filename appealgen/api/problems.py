"""RFC 9457 problem details: every error the API returns, built only here.

AppealgenError subclasses carry their own status and title; validation errors become
422 without echoing the input; anything unexpected becomes a bare 500 whose log line
names the exception type and code location, never its message (it may hold PHI).
"""

from __future__ import annotations

import logging
import re
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appealgen.errors import AppealgenError, AuthError, MediaTypeError  # noqa: F401 - re-exported for the API modules

log = logging.getLogger("appealgen.api")
PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem details body: what every error response carries."""

    type: str = Field(description="A URN naming the problem (urn:appealgen:problem:...), or about:blank")
    title: str = Field(description="A short summary of the problem type")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="This occurrence, in one line")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid requests: each error's loc, msg and type (never the input)"
    )


_STATUS_MEANING = {
    400: "The body cannot be parsed",
    401: "Missing or invalid API key",
    404: "No such appeal for this key",
    413: "Body, file or letter too large",
    415: "Unsupported file or media type",
    422: "Invalid request: parameters, body, unreadable denial, invalid facts or a reused Idempotency-Key",
    503: "A dependency (the case store or the retrieval index) is unavailable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring a problem+json body for each status."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": _STATUS_MEANING[status], "content": {PROBLEM_JSON: {"schema": schema}}}
        for status in statuses
    }


def problem_type(exc: AppealgenError) -> str:
    """A stable URN naming the error class, e.g. urn:appealgen:problem:malformed-pdf."""
    name = type(exc).__name__.removesuffix("Error")
    return "urn:appealgen:problem:" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def problem(
    status: int,
    title: str,
    detail: str,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extensions}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_from_error(exc: AppealgenError) -> JSONResponse:
    """The problem response of an AppealgenError (its http_status, title and one_line())."""
    headers = {"WWW-Authenticate": 'Bearer realm="appealgen"'} if exc.http_status == 401 else None
    return problem(exc.http_status, exc.title, exc.one_line(), problem_type(exc), headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # loc, msg and type only: "input" and "ctx" could echo PHI back.
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem+json."""

    async def on_appealgen(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppealgenError)
        return problem_from_error(exc)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        where = ".".join(errors[0]["loc"]) if errors else ""
        message = str(errors[0]["msg"]) if errors else "invalid request"
        return problem(
            422,
            "Invalid request",
            f"{where}: {message}" if where else message,
            "urn:appealgen:problem:validation",
            errors=errors,
        )

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        phrase = HTTPStatus(exc.status_code).phrase
        detail = str(exc.detail) if isinstance(exc.detail, str) else phrase
        return problem(exc.status_code, phrase, detail, headers=getattr(exc, "headers", None))

    app.add_exception_handler(AppealgenError, on_appealgen)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


class UnexpectedErrorMiddleware:
    """Answers an unhandled exception with a bare 500 problem and logs it without its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on an unhandled exception send 500 if nothing was sent yet."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the edge of the app: nothing may leak past it
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error(
                "Unhandled %s on %s %s\n%s",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
                frames,
            )
            if started:
                raise
            response = problem(
                500, "Internal error", "An unexpected error occurred. It has been logged."
            )
            await response(scope, receive, send)

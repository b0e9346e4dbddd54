"""Request body limits, enforced before any parsing."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appealgen.api.problems import problem

# Room for the facts part and multipart framing on top of the largest denial file.
BODY_OVERHEAD = 1024 * 1024


class BodyLimitMiddleware:
    """Rejects a request body over max_body bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    def _too_large(self) -> JSONResponse:
        mib = self.max_body / (1024 * 1024)
        return problem(
            413,
            "Request too large",
            f"The request body is larger than the limit of {mib:.1f} MiB.",
            "urn:appealgen:problem:limit-exceeded",
            headers={"Connection": "close"},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length; buffer a body of unknown length up to the limit."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_body:
                await self._too_large()(scope, receive, send)
                return
            await self.app(scope, self._counting(receive), send)
            return
        # No Content-Length (chunked): read up to the limit before the app sees anything.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _counting(self, receive: Receive) -> Receive:
        """A receive that stops a body running past its limit (a client lying about its length)."""
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                return {"type": "http.disconnect"}
            return message

        return counted

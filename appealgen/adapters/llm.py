"""Chat models behind one small protocol: any OpenAI-compatible endpoint, and fakes for tests.

The endpoint is untrusted in time and size: every request has a wall-clock deadline that
covers the reply body too (a server that drips bytes or streams forever is cut off), and a
reply larger than a few times the token limit is refused. Connection failures, timeouts,
429 and 5xx are retried a bounded number of times with exponential backoff and jitter,
honouring Retry-After; anything else fails at once. An endpoint that stayed down through its
retries is not asked again for a cool-down period, so letters drafted meanwhile do not each
wait out the same retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from appealgen.errors import LLMError
from appealgen.settings import Settings

_BYTES_PER_TOKEN = 64  # generous: JSON escaping and framing around each token
_MIN_REPLY_BYTES = 32 * 1024


class ChatModel(Protocol):
    """Sends a system + user message, returns the reply text."""

    name: str
    letter_budget_s: float | None  # most seconds a drafter may spend on one letter; None = no limit

    def complete(self, system: str, user: str) -> str:
        """The model's reply."""
        ...


class ReplyOverrunError(httpx.TransportError):
    """The endpoint's reply ran past its deadline or its size limit."""


class _BoundedStream(httpx.SyncByteStream):
    """A response body that stops at a wall-clock deadline or a byte limit."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: float, max_bytes: int) -> None:
        self._inner = inner
        self._deadline = deadline
        self._max_bytes = max_bytes

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self._inner:
            size += len(chunk)
            if size > self._max_bytes:
                raise ReplyOverrunError(f"reply larger than {self._max_bytes} bytes")
            if time.monotonic() > self._deadline:
                raise ReplyOverrunError("reply still arriving at the deadline")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class BoundedTransport(httpx.HTTPTransport):
    """An HTTP transport whose requests end by a deadline, body included, and whose replies are capped."""

    def __init__(self, timeout_s: float, max_bytes: int) -> None:
        super().__init__()
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send with every socket wait bounded by the timeout; wrap the body in the deadline."""
        deadline = time.monotonic() + self._timeout_s
        request.extensions["timeout"] = dict.fromkeys(("connect", "read", "write", "pool"), self._timeout_s)
        response = super().handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_BoundedStream(response.stream, deadline, self._max_bytes),
            extensions=response.extensions,
        )


@dataclass
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter."""

    max_retries: int
    base_s: float
    cap_s: float
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `retry` (0-based).

        The server's Retry-After wins when given (capped); otherwise half the exponential
        step plus a random share of the other half, so clients that failed together spread out.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap_s)
        step = min(self.cap_s, self.base_s * 2**retry)
        return step / 2 + self.rng.uniform(0, step / 2)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _failure(exc: Exception) -> tuple[str, bool, float | None]:
    """What went wrong (a PHI-free phrase), whether a retry may help, and the server's Retry-After."""
    import openai

    overrun = _find(exc, ReplyOverrunError)
    if overrun is not None:
        too_big = "larger" in str(overrun)
        return ("its reply was too long" if too_big else "its reply did not finish in time"), not too_big, None
    if isinstance(exc, openai.APITimeoutError):
        return "it timed out", True, None
    if isinstance(exc, openai.APIConnectionError):
        return "it could not be reached", True, None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retryable = status == 429 or status >= 500
        return f"it answered HTTP {status}", retryable, retry_after_seconds(exc.response.headers.get("retry-after"))
    return f"it failed ({type(exc).__name__})", False, None


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """exc or the first of its causes that is a `kind`."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class OpenAICompatibleChat:
    """Any OpenAI-compatible server (vLLM, llama.cpp, hosted) through langchain-openai."""

    def __init__(
        self, settings: Settings, sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None
    ) -> None:
        from langchain_openai import ChatOpenAI

        if not settings.llm_base_url:
            raise LLMError("No LLM endpoint configured (set APPEALGEN_LLM_BASE_URL).")
        self.name = settings.llm_model or "default"
        self.letter_budget_s: float | None = settings.llm_letter_budget_s
        self._cooldown_s = settings.llm_cooldown_s
        self._down_until = 0.0
        self._sleep = sleep
        self._retry = RetryPolicy(
            settings.llm_max_retries, settings.llm_backoff_s, settings.llm_backoff_max_s, rng or random.Random()
        )
        max_bytes = max(_MIN_REPLY_BYTES, settings.llm_max_tokens * _BYTES_PER_TOKEN)
        self._http = httpx.Client(transport=BoundedTransport(settings.llm_timeout_s, max_bytes))
        kwargs: dict[str, Any] = {
            "base_url": settings.llm_base_url,
            "model": self.name,
            "api_key": settings.llm_api_key or "not-needed",
            "timeout": settings.llm_timeout_s,
            "max_retries": 0,  # retries are ours: bounded, jittered, Retry-After aware
            "http_client": self._http,
            "temperature": settings.llm_temperature,
            # llama.cpp's server reads max_tokens only from the request body.
            "extra_body": {"max_tokens": settings.llm_max_tokens},
            # JSON mode: servers that support it (llama.cpp enforces it with a grammar) return parseable output.
            "model_kwargs": {"response_format": {"type": "json_object", "schema": {
                "type": "object", "properties": {"argument": {"type": "string", "minLength": 20}},
                "required": ["argument"]}}},
        }
        self._chat = ChatOpenAI(**kwargs)

    def complete(self, system: str, user: str) -> str:
        """One chat completion, retried on transient failures.

        Raises:
            LLMError: the endpoint failed for good (after the retries, or at once for a
                non-transient failure, or within the cool-down after such a failure). The
                message names the failure, never the prompt.
        """
        if time.monotonic() < self._down_until:
            raise LLMError("The LLM endpoint failed moments ago; it is skipped for a short cool-down.")
        retry = 0
        while True:
            try:
                reply = self._chat.invoke([("system", system), ("human", user)])
            except Exception as exc:  # noqa: BLE001 - any client failure is a dependency failure
                what, retryable, retry_after = _failure(exc)
                if not retryable or retry >= self._retry.max_retries:
                    if retryable:  # down, not merely refusing this one request
                        self._down_until = time.monotonic() + self._cooldown_s
                    tries = f" after {retry + 1} attempts" if retry else ""
                    raise LLMError(f"The LLM endpoint failed: {what}{tries}.") from None
                self._sleep(self._retry.delay(retry, retry_after))
                retry += 1
                continue
            content = reply.content
            return content if isinstance(content, str) else str(content)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()


class FakeChat:
    """A scripted model for unit tests: replies come from a function of the prompt."""

    def __init__(self, reply: Callable[[str, str], str], name: str = "fake", letter_budget_s: float | None = None) -> None:
        self.name = name
        self.letter_budget_s = letter_budget_s
        self._reply = reply
        self.calls: list[tuple[str, str]] = []

    def complete(self, system: str, user: str) -> str:
        """The scripted reply."""
        self.calls.append((system, user))
        return self._reply(system, user)


def chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None for the template drafter."""
    return OpenAICompatibleChat(settings) if settings.llm_base_url else None

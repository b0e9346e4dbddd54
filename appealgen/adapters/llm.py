"""Chat models behind one small protocol: any OpenAI-compatible endpoint, and fakes for tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from appealgen.errors import LLMError
from appealgen.settings import Settings


class ChatModel(Protocol):
    """Sends a system + user message, returns the reply text."""

    name: str

    def complete(self, system: str, user: str) -> str:
        """The model's reply."""
        ...


class OpenAICompatibleChat:
    """Any OpenAI-compatible server (vLLM, llama.cpp, hosted) through langchain-openai."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        if not settings.llm_base_url:
            raise LLMError("No LLM endpoint configured (set APPEALGEN_LLM_BASE_URL).")
        self.name = settings.llm_model or "default"
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=self.name,
            api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
            # llama.cpp's server reads max_tokens only from the request body.
            extra_body={"max_tokens": settings.llm_max_tokens},
            # JSON mode: servers that support it (llama.cpp enforces it with a grammar) return parseable output.
            model_kwargs={"response_format": {"type": "json_object", "schema": {
                "type": "object", "properties": {"argument": {"type": "string", "minLength": 20}},
                "required": ["argument"]}}},
        )

    def complete(self, system: str, user: str) -> str:
        """One chat completion; failures become LLMError."""
        try:
            reply = self._chat.invoke([("system", system), ("human", user)])
        except Exception as exc:  # noqa: BLE001 - any client failure is a dependency failure
            raise LLMError(f"The LLM endpoint failed ({type(exc).__name__}).") from None
        content = reply.content
        return content if isinstance(content, str) else str(content)


class FakeChat:
    """A scripted model for unit tests: replies come from a function of the prompt."""

    def __init__(self, reply: Callable[[str, str], str], name: str = "fake") -> None:
        self.name = name
        self._reply = reply
        self.calls: list[tuple[str, str]] = []

    def complete(self, system: str, user: str) -> str:
        """The scripted reply."""
        self.calls.append((system, user))
        return self._reply(system, user)


def chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None for the template drafter."""
    return OpenAICompatibleChat(settings) if settings.llm_base_url else None

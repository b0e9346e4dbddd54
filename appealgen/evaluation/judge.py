"""Optional LLM-as-judge pass over drafted letters (only when an LLM endpoint is configured).

Its scores are reported apart from the deterministic rubric and are never gated: a judge
model is neither reproducible nor free.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from appealgen.adapters.llm import ChatModel
from appealgen.errors import LLMError
from appealgen.prompts import load_prompt

PROMPTS = Path(__file__).resolve().parent / "prompts"
ASPECTS = ("responsive", "grounded", "clear")


class JudgeScore(BaseModel):
    """One letter's grades."""

    responsive: int = Field(ge=1, le=5)
    grounded: int = Field(ge=1, le=5)
    clear: int = Field(ge=1, le=5)
    comment: str = ""


def judge_letter(chat: ChatModel, denial: str, letter: str) -> JudgeScore:
    """Grade one letter.

    Raises:
        LLMError: when the endpoint fails or its reply is not the JSON asked for.
    """
    prompt = load_prompt("llm_judge", PROMPTS)
    reply = chat.complete(
        "You are a strict grader. Reply with JSON only.",
        prompt.render(denial=denial[:6000], letter=letter[:8000]),
    )
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    try:
        return JudgeScore.model_validate(json.loads(match.group(0) if match else reply))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise LLMError(
            f"The judge's reply is not valid grading JSON ({type(exc).__name__})."
        ) from None
